"""Read-side figures on reports, in SQL from the scoped querysets."""

import datetime
from typing import NamedTuple

from django.db.models import Count, Q
from django.db.models.functions import Substr
from django.utils import timezone

from apps.units.models import Unit

from .models import (
    DEFAULT_REPORTING_KINDS,
    DailyCompliance,
    GroupWeeklyReport,
    ResponsibilityItem,
    ZeroReport,
)
from .services import deadline_of, reporting_rules


def compliance_per_child(*, user, root: Unit, start: datetime.date, end: datetime.date) -> list[dict]:
    """Swept days per direct child of ``root`` (its subtree): expected, filed, late; 2 queries."""
    step = len(root.path) + 4
    rows = (
        DailyCompliance.objects.visible_within(user, root)
        .filter(date__range=(start, end))
        .order_by()
        .annotate(prefix=Substr("unit__path", 1, step))
        .values("prefix")
        .annotate(
            expected=Count("id"),
            filed=Count("id", filter=~Q(status=DailyCompliance.Status.MISSING)),
            late=Count("id", filter=Q(status=DailyCompliance.Status.LATE)),
        )
    )
    by_prefix = {r["prefix"]: r for r in rows}
    result = []
    for child in Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    ).order_by("path"):
        r = by_prefix.get(child.path, {"expected": 0, "filed": 0, "late": 0})
        pct = round(100 * r["filed"] / r["expected"], 1) if r["expected"] else 100.0
        result.append(
            {
                "unit_id": child.pk,
                "unit_name": child.name,
                "expected": r["expected"],
                "filed": r["filed"],
                "late": r["late"],
                "compliance_pct": pct,
            }
        )
    return result


def missing_today(*, user, root: Unit, now=None) -> list[dict]:
    """Reporting units under ``root`` (in the user's scope) with no report today, live."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = list(
        Unit.objects.visible_to(user, "view")
        .filter(path__startswith=root.path, dissolved_on__isnull=True)
        .order_by("path")
    )
    rules = reporting_rules(units)
    filed = set(
        ZeroReport.objects.filter(report_date=today, unit__in=units).values_list("unit_id", flat=True)
    )
    return [
        {
            "unit_id": u.pk,
            "unit_name": u.name,
            "deadline": deadline_of(today, rules[u.pk][1]),
            "overdue": deadline_of(today, rules[u.pk][1]) <= now,
        }
        for u in units
        if rules[u.pk][0] and u.pk not in filed
    ]


class _UnitRow(NamedTuple):
    pk: int
    name: str
    path: str
    kind: str


def units_missing_today(*, user, root: Unit, now=None) -> list[dict]:
    """``missing_today``'s rows (the same list), read as plain values: a corps has thousands of
    units, and building a model instance of each cost more than the statements; today's
    reports are found by the subtree's path, not by a list of every unit id."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # a unit reports when its kind does by default or its own policy says so (an inherited
    # policy can only excuse it): the thousands of squads of a corps are not read
    may_report = Q(kind__in=DEFAULT_REPORTING_KINDS) | Q(reporting_policy__must_report=True)
    units = [
        _UnitRow(*values)
        for values in Unit.objects.visible_to(user, "view")
        .filter(may_report, path__startswith=root.path, dissolved_on__isnull=True)
        .order_by("path")
        .values_list("pk", "name", "path", "kind")
    ]
    rules = reporting_rules(units)
    filed = set(
        ZeroReport.objects.filter(report_date=today, unit__path__startswith=root.path).values_list(
            "unit_id", flat=True
        )
    )
    rows = []
    for u in units:
        must, deadline = rules[u.pk]
        if must and u.pk not in filed:
            at = deadline_of(today, deadline)
            rows.append({"unit_id": u.pk, "unit_name": u.name, "deadline": at, "overdue": at <= now})
    return rows


def last_finished_week(today=None) -> datetime.date:
    """The Monday of the last finished week."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 7)


def overdue_weekly_groups(*, user, branch, today=None):
    """Party groups of ``branch`` (open, visible to ``user``) without a report for the last
    finished week, as one queryset (the API pages it)."""
    reported = GroupWeeklyReport.objects.filter(week_start=last_finished_week(today)).values("group_id")
    return (
        branch.get_children()
        .filter(kind="party_group", closed_on__isnull=True)
        .visible_to(user, "view")
        .exclude(pk__in=reported)
        .order_by("path")
    )


def overdue_weekly_reports(*, user, branch, today=None) -> list[dict]:
    """Party groups of ``branch`` without a report for the last finished week."""
    last_week = last_finished_week(today)
    return [
        {"group_id": pk, "group_name": name, "week_start": last_week}
        for pk, name in overdue_weekly_groups(user=user, branch=branch, today=today).values_list("pk", "name")
    ]


def responsibility_completion(*, user, root: Unit, year: int) -> list[dict]:
    """六责 completion per direct child of ``root``: items, done, overdue."""
    today = timezone.localdate()
    step = len(root.path) + 4
    rows = (
        ResponsibilityItem.objects.visible_to(user, "view")
        .filter(year=year, organisation__unit__path__startswith=root.path)
        .order_by()
        .annotate(prefix=Substr("organisation__unit__path", 1, step))
        .values("prefix")
        .annotate(
            items=Count("id"),
            done=Count("id", filter=Q(completed_on__isnull=False)),
            overdue=Count("id", filter=Q(completed_on__isnull=True, due_date__lt=today)),
        )
    )
    by_prefix = {r["prefix"]: r for r in rows}
    return [
        {
            "unit_id": c.pk,
            "unit_name": c.name,
            **{k: by_prefix.get(c.path, {}).get(k, 0) for k in ("items", "done", "overdue")},
        }
        for c in Unit.objects.filter(
            path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
        ).order_by("path")
    ]


def attendance_rate(meeting) -> float | None:
    counts = meeting.attendances.aggregate(total=Count("id"), present=Count("id", filter=Q(present=True)))
    return round(100 * counts["present"] / counts["total"], 1) if counts["total"] else None


def month_bounds(year: int, month: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next one, in local time (Asia/Shanghai)."""
    start = datetime.datetime(year, month, 1)
    end = datetime.datetime(year + (month == 12), month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def branches_without_exchange_meeting(*, user, root: Unit, year: int, month: int) -> list[dict]:
    """Branches under ``root`` with open party groups that held no 党小组工作交流会 that month.

    A branch is any open party organisation (visible to ``user``, its unit in ``root``'s
    subtree) with at least one open party group directly below it that existed in the month.
    The exchange meeting may be registered on the branch or on one of its groups. Branches
    established after the month are not flagged. One query.
    """
    from django.db.models import Exists, F, Max, OuterRef, Subquery

    from apps.party.models import OrganisationKind, PartyOrganisation

    from .models import Meeting, MeetingKind

    start, end = month_bounds(year, month)
    last_day = (end - datetime.timedelta(days=1)).date()
    groups = PartyOrganisation.objects.filter(
        path__startswith=OuterRef("path"),
        depth=OuterRef("depth") + 1,
        kind=OrganisationKind.PARTY_GROUP,
        closed_on__isnull=True,
    ).filter(Q(established_on__isnull=True) | Q(established_on__lte=last_day))
    exchanges = Meeting.objects.filter(
        kind=MeetingKind.GROUP_EXCHANGE, organisation__path__startswith=OuterRef("path")
    )
    last_held = (
        exchanges.filter(starts_at__lt=end)
        .order_by()
        .values("kind")
        .annotate(last=Max("starts_at"))
        .values("last")[:1]
    )
    # ``user=None``: every branch (the reminder task, which tells each branch's own chain).
    visible = (
        PartyOrganisation.objects.all()
        if user is None
        else PartyOrganisation.objects.visible_to(user, "view")
    )
    branches = (
        visible.filter(unit__path__startswith=root.path, closed_on__isnull=True)
        .exclude(kind=OrganisationKind.PARTY_GROUP)
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=last_day))
        .filter(Exists(groups))
        .exclude(Exists(exchanges.filter(starts_at__gte=start, starts_at__lt=end)))
        .annotate(
            unit_name=F("unit__name"),
            group_count=Subquery(groups.order_by().values("kind").annotate(n=Count("id")).values("n")[:1]),
            last_exchange=Subquery(last_held),
        )
        .order_by("path")
    )
    return [
        {
            "organisation_id": b.pk,
            "organisation_name": b.name,
            "unit_id": b.unit_id,
            "unit_name": b.unit_name,
            "party_groups": b.group_count,
            "last_exchange_on": timezone.localdate(b.last_exchange) if b.last_exchange else None,
            "month": f"{year:04d}-{month:02d}",
        }
        for b in branches
    ]


def parse_month(raw: str | None, today: datetime.date | None = None) -> tuple[int, int]:
    """``YYYY-MM``; empty means last month. Raises ``ValidationError`` for anything else."""
    from django.core.exceptions import ValidationError

    today = today or timezone.localdate()
    if not raw:
        first = today.replace(day=1) - datetime.timedelta(days=1)
        return first.year, first.month
    try:
        year, month = (int(part) for part in raw.split("-"))
        datetime.date(year, month, 1)
    except (ValueError, TypeError) as exc:
        raise ValidationError({"month": "月份格式应为 YYYY-MM。"}) from exc
    if not 2000 <= year <= today.year + 1:
        raise ValidationError({"month": "月份超出可查询范围。"})
    return year, month
