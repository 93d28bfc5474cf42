"""Display filters of the workbench: Chinese dates and people's names, never ids or usernames."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()

WEEKDAYS = "一二三四五六日"


@register.filter
def cn_date(value) -> str:
    """2026年12月1日 (a datetime is shown in Beijing time)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def cn_day(value) -> str:
    """12月1日 星期二: the short form for this year's lists."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.month}月{value.day}日 星期{WEEKDAYS[value.weekday()]}"


@register.filter
def cn_time(value) -> str:
    """08:12 in Beijing time."""
    if not value:
        return ""
    return f"{timezone.localtime(value):%H:%M}"


@register.filter
def cn_datetime(value) -> str:
    if not value:
        return ""
    return f"{cn_date(value)} {cn_time(value)}"


@register.filter
def display_name(user) -> str:
    """A user's name as Chinese users write it (family name first); the username only if the
    account has no name at all."""
    if user is None:
        return ""
    name = f"{user.last_name}{user.first_name}".strip()
    return name or user.get_username()


@register.filter
def days_since(value) -> int:
    if not value:
        return 0
    return (timezone.now() - value).days


@register.filter
def subject(nomination) -> str:
    """Whom a nomination names: the person's, unit's or party organisation's name."""
    named = nomination.subject_person or nomination.subject_unit or nomination.subject_organisation
    return named.name if named else ""


@register.filter
def pct_step(value) -> int:
    """A percentage rounded to a step of 5 (0..100): the bar's width class, since the pages
    carry no inline styles."""
    try:
        return max(0, min(100, int(round(float(value) / 5) * 5)))
    except (TypeError, ValueError):
        return 0


@register.simple_tag
def station_chips(board, board_url):
    """The status board's chips, one per reporting unit (hundreds at a corps), built in one
    pass with ``format_html`` (escaped like the template): as a template loop they took
    about 100 ms of the corps board's render."""
    from django.utils.html import format_html, format_html_join

    root_pk = board["root"].pk

    def chip(s):
        parent = s.get("parent")
        prefix = f"{parent.name} · " if parent is not None and parent.pk != root_pk else ""
        return (
            s["state"],
            board_url,
            s["unit"].pk,
            s["label"],
            s["state"],
            s["unit"].name,
            prefix,
            s["label"],
        )

    if not board["stations"]:
        return format_html('<p class="wb-muted">本单位下没有需要报送零报告的单位。</p>')
    return format_html_join(
        "\n",
        '<a class="wb-chip wb-{}" href="{}?unit={}" title="{}" data-state="{}">'
        '<span class="wb-chip-name">{}</span><span class="wb-chip-sub">{}{}</span></a>',
        (chip(s) for s in board["stations"]),
    )
