"""Writes on reports: filing a zero-report, the deadline sweep, weekly group reports."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.units.models import Unit

from .models import (
    DEFAULT_DEADLINE,
    DEFAULT_REPORTING_KINDS,
    DailyCompliance,
    ReportingPolicy,
    ZeroReport,
    ZeroReportItem,
)

TZ = ZoneInfo(settings.TIME_ZONE)
CATCH_UP_DAYS = 31


def reporting_rules(units) -> dict[int, tuple[bool, datetime.time]]:
    """Each unit's (must report, deadline): its own policy or the nearest ancestor's."""
    policies = {p.unit.path: p for p in ReportingPolicy.objects.select_related("unit")}
    rules = {}
    for unit in units:
        must, deadline = unit.kind in DEFAULT_REPORTING_KINDS, DEFAULT_DEADLINE
        for end in range(len(unit.path), 0, -4):
            policy = policies.get(unit.path[:end])
            if policy is not None:
                must = policy.must_report if end == len(unit.path) else (policy.must_report and must)
                deadline = policy.deadline
                break
        rules[unit.pk] = (must, deadline)
    return rules


def deadline_of(day: datetime.date, deadline: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, deadline, tzinfo=TZ)


@transaction.atomic
def zero_report_file(
    *, unit: Unit, report_date: datetime.date, actor, items=(), note: str = "", now=None
) -> ZeroReport:
    """File (or refile) a unit's report for a day; after the deadline it is accepted and flagged late."""
    now = now or timezone.now()
    if report_date > timezone.localdate(now):
        raise ValidationError({"report_date": "不能报送未来日期的零报告。"})
    probe = ZeroReport(unit=unit, report_date=report_date)
    if not actor.has_perm("reports.add_zeroreport", probe):
        raise PermissionDenied("您无权为该单位报送零报告。")
    _, deadline = reporting_rules([unit])[unit.pk]
    late = now > deadline_of(report_date, deadline)
    report, created = ZeroReport.objects.select_for_update().get_or_create(
        unit=unit,
        report_date=report_date,
        defaults={
            "filed_by": actor,
            "filed_at": now,
            "is_late": late,
            "nothing_to_report": not items,
            "note": note,
        },
    )
    if not created:
        report.items.all().delete()
        report.nothing_to_report, report.note = not items, note
        report.save(update_fields=["nothing_to_report", "note"])
    ZeroReportItem.objects.bulk_create([ZeroReportItem(report=report, **item) for item in items])
    # A report filed after the sweep turns the day's "missing" into "late".
    DailyCompliance.objects.filter(unit=unit, date=report_date, status=DailyCompliance.Status.MISSING).update(
        status=DailyCompliance.Status.LATE
    )
    return report


def deadline_sweep(*, now: datetime.datetime | None = None) -> list[DailyCompliance]:
    """For every day whose deadline has passed and that has not been swept, record each
    reporting unit's status and notify about the missing ones.

    Idempotent: a (unit, day) is swept once (unique row). A worker down at the deadline
    catches up from the last swept day (at most ``CATCH_UP_DAYS`` back); a fresh install
    starts with today rather than flooding everyone with a month of "missing". Set-based: a fixed
    number of queries per day, whatever the number of units.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = list(Unit.objects.filter(dissolved_on__isnull=True).order_by("path"))
    rules = reporting_rules(units)
    reporting = [u for u in units if rules[u.pk][0]]
    missing_all = []
    last_swept = DailyCompliance.objects.aggregate(last=Max("date"))["last"]
    first_day = max(last_swept or today, today - datetime.timedelta(days=CATCH_UP_DAYS))
    for offset in range((today - first_day).days, -1, -1):
        day = today - datetime.timedelta(days=offset)
        due = [u for u in reporting if deadline_of(day, rules[u.pk][1]) <= now]
        if not due:
            continue
        swept = set(DailyCompliance.objects.filter(date=day, unit__in=due).values_list("unit_id", flat=True))
        pending = [u for u in due if u.pk not in swept]
        if not pending:
            continue
        filed = dict(
            ZeroReport.objects.filter(report_date=day, unit__in=pending).values_list("unit_id", "is_late")
        )
        rows = []
        for unit in pending:
            if unit.pk not in filed:
                status = DailyCompliance.Status.MISSING
            else:
                status = DailyCompliance.Status.LATE if filed[unit.pk] else DailyCompliance.Status.ON_TIME
            rows.append(DailyCompliance(unit=unit, date=day, status=status))
        DailyCompliance.objects.bulk_create(rows, ignore_conflicts=True)
        missing = [r for r in rows if r.status == DailyCompliance.Status.MISSING]
        _notify_missing(missing, by_path={u.path: u for u in units})
        missing_all += missing
    return missing_all


def _notify_missing(rows, by_path) -> None:
    """Tell the unit's administrators and the administrators of the unit above."""
    from apps.access.models import Grant
    from apps.notifications.services import notification_send

    if not rows:
        return
    targets = {}
    for row in rows:
        parent = by_path.get(row.unit.path[:-4])
        for unit in filter(None, (row.unit, parent)):
            targets.setdefault(unit.pk, []).append(row)
    grants = Grant.objects.filter(
        unit_id__in=targets, role__code__in=["unit_admin", "hq_admin"]
    ).select_related("user")
    for grant in grants:
        for row in targets[grant.unit_id]:
            notification_send(
                recipient=grant.user,
                title=f"{row.unit.name} {row.date} 未报送每日零报告",
                body="已过报送截止时间，请尽快报送。",
                link=f"/admin/reports/zeroreport/?unit__id__exact={row.unit_id}",
                category="reports",
                dedupe_key=f"zero-report-missing:{row.unit_id}:{row.date}",
            )


from . import meetings  # noqa: E402,F401  (registers the meeting write services)
