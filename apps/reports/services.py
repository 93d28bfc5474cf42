"""Writes on reports: filing and correcting a zero-report, the deadline sweep, weekly group
reports. The base admin and viewset reach them through ``register_writes`` (bottom)."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from apps.access.authority import authorize, authorize_everywhere
from apps.core.scoping import UNIT_PATH_STEP
from apps.core.writes import check_permission, record_create, record_update, register_writes
from apps.units.models import Unit

from .models import (
    DEFAULT_DEADLINE,
    DEFAULT_REPORTING_KINDS,
    DailyCompliance,
    Decision,
    DeliberationItem,
    DeliberationList,
    GroupWeeklyReport,
    ReportingPolicy,
    ZeroReport,
    ZeroReportCorrection,
    ZeroReportItem,
)

TZ = ZoneInfo(settings.TIME_ZONE)
CATCH_UP_DAYS = 31


def reporting_rules(units) -> dict[int, tuple[bool, datetime.time]]:
    """Each unit's (must report, deadline): its own policy or the nearest ancestor's."""
    policies = {p.unit.path: p for p in ReportingPolicy.objects.select_related("unit")}
    nearest = {}  # path -> the policy set there or on the nearest unit above (or None)

    def policy_at_or_above(path: str):
        if path not in nearest:
            above = policy_at_or_above(path[:-UNIT_PATH_STEP]) if len(path) > UNIT_PATH_STEP else None
            nearest[path] = policies.get(path) or above
        return nearest[path]

    rules = {}
    for unit in units:  # a corps' thousands of units share a few hundred parents
        must, deadline = unit.kind in DEFAULT_REPORTING_KINDS, DEFAULT_DEADLINE
        own = policies.get(unit.path)
        inherited = policy_at_or_above(unit.path[:-UNIT_PATH_STEP]) if own is None else None
        if own is not None:
            must, deadline = own.must_report, own.deadline
        elif inherited is not None:
            must, deadline = inherited.must_report and must, inherited.deadline
        rules[unit.pk] = (must, deadline)
    return rules


def deadline_of(day: datetime.date, deadline: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, deadline, tzinfo=TZ)


def person_name(user) -> str:
    """How a user is named to other users: the person's name, else the account's full name."""
    person = getattr(user, "person", None) if user is not None else None
    return getattr(person, "name", "") or (user.get_full_name() if user else "") or str(user or "—")


def _already_filed(report: ZeroReport, today: datetime.date) -> ValidationError:
    day = "今日" if report.report_date == today else f"{report.report_date.isoformat()}"
    at = timezone.localtime(report.filed_at).strftime("%H:%M" if day == "今日" else "%Y-%m-%d %H:%M")
    return ValidationError(
        {
            "report_date": f"{report.unit.name}{day}已报送（{person_name(report.filed_by)}，{at}），不能重复报送。"
            "如需更正请使用“更正报告”并填写更正原因（管理后台：打开该报告修改；"
            f"接口：POST /api/reports/zero-reports/{report.pk}/correct/），更正人和原内容将留存备查。"
        }
    )


@transaction.atomic
def zero_report_file(
    *, unit: Unit, report_date: datetime.date, actor, items=(), note: str = "", now=None
) -> ZeroReport:
    """File a unit's report for a day; after the deadline it is accepted and flagged late.

    A second filing of the same unit and day is refused with a pointer to the correction
    (``zero_report_correct``): a re-post never rewrites a filed report under its first filer's
    name."""
    now = now or timezone.now()
    if report_date > timezone.localdate(now):
        raise ValidationError({"report_date": "不能报送未来日期的零报告。"})
    probe = ZeroReport(unit=unit, report_date=report_date)
    if not actor.has_perm("reports.add_zeroreport", probe):
        raise PermissionDenied("您无权为该单位报送零报告。")
    if Unit.objects.filter(pk=unit.pk, dissolved_on__isnull=False).exists():
        raise ValidationError({"unit": f"单位“{unit.name}”已撤销，不再报送零报告。"})
    existing = (
        ZeroReport.objects.select_for_update(of=("self",))
        .select_related("unit", "filed_by__person")
        .filter(unit=unit, report_date=report_date)
        .first()
    )
    if existing is not None:
        raise _already_filed(existing, timezone.localdate(now))
    _, deadline = reporting_rules([unit])[unit.pk]
    report = ZeroReport(
        unit=unit,
        report_date=report_date,
        filed_by=actor,
        filed_at=now,
        is_late=now > deadline_of(report_date, deadline),
        nothing_to_report=not items,
        note=note,
    )
    report._history_user = actor
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        # Filed by someone else between our look and our insert.
        raise _already_filed(
            ZeroReport.objects.select_related("unit", "filed_by__person").get(
                unit=unit, report_date=report_date
            ),
            timezone.localdate(now),
        ) from None
    ZeroReportItem.objects.bulk_create([ZeroReportItem(report=report, **item) for item in items])
    # A report filed after the sweep turns the day's "missing" into "late".
    DailyCompliance.objects.filter(unit=unit, date=report_date, status=DailyCompliance.Status.MISSING).update(
        status=DailyCompliance.Status.LATE
    )
    return report


@transaction.atomic
def zero_report_correct(*, report: ZeroReport, actor, reason: str, items=(), note: str = "") -> ZeroReport:
    """Correct a filed report: its items and note are replaced, the first filer stays, and a
    correction record keeps the corrector's name, the reason and what the report said before."""
    reason = (reason or "").strip()
    report = ZeroReport.objects.select_for_update(of=("self",)).select_related("unit").get(pk=report.pk)
    if not actor.has_perm("reports.change_zeroreport", report):
        raise PermissionDenied("您无权更正该单位的零报告。")
    if not reason:
        raise ValidationError({"reason": "请填写更正原因。"})
    previous = list(report.items.order_by("pk").values("kind", "description", "people_affected"))
    ZeroReportCorrection.objects.create(
        report=report,
        corrected_by=actor,
        reason=reason[:200],
        previous_note=report.note,
        previous_items=previous,
    )
    report.items.all().delete()
    ZeroReportItem.objects.bulk_create([ZeroReportItem(report=report, **item) for item in items])
    report.nothing_to_report, report.note = not items, note
    report._history_user = actor
    report._change_reason = f"更正：{reason}"[:100]
    report.save(update_fields=["nothing_to_report", "note"])
    return report


def zero_report_create(*, instance: ZeroReport, actor, m2m=None, related=None) -> ZeroReport:
    """The base admin's and viewset's create: ``related["items"]`` are the report's items."""
    return zero_report_file(
        unit=instance.unit,
        report_date=instance.report_date,
        note=instance.note,
        items=list((related or {}).get("items", [])),
        actor=actor,
    )


def zero_report_update(*, instance: ZeroReport, actor, m2m=None, related=None) -> ZeroReport:
    """A change of a filed report is a correction, with a reason (``related["reason"]``)."""
    related = related or {}
    stored = ZeroReport.objects.get(pk=instance.pk)
    if (stored.unit_id, stored.report_date) != (instance.unit_id, instance.report_date):
        raise ValidationError({"report_date": "零报告的单位和日期不能修改。"})
    items = related.get("items")
    if items is None:
        items = list(stored.items.order_by("pk").values("kind", "description", "people_affected"))
    return zero_report_correct(
        report=stored, actor=actor, reason=related.get("reason", ""), items=items, note=instance.note
    )


def _check_weekly(report: GroupWeeklyReport) -> None:
    from apps.party.models import OrganisationKind, PartyOrganisation

    group = PartyOrganisation.objects.filter(pk=report.group_id).values("kind", "closed_on").first()
    if group is None or group["kind"] != OrganisationKind.PARTY_GROUP:
        raise ValidationError({"group": "只有党小组填报周报。"})
    if report.week_start and report.week_start.weekday() != 0:
        raise ValidationError({"week_start": "请填写该周的周一日期。"})
    duplicate = GroupWeeklyReport.objects.filter(group_id=report.group_id, week_start=report.week_start)
    if duplicate.exclude(pk=report.pk).exists():
        raise ValidationError({"week_start": "该党小组本周已填报周报；如需修改请打开已填报的周报。"})


def weekly_report_create(*, instance: GroupWeeklyReport, actor, m2m=None, related=None) -> GroupWeeklyReport:
    """A party group's weekly report, filed by the actor."""
    instance.filed_by = actor
    with transaction.atomic():
        check_permission(actor, instance, "add")
        _check_weekly(instance)
        try:
            with transaction.atomic():
                return record_create(instance=instance, actor=actor, m2m=m2m, related=related)
        except IntegrityError as exc:
            raise ValidationError({"week_start": "该党小组本周已填报周报。"}) from exc


def weekly_report_update(*, instance: GroupWeeklyReport, actor, m2m=None, related=None) -> GroupWeeklyReport:
    """Change a weekly report; its filer stays."""
    with transaction.atomic():
        stored = GroupWeeklyReport.objects.select_for_update().get(pk=instance.pk)
        instance.filed_by_id = stored.filed_by_id
        _check_weekly(instance)
        try:
            with transaction.atomic():
                return record_update(instance=instance, actor=actor, m2m=m2m, related=related)
        except IntegrityError as exc:
            raise ValidationError({"week_start": "该党小组本周已填报周报。"}) from exc


def deadline_sweep(*, now: datetime.datetime | None = None) -> list[DailyCompliance]:
    """For every day whose deadline has passed and that has not been swept, record each
    reporting unit's status and notify about the missing ones.

    Idempotent: a (unit, day) is swept once (unique row). A worker down at the deadline
    catches up from the last swept day (at most ``CATCH_UP_DAYS`` back); a fresh install
    starts with today rather than flooding everyone with a month of "missing". Set-based: a fixed
    number of queries per day swept, plus a fixed number for the notices of all of them, whatever
    the number of units.
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
        missing_all += [r for r in rows if r.status == DailyCompliance.Status.MISSING]
    _notify_missing(missing_all, by_path={u.path: u for u in units})
    return missing_all


def _notify_missing(rows, by_path) -> None:
    """Tell whoever may file for the unit, climbing the chain until someone holds the right
    (a station under a battalion without an administrator reaches the detachment's), and the
    same for the unit above (oversight). Set-based: the chains of every missing unit and its
    parent are read at once and the notices written at once (see ``notifications_send``)."""
    from apps.notifications.models import Notification
    from apps.notifications.services import notifications_send, recipients_up_the_chain_for

    if not rows:
        return
    told = {
        row.unit_id: [u for u in (row.unit, by_path.get(row.unit.path[:-4])) if u is not None] for row in rows
    }
    chains = recipients_up_the_chain_for(
        units={u.pk: u for units in told.values() for u in units}.values(),
        permission="reports.add_zeroreport",
    )
    notices = []
    for row in rows:
        recipients = {user.pk: user for unit in told[row.unit_id] for user in chains[unit.pk]}
        notices += [
            Notification(
                recipient=user,
                title=f"{row.unit.name} {row.date} 未报送每日零报告",
                body="已过报送截止时间，请尽快报送。",
                link=f"/admin/reports/zeroreport/?unit__id__exact={row.unit_id}",
                category="reports",
                dedupe_key=f"zero-report-missing:{row.unit_id}:{row.date}",
            )
            for user in recipients.values()
        ]
    notifications_send(notices=notices)


# --- Reporting policies 零报告报送设置: set by the level above the unit ----------------------

POLICY_TAKEN = "该单位已有零报告报送设置，请修改原设置。"


def _check_policy(policy: ReportingPolicy, actor) -> None:
    authorize(actor, "reporting_policy.manage", policy.unit)
    if Unit.objects.filter(pk=policy.unit_id, dissolved_on__isnull=False).exists():
        raise ValidationError({"unit": "该单位已撤销，不能设定零报告报送要求。"})
    if ReportingPolicy.objects.filter(unit_id=policy.unit_id).exclude(pk=policy.pk).exists():
        raise ValidationError({"unit": POLICY_TAKEN})


def _save_policy(policy: ReportingPolicy, actor) -> ReportingPolicy:
    policy._history_user = actor
    try:
        with transaction.atomic():
            policy.save()
    except IntegrityError as exc:  # the same unit's policy added at the same moment
        raise ValidationError({"unit": POLICY_TAKEN}) from exc
    return policy


def reporting_policy_create(*, instance: ReportingPolicy, actor, m2m=None, related=None) -> ReportingPolicy:
    """Set whether a unit (and its subtree) files the daily zero-report, and by when: the level
    above it decides (authority ``reporting_policy.manage``), never the unit itself."""
    with transaction.atomic():
        check_permission(actor, instance, "add")
        _check_policy(instance, actor)
        return _save_policy(instance, actor)


def reporting_policy_update(*, instance: ReportingPolicy, actor, m2m=None, related=None) -> ReportingPolicy:
    """Change a policy: the level above the unit it had (row locked) and the unit it gets."""
    with transaction.atomic():
        stored = ReportingPolicy.objects.select_for_update().select_related("unit").get(pk=instance.pk)
        check_permission(actor, stored, "change")
        authorize(actor, "reporting_policy.manage", stored.unit)
        check_permission(actor, instance, "change")
        _check_policy(instance, actor)
        return _save_policy(instance, actor)


def reporting_policy_delete(*, instance: ReportingPolicy, actor) -> None:
    """Remove a policy: the unit falls back to its nearest ancestor's (or the default)."""
    with transaction.atomic():
        stored = ReportingPolicy.objects.select_for_update().select_related("unit").get(pk=instance.pk)
        check_permission(actor, stored, "delete")
        authorize(actor, "reporting_policy.manage", stored.unit)
        stored._history_user = actor
        stored.delete()


# --- Deliberation lists 必议事项清单: global reference data, managed from the top of the tree ---


def _check_deliberation_list(lst: DeliberationList, items) -> list[dict] | None:
    from apps.units.models import UnitKind

    lst.full_clean(validate_unique=False)
    if DeliberationList.objects.filter(code=lst.code).exclude(pk=lst.pk).exists():
        raise ValidationError({"code": f"代码“{lst.code}”已被其他清单使用。"})
    kinds = [k.strip() for k in lst.unit_kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in UnitKind.values]
    if not kinds or unknown:
        raise ValidationError(
            {"unit_kinds": "适用单位类别须为逗号分隔的单位类别：" + "、".join(UnitKind.values) + "。"}
        )
    lst.unit_kinds = ",".join(dict.fromkeys(kinds))
    if items is None:
        return None
    items = [{"order": int(i["order"]), "text": str(i["text"]).strip()} for i in items]
    orders = [i["order"] for i in items]
    if len(set(orders)) != len(orders):
        raise ValidationError({"items": "事项序号不能重复。"})
    if any(not i["text"] for i in items):
        raise ValidationError({"items": "事项内容不能为空。"})
    return items


def _in_use(items) -> list[DeliberationItem]:
    used = set(Decision.objects.filter(item__in=items).values_list("item_id", flat=True))
    return [i for i in items if i.pk in used]


def _replace_items(lst: DeliberationList, items: list[dict]) -> None:
    """Items are matched by their 序号: a kept number keeps its row (decisions citing it stay
    linked, its text may change); a number dropped is deleted unless a decision cites it."""
    existing = {i.order: i for i in lst.items.select_for_update()}
    wanted = {i["order"]: i["text"] for i in items}
    dropped = [item for order, item in existing.items() if order not in wanted]
    cited = _in_use(dropped)
    if cited:
        names = "、".join(f"{i.order}. {i.text}" for i in cited)
        raise ValidationError({"items": f"以下事项已有议事决定引用，不能删除：{names}。"})
    DeliberationItem.objects.filter(pk__in=[i.pk for i in dropped]).delete()
    for order, text in wanted.items():
        item = existing.get(order)
        if item is None:
            DeliberationItem.objects.create(list=lst, order=order, text=text)
        elif item.text != text:
            item.text = text
            item.save(update_fields=["text"])


def deliberation_list_create(
    *, instance: DeliberationList, actor, m2m=None, related=None
) -> DeliberationList:
    """Add a 必议 list with its items (``related["items"]``: ``[{order, text}]``)."""
    authorize_everywhere(actor, "deliberation_list.manage")
    with transaction.atomic():
        items = _check_deliberation_list(instance, (related or {}).get("items", []))
        instance._history_user = actor
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise ValidationError({"code": f"代码“{instance.code}”已被其他清单使用。"}) from exc
        _replace_items(instance, items)
    return instance


def deliberation_list_update(
    *, instance: DeliberationList, actor, m2m=None, related=None
) -> DeliberationList:
    """Change a list; with ``related["items"]`` its items become exactly those (by 序号)."""
    authorize_everywhere(actor, "deliberation_list.manage")
    with transaction.atomic():
        DeliberationList.objects.select_for_update().get(pk=instance.pk)
        items = _check_deliberation_list(instance, (related or {}).get("items"))
        instance._history_user = actor
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise ValidationError({"code": f"代码“{instance.code}”已被其他清单使用。"}) from exc
        if items is not None:
            _replace_items(instance, items)
    return instance


def deliberation_list_delete(*, instance: DeliberationList, actor) -> None:
    """Delete a list none of whose items a decision cites; otherwise refused, nothing deleted."""
    authorize_everywhere(actor, "deliberation_list.manage")
    with transaction.atomic():
        stored = DeliberationList.objects.select_for_update().filter(pk=instance.pk).first()
        if stored is None:
            return
        cited = Decision.objects.filter(item__list=stored).count()
        if cited:
            raise ValidationError(f"必议事项清单“{stored.name}”已被 {cited} 条议事决定引用，不能删除。")
        stored._history_user = actor
        stored.delete()


register_writes(ZeroReport, create=zero_report_create, update=zero_report_update)
register_writes(
    ReportingPolicy,
    create=reporting_policy_create,
    update=reporting_policy_update,
    delete=reporting_policy_delete,
)
register_writes(
    DeliberationList,
    create=deliberation_list_create,
    update=deliberation_list_update,
    delete=deliberation_list_delete,
)
register_writes(GroupWeeklyReport, create=weekly_report_create, update=weekly_report_update)

from . import meetings  # noqa: E402,F401  (registers the meeting write services)
