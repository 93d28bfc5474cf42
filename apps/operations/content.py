"""Who may read a daily report's confidential parts, and the log of every read.

The rule is the talks rule (``apps.talks.content``): holders of ``talks.view_talk_content``
on the report's unit or an ancestor (the party committee above). Unit administrators and
HQ administrators without that permission see the figures, never the text.
"""

from django.db.models import BooleanField, Case, Value, When

from apps.core.scoping import permitted_condition

from .models import DailyReport, ReportContentAccess

CONTENT_PERMISSION = "talks.view_talk_content"


def with_content_readable(queryset, user):
    """Annotate ``content_readable`` on each report in the same SQL statement."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.annotate(content_readable=Value(False, output_field=BooleanField()))
    condition = permitted_condition(DailyReport, user, CONTENT_PERMISSION)
    if condition is True or condition is False:
        return queryset.annotate(content_readable=Value(condition, output_field=BooleanField()))
    return queryset.annotate(
        content_readable=Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def can_read_content(user, report: DailyReport) -> bool:
    if getattr(report, "content_readable", None) is not None:
        return report.content_readable
    return user.has_perm(CONTENT_PERMISSION, report)


def log_reads(user, reports, channel: str) -> None:
    """One access-log row per report whose content was sent to ``user``."""
    ReportContentAccess.objects.bulk_create(
        [ReportContentAccess(report_id=r.pk, user=user, channel=channel) for r in reports]
    )


def read_content(user, report: DailyReport, channel: str) -> dict | None:
    """Decrypted content, logged; ``None`` if the user may not read it."""
    if not can_read_content(user, report):
        return None
    log_reads(user, [report], channel)
    return report.decrypted_content()
