"""Daily zero-reports of every reporting unit (corps, detachments, battalions, stations) up to
yesterday, some filed late, some missing, a few with items; and the deadline sweep's verdict
(``DailyCompliance``) for every unit and day, as ``reports.services.deadline_sweep`` would
have stored it. No ``ReportingPolicy`` rows: the defaults (stations and up, 18:00) apply."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from apps.reports.models import DEFAULT_DEADLINE, DailyCompliance, ZeroReport, ZeroReportItem

from .context import REPORTING_KINDS, Ctx, expected, zero_report_days

LATE_SHARE = 0.04  # of the filed reports
ITEM_SHARE = 0.03  # reports with something to report
ITEMS = [
    (ZeroReportItem.Kind.HEALTH, "一名队员训练中扭伤脚踝，已送医治疗", 1),
    (ZeroReportItem.Kind.IDEOLOGY, "一名队员家中变故，情绪波动，已安排谈心", 1),
    (ZeroReportItem.Kind.SAFETY, "车辆出警途中轻微剐蹭，无人员受伤", 0),
    (ZeroReportItem.Kind.OTHER, "营区停电两小时，已恢复", 0),
]
TZ = ZoneInfo(settings.TIME_ZONE)


def reporting_units(ctx: Ctx) -> list[int]:
    return [u.pk for u in ctx.of_kind(*REPORTING_KINDS)]


def unit_days(ctx: Ctx):
    """(day, unit id) for every reporting unit and day up to yesterday, oldest day first."""
    units = reporting_units(ctx)
    days = zero_report_days(ctx.scale)
    for d in range(days, 0, -1):
        day = ctx.today - datetime.timedelta(days=d)
        for unit in units:
            yield day, unit


def create_zero_reports(ctx: Ctx) -> None:
    rnd = ctx.rng("zero_reports")
    slots = len(reporting_units(ctx)) * zero_report_days(ctx.scale)
    filed = expected(ctx.scale)["zero_reports"]
    missing = set(rnd.sample(range(slots), slots - filed))
    ids = iter(ctx.writer.reserve_ids(ZeroReport, filed))
    clerk = ctx.user("clerk").pk
    deadline = DEFAULT_DEADLINE.hour * 60 + DEFAULT_DEADLINE.minute
    verdicts, items = [], []

    def reports():
        for i, (day, unit) in enumerate(unit_days(ctx)):
            if i in missing:
                verdicts.append(DailyCompliance.Status.MISSING)
                continue
            late = rnd.random() < LATE_SHARE
            minutes = deadline + rnd.randint(1, 900) if late else rnd.randint(7 * 60, deadline - 1)
            at = datetime.datetime.combine(day, datetime.time(), tzinfo=TZ) + datetime.timedelta(
                minutes=minutes
            )
            verdicts.append(DailyCompliance.Status.LATE if late else DailyCompliance.Status.ON_TIME)
            pk = next(ids)
            quiet = rnd.random() >= ITEM_SHARE
            if not quiet:
                items.append((pk, *rnd.choice(ITEMS)))
            yield pk, unit, day, quiet, clerk, at, late

    fields = ["id", "unit_id", "report_date", "nothing_to_report", "filed_by_id", "filed_at", "is_late"]
    ctx.figures["zero_reports"] = ctx.writer.insert(ZeroReport, fields, reports())
    ctx.figures["zero_report_items"] = ctx.writer.insert(
        ZeroReportItem, ["report_id", "kind", "description", "people_affected"], items
    )
    ctx.zero_report_verdicts = verdicts


def create_compliance(ctx: Ctx) -> None:
    """The sweep ran five minutes after each day's deadline."""
    swept = datetime.timedelta(hours=DEFAULT_DEADLINE.hour, minutes=DEFAULT_DEADLINE.minute + 5)
    rows = (
        (unit, day, status, datetime.datetime.combine(day, datetime.time(), tzinfo=TZ) + swept)
        for (day, unit), status in zip(unit_days(ctx), ctx.zero_report_verdicts, strict=True)
    )
    ctx.figures["daily_compliance"] = ctx.writer.insert(
        DailyCompliance, ["unit_id", "date", "status", "swept_at"], rows
    )
