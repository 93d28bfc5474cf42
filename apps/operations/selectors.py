"""Read side of wartime operations: the board's figures (one grouped query per figure,
whatever the number of units or rows), the missing daily reports, the 五个一 matrix, the
units nobody has visited, and what the workbench lists for a user.

Drill-down: figures are grouped by the *child* of a chosen unit (``root``) whose subtree a
record lies in (``SUBSTR(unit.path, 1, len(root.path) + 4)``); records on ``root`` itself
form the "本级" row. The total is the sum of the rows.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import Substr
from django.utils import timezone

from apps.core.scoping import UNIT_PATH_STEP, visible_conditions
from apps.party.models import OrganisationKind, PartyOrganisation, TeamMembership
from apps.talks.models import TalkKind, TalkRecord
from apps.units.models import Unit

from .models import (
    CareAction,
    CareItem,
    CommendedPerson,
    CoveredUnit,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    Operation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
)
from .services import report_deadline

#: the talk-record kinds that count for a care item (the talks app's wartime kinds)
CARE_TALK_KINDS = {
    CareItem.TALK: [TalkKind.WARTIME],
    CareItem.HOME_VISIT: [TalkKind.HOME_VISIT],
    CareItem.SOLIDARITY: [TalkKind.SOLIDARITY_VISIT],
    CareItem.ISOLATION: [TalkKind.ISOLATION_TALK],
    CareItem.DIFFICULTY: [],
}

FIGURES = {
    "covered_units": "覆盖单位",
    "temporary_organisations": "临时党组织",
    "teams": "党员队伍",
    "team_members": "队员（人次）",
    "pledges": "请战书/倡议/宣誓",
    "volunteers": "主动请缨",
    "frontline": "一线人员",
    "care_complete": "五个一全覆盖",
    "reports_expected": "应报日报",
    "reports_filed": "已报日报",
    "reports_late": "逾期日报",
    "reports_missing": "缺报日报",
    "difficulties_raised": "发现困难",
    "difficulties_solved": "解决困难",
    "suggestions": "金点子",
    "visits": "督导检查",
    "unvisited_units": "未督导单位",
    "observations": "战时考察",
    "commended": "通报表扬人数",
}


def operations_visible(user):
    """The operations a user sees (the committee's unit and the levels above)."""
    return Operation.objects.visible_to(user, "view").select_related("unit", "committee")


def operations_to_report(user, *, today: datetime.date | None = None) -> list[dict]:
    """For the workbench: each running operation and reporter the user may file for (the
    reporters on units where the user holds ``operations.file_wartime_report``), with whether
    today's report is in. A fixed number of queries per operation."""
    today = today or timezone.localdate()
    units = Unit.objects.visible_to(user, "operations.file_wartime_report")
    operations = {
        op.pk: op
        for op in Operation.objects.filter(
            status=Operation.Status.ACTIVE, reporting=True, covered__unit__in=units.values("pk")
        ).distinct()
    }
    result = []
    for op in operations.values():
        for row in expected_reporters(operation=op, within=units):
            result.append({**row, "operation_id": op.pk, "operation_name": op.name, "date": today})
    filed = set(
        DailyReport.objects.filter(operation_id__in=operations, report_date=today).values_list(
            "operation_id", "unit_id", "party_group_id"
        )
    )
    for row in result:
        row["filed"] = (row["operation_id"], row["unit_id"], row["party_group_id"]) in filed
    return result


# ---------------------------------------------------------------- daily report


def _reporters_queryset(operation: Operation):
    covered = CoveredUnit.objects.filter(operation=operation).values("unit_id")
    if operation.report_level == Operation.ReportLevel.PARTY_GROUP:
        return PartyOrganisation.objects.filter(
            kind=OrganisationKind.PARTY_GROUP, closed_on__isnull=True, unit_id__in=covered
        ).order_by("path")
    return Unit.objects.filter(pk__in=covered, kind="station", dissolved_on__isnull=True).order_by("path")


def expected_reporters(*, operation: Operation, within=None) -> list[dict]:
    """Who must file the daily report: the covered stations, or the open party groups on
    covered units. ``key`` identifies a reporter for dedupe keys. One query."""
    qs = _reporters_queryset(operation)
    group_level = operation.report_level == Operation.ReportLevel.PARTY_GROUP
    if within is not None:
        qs = (
            qs.filter(unit_id__in=within.values("pk"))
            if group_level
            else qs.filter(pk__in=within.values("pk"))
        )
    if group_level:
        return [
            {"key": f"g{pk}", "unit_id": unit_id, "party_group_id": pk, "name": name}
            for pk, unit_id, name in qs.values_list("pk", "unit_id", "name")
        ]
    return [
        {"key": f"u{pk}", "unit_id": pk, "party_group_id": None, "name": name}
        for pk, name in qs.values_list("pk", "name")
    ]


def missing_reporters(*, operation: Operation, day: datetime.date) -> list[dict]:
    """Reporters that have not filed ``day``'s report (two queries)."""
    filed = set(
        DailyReport.objects.filter(operation=operation, report_date=day).values_list(
            "unit_id", "party_group_id"
        )
    )
    group_level = operation.report_level == Operation.ReportLevel.PARTY_GROUP
    return [
        r
        for r in expected_reporters(operation=operation)
        if not any(
            (pg == r["party_group_id"]) if group_level else (u == r["unit_id"] and pg is None)
            for u, pg in filed
        )
    ]


def reporting_window(operation: Operation, now: datetime.datetime | None = None):
    """The days whose reports are due: from the start to the closing day, or to the last
    day whose deadline has passed. ``(first, last)``; ``last < first`` when none is due."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    if operation.status == Operation.Status.DRAFT:
        return operation.start_date, operation.start_date - datetime.timedelta(days=1)
    if operation.closed_on:
        return operation.start_date, operation.closed_on
    last = today if report_deadline(operation, today) <= now else today - datetime.timedelta(days=1)
    return operation.start_date, last


# ---------------------------------------------------------------- 五个一


def care_annotated(operation: Operation, queryset=None, today: datetime.date | None = None):
    """Front-line people with one boolean per care item (``has_talk``...) and ``complete``
    (all five, the isolation item only for people isolated). One SQL statement."""
    today = today or timezone.localdate()
    window = (operation.start_date, operation.last_day(today))
    qs = FrontlinePerson.objects.filter(operation=operation) if queryset is None else queryset
    annotations = {}
    for item, kinds in CARE_TALK_KINDS.items():
        condition = Q(
            Exists(CareAction.objects.filter(operation=operation, person=OuterRef("person"), item=item))
        )
        if kinds:
            condition |= Q(
                Exists(
                    TalkRecord.objects.filter(person=OuterRef("person"), kind__in=kinds, date__range=window)
                )
            )
        annotations[f"has_{item}"] = ExpressionWrapper(condition, output_field=BooleanField())
    return qs.annotate(**annotations)


def _complete_q() -> Q:
    return Q(has_talk=True, has_home_visit=True, has_solidarity=True, has_difficulty=True) & (
        Q(isolated=False) | Q(has_isolation=True)
    )


def care_matrix(
    *, operation: Operation, user, root: Unit | None = None, incomplete_only: bool = False
) -> list[dict]:
    """五个一 per front-line person: one row per person with each item done or not."""
    qs = FrontlinePerson.objects.visible_to(user, "view").filter(operation=operation)
    if root is not None:
        qs = qs.filter(unit__path__startswith=root.path)
    qs = care_annotated(operation, qs.select_related("person", "unit")).order_by("unit__path", "person__name")
    rows = []
    for fp in qs:
        items = {item: getattr(fp, f"has_{item}") for item in CARE_TALK_KINDS}
        required = [i for i in CARE_TALK_KINDS if i != CareItem.ISOLATION or fp.isolated]
        missing = [CareItem(i).label for i in required if not items[i]]
        if incomplete_only and not missing:
            continue
        rows.append(
            {
                "person_id": fp.person_id,
                "person_name": fp.person.name,
                "unit_id": fp.unit_id,
                "unit_name": fp.unit.name,
                "isolated": fp.isolated,
                **items,
                "complete": not missing,
                "missing": missing,
            }
        )
    return rows


# ---------------------------------------------------------------- 包片 and visits


def unvisited_units(*, operation: Operation, user) -> list[dict]:
    """Covered units (not squads) no committee member has visited yet, with who holds the
    sector (包片) for each. Two queries."""
    from .models import SectorAssignment

    visited = InspectionVisit.objects.filter(operation=operation, unit=OuterRef("unit"))
    covered = (
        CoveredUnit.objects.visible_to(user, "view")
        .filter(operation=operation)
        .exclude(unit__kind="squad")
        .filter(~Exists(visited))
        .select_related("unit")
        .order_by("unit__path")
    )
    rows = [{"unit_id": c.unit_id, "unit_name": c.unit.name, "sector_members": []} for c in covered]
    holders = {}
    for unit_id, name in SectorAssignment.objects.filter(
        operation=operation, unit_id__in=[r["unit_id"] for r in rows]
    ).values_list("unit_id", "member__name"):
        holders.setdefault(unit_id, []).append(name)
    for row in rows:
        row["sector_members"] = holders.get(row["unit_id"], [])
    return rows


# ---------------------------------------------------------------- the board


def _grouped(queryset, path_field: str, root: Unit, **aggregates) -> dict[str, dict]:
    step = len(root.path) + UNIT_PATH_STEP
    rows = (
        queryset.filter(**{f"{path_field}__startswith": root.path})
        .order_by()
        .annotate(prefix=Substr(path_field, 1, step))
        .values("prefix")
        .annotate(**aggregates)
    )
    return {row.pop("prefix"): row for row in rows}


def _where(condition) -> Q:
    return Q() if condition is True else condition


def board(
    *, operation: Operation, user, root: Unit | None = None, now: datetime.datetime | None = None
) -> dict:
    """The operation's figures per child of ``root`` (default: the unit the operation covers)
    and in total. A fixed number of queries (one per figure group), whatever the size."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    root = root or operation.coverage_root or operation.unit
    root = Unit.objects.get(pk=root.pk)
    first, last = reporting_window(operation, now)
    days = max((last - first).days + 1, 0)
    models = [
        CoveredUnit,
        OperationOrganisation,
        OperationTeam,
        TeamMembership,
        Pledge,
        FrontlinePerson,
        DailyReport,
        InspectionVisit,
        Observation,
        CommendedPerson,
    ]
    conditions = visible_conditions(user, [(m, "view") for m in models])
    if any(c is False for c in conditions):
        scope = dict.fromkeys(models, Q(pk__in=[]))
    else:
        scope = {m: _where(c) for m, c in zip(models, conditions, strict=True)}
    op = operation
    figures: dict[str, dict[str, dict]] = {}
    figures["covered"] = _grouped(
        CoveredUnit.objects.filter(scope[CoveredUnit], operation=op),
        "unit__path",
        root,
        covered_units=Count("pk"),
        unvisited_units=Count(
            "pk",
            filter=~Q(unit__kind="squad")
            & ~Q(Exists(InspectionVisit.objects.filter(operation=op, unit=OuterRef("unit")))),
        ),
    )
    figures["orgs"] = _grouped(
        OperationOrganisation.objects.filter(scope[OperationOrganisation], operation=op),
        "organisation__unit__path",
        root,
        temporary_organisations=Count("pk"),
    )
    figures["teams"] = _grouped(
        OperationTeam.objects.filter(scope[OperationTeam], operation=op),
        "team__unit__path",
        root,
        teams=Count("pk"),
    )
    figures["members"] = _grouped(
        TeamMembership.objects.filter(
            scope[TeamMembership], team__in=OperationTeam.objects.filter(operation=op).values("team")
        ),
        "team__unit__path",
        root,
        team_members=Count("pk"),
    )
    figures["pledges"] = _grouped(
        Pledge.objects.filter(scope[Pledge], operation=op),
        "unit__path",
        root,
        pledges=Count("pk"),
        volunteers=Count("pk", filter=Q(volunteer=True)),
    )
    figures["frontline"] = _grouped(
        care_annotated(op, FrontlinePerson.objects.filter(scope[FrontlinePerson], operation=op), today),
        "unit__path",
        root,
        frontline=Count("pk"),
        care_complete=Count("pk", filter=_complete_q()),
    )
    figures["reports"] = _grouped(
        DailyReport.objects.filter(scope[DailyReport], operation=op, report_date__lte=op.last_day(today)),
        "unit__path",
        root,
        reports_filed=Count("pk"),
        filed_due=Count("pk", filter=Q(report_date__range=(first, last))),
        reports_late=Count("pk", filter=Q(is_late=True)),
        difficulties_raised=Sum("difficulties_raised"),
        difficulties_solved=Sum("difficulties_solved"),
        suggestions=Sum("suggestion_count"),
    )
    # who must report is the operation's own configuration, read as the committee sees it
    reporters = _reporters_queryset(op)
    reporter_path = "unit__path" if op.report_level == Operation.ReportLevel.PARTY_GROUP else "path"
    figures["reporters"] = _grouped(reporters, reporter_path, root, reporters=Count("pk"))
    figures["visits"] = _grouped(
        InspectionVisit.objects.filter(scope[InspectionVisit], operation=op),
        "unit__path",
        root,
        visits=Count("pk"),
    )
    figures["observations"] = _grouped(
        Observation.objects.filter(scope[Observation], operation=op),
        "unit__path",
        root,
        observations=Count("pk"),
    )
    figures["commended"] = _grouped(
        CommendedPerson.objects.filter(scope[CommendedPerson], commendation__operation=op),
        "unit__path",
        root,
        commended=Count("person", distinct=True),
    )
    prefixes = set().union(*(g.keys() for g in figures.values()))
    children = {
        u.path: u for u in Unit.objects.filter(path__in=prefixes - {root.path}).only("pk", "name", "path")
    }
    rows = []
    for prefix in sorted(prefixes):
        unit = root if prefix == root.path else children.get(prefix)
        if unit is None:
            continue
        row = {
            "unit_id": unit.pk,
            "unit_name": "本级" if unit is root else unit.name,
            "is_root": unit is root,
        }
        for name in FIGURES:
            row[name] = 0
        for group in figures.values():
            for name, value in group.get(prefix, {}).items():
                row[name] = value or 0
        row["reports_expected"] = row.pop("reporters", 0) * days
        # missing: due reports not in (today's, before its deadline, is not due yet)
        row["reports_missing"] = max(row["reports_expected"] - row.pop("filed_due", 0), 0)
        rows.append(row)
    total = {name: sum(r[name] for r in rows) for name in FIGURES}
    return {
        "operation_id": op.pk,
        "operation_name": op.name,
        "status": op.status,
        "root_id": root.pk,
        "root_name": root.name,
        "report_days": days,
        "first_day": first,
        "last_day": last if days else None,
        "rows": rows,
        "total": total,
        "labels": FIGURES,
    }


# ---------------------------------------------------------------- 战时考察 as evidence


def observations_of(*, person, user):
    """A person's wartime observations the user may see (newest first), for a nomination's
    or an evaluation's evidence picker."""
    return (
        Observation.objects.visible_to(user, "view")
        .filter(person=person)
        .select_related("operation", "observer")
        .order_by("-date", "-id")
    )


def observations_linked(*, user, nomination=None, evaluation=None):
    """The observations attached as evidence to a nomination or an evaluation."""
    from .models import ObservationLink

    links = ObservationLink.objects.visible_to(user, "view")
    links = (
        links.filter(nomination=nomination) if nomination is not None else links.filter(evaluation=evaluation)
    )
    return (
        Observation.objects.filter(pk__in=links.values("observation"))
        .select_related("operation", "person")
        .order_by("-date", "-id")
    )


def exemplary_people(*, user, operation: Operation | None = None, today: datetime.date | None = None):
    """先进典型 of quick commendations, once the commendation is published (its 公示 over)."""
    today = today or timezone.localdate()
    rows = CommendedPerson.objects.visible_to(user, "view").filter(
        exemplary=True, commendation__published_on__lte=today
    )
    if operation is not None:
        rows = rows.filter(commendation__operation=operation)
    return rows.select_related("person", "unit", "commendation__operation").order_by(
        "-commendation__published_on", "id"
    )
