"""Writes of wartime operations: the only write path (admin, API, tasks and the workbench call
these). Each service checks the actor's authority on the target unit *before* writing, runs
in one transaction, and locks the operation where two people can race (activate, close,
file the same day's report).

Authority (``apps.access.authority``): activating and closing need ``operation.activate`` on
the operation's unit, the daily report ``operation.report`` on the reporting unit,
observations ``operation.observe`` and quick commendations ``operation.commend`` on the
operation's unit. Ordinary records (working groups, 包片, visits, pledges filed by a unit,
front-line people, care, 研判) need the model's ``add_``/``change_``/``delete_`` permission on
their unit, as everywhere else.

Activation may set up temporary organisations and teams: the organisations through
``apps.party.services.organisation_create`` and the memberships through
``apps.people.services.person_join_organisation``, both called *after* this module has
checked ``operation.activate`` and with ``actor=None`` (their own permission checks ask for
``party.add_*``/``people.change_*``, which a party secretary does not hold: the authority to
activate is what entitles the committee to set up its wartime organisations). The party app
has no service that creates a campaign team; teams are written here, with history, and their
members join and leave through ``apps.party.services.team_member_join`` / ``team_member_leave``
(``actor=None``, ``checked_by`` naming the user).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.access.authority import authorize
from apps.party.models import CampaignTeam, OrganisationKind, PartyOrganisation, TeamKind, TeamMembership
from apps.units.models import Unit

from .models import (
    CareAction,
    CareItem,
    CommendedPerson,
    CoveredUnit,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationKind,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)

TZ = ZoneInfo(settings.TIME_ZONE)
MAX_NOTICE_DAYS = 5  # 通报表扬: a short 公示 or none
NOT_ALLOWED = "您无权在该单位下进行此操作。"
TEMPORARY_KINDS = {OrganisationKind.TEMPORARY_BRANCH, OrganisationKind.PARTY_GROUP}


# ---------------------------------------------------------------- helpers


def _require(actor, action: str, obj) -> None:
    """``PermissionDenied`` unless the actor holds the model permission on the object's unit."""
    model = type(obj)
    perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
    if actor is None or not actor.has_perm(perm, obj):
        raise PermissionDenied(NOT_ALLOWED)


def _history(obj, actor, reason: str | None = None):
    obj._history_user = actor
    if reason:
        obj._change_reason = reason
    return obj


def _locked(operation: Operation) -> Operation:
    return Operation.objects.select_for_update().get(pk=operation.pk)


def _in_subtree(unit: Unit, root: Unit) -> bool:
    return unit is not None and unit.path.startswith(root.path)


def _fresh_unit(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def covered_unit_ids(operation: Operation) -> set[int]:
    return set(CoveredUnit.objects.filter(operation=operation).values_list("unit_id", flat=True))


def _require_covered(operation: Operation, unit: Unit, field: str = "unit") -> None:
    if unit is None or not CoveredUnit.objects.filter(operation=operation, unit=unit).exists():
        raise ValidationError({field: "该单位不在本次战时行动的覆盖范围内。"})


def _require_open(operation: Operation, field: str = "operation") -> None:
    if operation.status == Operation.Status.CLOSED:
        raise ValidationError({field: "该战时行动已结束归档，不能再登记。"})


def _require_active(operation: Operation, field: str = "operation") -> None:
    if operation.status != Operation.Status.ACTIVE:
        raise ValidationError({field: "该战时行动未处于战时状态。"})


def _check_day(operation: Operation, day: datetime.date, field: str = "date") -> None:
    today = timezone.localdate()
    if day > today:
        raise ValidationError({field: "日期不能晚于今天。"})
    if day < operation.start_date or (operation.closed_on and day > operation.closed_on):
        raise ValidationError({field: "日期应在战时行动期间内。"})


def _person_in(operation: Operation, person, field: str = "person") -> Unit:
    """The person's current unit, which must be one the operation covers."""
    if person is None:
        raise ValidationError({field: "请选择人员。"})
    unit = _fresh_unit(person.unit)
    _require_covered(operation, unit, field)
    return unit


# ---------------------------------------------------------------- operations


def _validate_operation(op: Operation, chosen_units) -> None:
    errors = {}
    if op.kind not in OperationKind.values:
        errors["kind"] = "请选择行动类别。"
    if not (op.name or "").strip():
        errors["name"] = "请填写行动名称。"
    if not (op.reason or "").strip():
        errors["reason"] = "请填写启动原因。"
    if op.planned_end and op.start_date and op.planned_end < op.start_date:
        errors["planned_end"] = "计划结束日期不能早于开始日期。"
    if op.committee_id:
        committee = op.committee
        if committee.kind != OrganisationKind.COMMITTEE or committee.unit_id != op.unit_id:
            errors["committee"] = "领导党委须是指挥单位的党委。"
    if op.coverage == Operation.Coverage.SUBTREE:
        if op.coverage_root_id and not _in_subtree(_fresh_unit(op.coverage_root), _fresh_unit(op.unit)):
            errors["coverage_root"] = "覆盖范围须在指挥单位所辖范围之内。"
    elif op.coverage == Operation.Coverage.CHOSEN:
        units = list(chosen_units or [])
        root = _fresh_unit(op.unit)
        if not units:
            errors["units"] = "请选择覆盖的单位。"
        elif any(not _in_subtree(_fresh_unit(u), root) for u in units):
            errors["units"] = "所选单位须在指挥单位所辖范围之内。"
    else:
        errors["coverage"] = "请选择覆盖方式。"
    if errors:
        raise ValidationError(errors)


def _set_coverage(op: Operation, chosen_units) -> None:
    """Materialise the covered units: the root's (or each chosen unit's) live subtree."""
    roots = (
        [op.coverage_root or op.unit]
        if op.coverage == Operation.Coverage.SUBTREE
        else list(chosen_units or [])
    )
    roots = [_fresh_unit(u) for u in roots]
    wanted = set()
    for root in roots:
        wanted |= set(
            Unit.objects.filter(path__startswith=root.path, dissolved_on__isnull=True).values_list(
                "pk", flat=True
            )
        )
    existing = covered_unit_ids(op)
    CoveredUnit.objects.filter(operation=op, unit_id__in=existing - wanted).delete()
    CoveredUnit.objects.bulk_create(
        [CoveredUnit(operation=op, unit_id=pk) for pk in sorted(wanted - existing)]
    )


@transaction.atomic
def operation_create(
    *,
    name: str,
    kind: str,
    unit: Unit,
    start_date: datetime.date,
    reason: str,
    actor,
    planned_end: datetime.date | None = None,
    committee: PartyOrganisation | None = None,
    coverage: str = Operation.Coverage.SUBTREE,
    coverage_root: Unit | None = None,
    units=(),
    report_level: str = Operation.ReportLevel.STATION,
    report_deadline: datetime.time | None = None,
) -> Operation:
    """Prepare an operation (筹备中): what, who runs it, which units it covers."""
    op = Operation(
        name=name,
        kind=kind,
        unit=unit,
        committee=committee,
        coverage=coverage,
        coverage_root=coverage_root,
        start_date=start_date,
        planned_end=planned_end,
        reason=reason,
        report_level=report_level,
        created_by=actor,
    )
    if report_deadline is not None:
        op.report_deadline = report_deadline
    _require(actor, "add", op)
    _validate_operation(op, units)
    op.full_clean()
    _history(op, actor).save()
    _set_coverage(op, units)
    return op


EDITABLE_FIELDS = {
    "name",
    "kind",
    "committee",
    "coverage",
    "coverage_root",
    "start_date",
    "planned_end",
    "reason",
    "report_level",
    "report_deadline",
}


@transaction.atomic
def operation_update(*, operation: Operation, actor, units=None, **fields) -> Operation:
    """Change an operation that is not closed; coverage and start only before activation."""
    op = _locked(operation)
    _require(actor, "change", op)
    if op.status == Operation.Status.CLOSED:
        raise ValidationError({"status": "已结束归档的战时行动不能修改。"})
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError({sorted(unknown)[0]: "该字段不能修改。"})
    if op.status == Operation.Status.ACTIVE:
        frozen = {"coverage", "coverage_root", "start_date", "report_level"}
        for name in frozen & set(fields):
            if fields[name] != getattr(op, name):
                raise ValidationError({name: "行动启动后不能修改覆盖范围、开始日期或日报报送单元。"})
        if units is not None:
            raise ValidationError({"units": "行动启动后不能修改覆盖范围。"})
    for name, value in fields.items():
        setattr(op, name, value)
    chosen = units if units is not None else [c.unit for c in op.covered.select_related("unit")]
    _validate_operation(op, chosen)
    op.full_clean()
    _require(actor, "change", op)  # the unit it lands in must be in scope too
    _history(op, actor).save()
    if op.status == Operation.Status.DRAFT:
        _set_coverage(op, chosen)
    return op


@transaction.atomic
def operation_delete(*, operation: Operation, actor) -> None:
    """Only an operation still in preparation can be deleted; the others are archived."""
    op = _locked(operation)
    _require(actor, "delete", op)
    if op.status != Operation.Status.DRAFT:
        raise PermissionDenied("已启动的战时行动不能删除，只能结束归档。")
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            _history(op, actor).delete()
    except ProtectedError as exc:
        raise ValidationError({"status": "该战时行动已有日报、考察或表扬记录，不能删除。"}) from exc


@transaction.atomic
def operation_activate(
    *, operation: Operation, actor, organisations=(), teams=(), now: datetime.datetime | None = None
) -> Operation:
    """平转战: put the operation on a wartime footing, start the daily report, and set up the
    temporary organisations and teams given, all in this one transaction.

    ``organisations``: dicts ``{name, unit, parent, kind="temporary_branch", reason?, members=[people]}``;
    ``teams``: dicts ``{name, kind, unit, organisation, purpose?, members=[people]}`` (the
    organisation may be the *name* of one set up in the same call).
    """
    now = now or timezone.now()
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    if op.status == Operation.Status.ACTIVE:
        raise ValidationError({"status": "该战时行动已处于战时状态。"})
    if op.status == Operation.Status.CLOSED:
        raise ValidationError({"status": "已结束归档的战时行动不能再次启动。"})
    today = timezone.localdate(now)
    if op.start_date > today:
        raise ValidationError({"start_date": "开始日期未到，不能启动。"})
    made = {}
    for spec in organisations:
        org = organisation_setup(operation=op, actor=actor, on=today, **spec)
        made[org.name] = org
    for spec in teams:
        spec = dict(spec)
        if isinstance(spec.get("organisation"), str):
            if spec["organisation"] not in made:
                raise ValidationError({"teams": f"未找到党组织“{spec['organisation']}”。"})
            spec["organisation"] = made[spec["organisation"]]
        team_setup(operation=op, actor=actor, on=today, **spec)
    op.status = Operation.Status.ACTIVE
    op.reporting = True
    op.activated_at, op.activated_by = now, actor
    _history(op, actor, "平转战：启动战时行动").save()
    return op


@transaction.atomic
def operation_close(
    *, operation: Operation, actor, note: str = "", on: datetime.date | None = None
) -> Operation:
    """战转平: end the operation's temporary organisations and teams (and their memberships),
    stop the daily report and archive it. Closing a closed operation changes nothing."""
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    if op.status == Operation.Status.CLOSED:
        return op
    if op.status != Operation.Status.ACTIVE:
        raise ValidationError({"status": "未启动的战时行动不能结束；不再需要可直接删除。"})
    on = on or timezone.localdate()
    activated_on = timezone.localdate(op.activated_at) if op.activated_at else op.start_date
    if on < max(op.start_date, activated_on) or on > timezone.localdate():
        raise ValidationError({"closed_on": "结束日期应在启动日期与今天之间。"})
    from django.db.models import F

    from apps.party.services import team_member_leave
    from apps.people.models import PartyMembership

    for link in op.organisations.select_related("organisation"):
        org = PartyOrganisation.objects.select_for_update().get(pk=link.organisation_id)
        if org.closed_on is None:
            org.closed_on = on
            org.end_date = org.end_date or on
            _history(org, actor, f"战转平：{op.name}结束").save(update_fields=["closed_on", "end_date"])
        open_memberships = PartyMembership.objects.filter(organisation=org, end_date__isnull=True)
        open_memberships.filter(start_date__gt=on).update(end_date=F("start_date"))
        open_memberships.update(end_date=on)
    for link in op.teams.select_related("team"):
        team = CampaignTeam.objects.select_for_update().get(pk=link.team_id)
        if team.end_date is None:
            team.end_date = on
            _history(team, actor, f"战转平：{op.name}结束").save(update_fields=["end_date"])
        for membership in TeamMembership.objects.filter(team=team, left_on__isnull=True).select_related(
            "person"
        ):
            team_member_leave(membership=membership, actor=None, on=max(on, membership.joined_on))
    op.status = Operation.Status.CLOSED
    op.reporting = False
    op.closed_on, op.closed_at, op.closed_by = on, timezone.now(), actor
    op.closing_note = note
    _history(op, actor, "战转平：结束战时行动并归档").save()
    return op


@transaction.atomic
def organisation_setup(
    *,
    operation: Operation,
    actor,
    name: str,
    unit: Unit,
    parent: PartyOrganisation,
    kind: str = OrganisationKind.TEMPORARY_BRANCH,
    reason: str = "",
    members=(),
    on: datetime.date | None = None,
) -> PartyOrganisation:
    """Set up a temporary branch (or a wartime party group) through the party service, and
    move the given people into it while they keep their home branch."""
    from apps.party.services import organisation_create
    from apps.people.services import person_join_organisation

    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    _require_open(op)
    if kind not in TEMPORARY_KINDS:
        raise ValidationError({"kind": "只能设立临时党支部或战时党小组。"})
    _require_covered(op, unit)
    if parent is None or not _in_subtree(_fresh_unit(parent.unit), _fresh_unit(op.unit)):
        raise ValidationError({"parent": "上级党组织须在指挥单位所辖范围之内。"})
    on = on or timezone.localdate()
    extra = {"start_date": on, "reason": (reason or f"{op.name}（{op.get_kind_display()}）")[:200]}
    org = organisation_create(name=name, kind=kind, unit=unit, parent=parent, actor=None, **extra)
    OperationOrganisation.objects.create(operation=op, organisation=org)
    for person in members:
        _person_in(op, person, "members")
        person_join_organisation(person=person, organisation=org, on=on, actor=None)
    return org


@transaction.atomic
def team_setup(
    *,
    operation: Operation,
    actor,
    name: str,
    kind: str,
    unit: Unit,
    organisation: PartyOrganisation,
    purpose: str = "",
    members=(),
    on: datetime.date | None = None,
) -> CampaignTeam:
    """Set up a 突击队 / 先锋岗 / 服务队 / 志愿队 for the operation; its members become
    front-line people."""
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    _require_open(op)
    if kind not in TeamKind.values:
        raise ValidationError({"kind": "请选择队伍类别。"})
    if not (name or "").strip():
        raise ValidationError({"name": "请填写队伍名称。"})
    _require_covered(op, unit)
    if organisation is None or not _in_subtree(_fresh_unit(organisation.unit), _fresh_unit(op.unit)):
        raise ValidationError({"organisation": "所属党组织须在指挥单位所辖范围之内。"})
    if organisation.closed_on:
        raise ValidationError({"organisation": "该党组织已撤销。"})
    on = on or timezone.localdate()
    team = CampaignTeam(
        name=name, kind=kind, organisation=organisation, unit=unit, start_date=on, purpose=purpose[:200]
    )
    team.full_clean()
    _history(team, actor, f"平转战：{op.name}").save()
    OperationTeam.objects.create(operation=op, team=team)
    for person in members:
        team_member_add(operation=op, team=team, person=person, actor=actor, on=on)
    return team


@transaction.atomic
def organisation_adopt(
    *, operation: Operation, organisation: PartyOrganisation, actor
) -> OperationOrganisation:
    """Take a temporary organisation set up before the operation (or by hand) under it, so
    that closing the operation ends it too."""
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    _require_open(op)
    if organisation.kind not in TEMPORARY_KINDS or organisation.closed_on:
        raise ValidationError({"organisation": "只能纳入未撤销的临时党支部或党小组。"})
    _require_covered(op, _fresh_unit(organisation.unit), "organisation")
    if OperationOrganisation.objects.filter(organisation=organisation).exists():
        raise ValidationError({"organisation": "该党组织已纳入战时行动。"})
    link = OperationOrganisation(operation=op, organisation=organisation)
    _history(link, actor).save()
    return link


@transaction.atomic
def team_adopt(*, operation: Operation, team: CampaignTeam, actor) -> OperationTeam:
    """Take an existing campaign team under the operation; its members join the front line."""
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    _require_open(op)
    if team.end_date:
        raise ValidationError({"team": "该队伍已解散。"})
    _require_covered(op, _fresh_unit(team.unit), "team")
    if OperationTeam.objects.filter(team=team).exists():
        raise ValidationError({"team": "该队伍已纳入战时行动。"})
    link = OperationTeam(operation=op, team=team)
    _history(link, actor).save()
    covered = covered_unit_ids(op)
    on_line = set(FrontlinePerson.objects.filter(operation=op).values_list("person_id", flat=True))
    for membership in team.memberships.filter(left_on__isnull=True).select_related("person"):
        person = membership.person
        if person.pk not in on_line and person.unit_id in covered:
            since = max(membership.joined_on, op.start_date)
            _history(
                FrontlinePerson(
                    operation=op, person=person, unit_id=person.unit_id, since=since, post=team.name[:100]
                ),
                actor,
            ).save()
            on_line.add(person.pk)
    return link


@transaction.atomic
def team_member_add(
    *,
    operation: Operation,
    team: CampaignTeam,
    person,
    actor,
    on: datetime.date | None = None,
    role: str = "",
) -> TeamMembership:
    """Put a person into one of the operation's teams (and on the front-line roster)."""
    op = _locked(operation)
    authorize(actor, "operation.activate", op.unit)
    _require_open(op)
    if not OperationTeam.objects.filter(operation=op, team=team).exists():
        raise ValidationError({"team": "该队伍不属于本次战时行动。"})
    unit = _person_in(op, person)
    on = on or timezone.localdate()
    membership = TeamMembership.objects.filter(team=team, person=person, left_on__isnull=True).first()
    if membership is None:
        from apps.party.services import team_member_join

        # the authority was checked above (operation.activate): the party service records the stint
        membership = team_member_join(
            team=team, person=person, actor=None, on=on, role=role, checked_by=actor
        )
    if not FrontlinePerson.objects.filter(operation=op, person=person).exists():
        _history(
            FrontlinePerson(operation=op, person=person, unit=unit, since=on, post=team.name[:100]), actor
        ).save()
    return membership


# ---------------------------------------------------------------- task force


@transaction.atomic
def working_group_create(
    *, operation: Operation, name: str, actor, duty: str = "", members=()
) -> WorkingGroup:
    """A working group of the task force, with ``members`` as ``(person, is_leader)`` pairs."""
    group = WorkingGroup(operation=operation, name=name, duty=duty)
    _require(actor, "add", group)
    _require_open(operation)
    if not (name or "").strip():
        raise ValidationError({"name": "请填写工作组名称。"})
    if WorkingGroup.objects.filter(operation=operation, name=name).exists():
        raise ValidationError({"name": "本次行动已有同名工作组。"})
    group.full_clean()
    _history(group, actor).save()
    for person, is_leader in members:
        working_group_member_add(group=group, person=person, is_leader=is_leader, actor=actor)
    return group


@transaction.atomic
def working_group_update(*, group: WorkingGroup, actor, **fields) -> WorkingGroup:
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    _require(actor, "change", group)
    _require_open(group.operation)
    for name in ("name", "duty"):
        if name in fields:
            setattr(group, name, fields[name])
    if WorkingGroup.objects.filter(operation=group.operation, name=group.name).exclude(pk=group.pk).exists():
        raise ValidationError({"name": "本次行动已有同名工作组。"})
    group.full_clean()
    _history(group, actor).save()
    return group


@transaction.atomic
def working_group_delete(*, group: WorkingGroup, actor) -> None:
    _require(actor, "delete", group)
    _require_open(group.operation)
    _history(group, actor).delete()


@transaction.atomic
def working_group_member_add(
    *, group: WorkingGroup, person, actor, is_leader: bool = False
) -> WorkingGroupMember:
    member = WorkingGroupMember(group=group, person=person, is_leader=is_leader)
    _require(actor, "add", member)
    op = group.operation
    if person is None or not _in_subtree(_fresh_unit(person.unit), _fresh_unit(op.unit)):
        raise ValidationError({"person": "专班成员须是指挥单位所辖人员。"})
    if WorkingGroupMember.objects.filter(group=group, person=person).exists():
        raise ValidationError({"person": "该人员已在本工作组。"})
    _history(member, actor).save()
    return member


@transaction.atomic
def working_group_member_remove(*, member: WorkingGroupMember, actor) -> None:
    _require(actor, "delete", member)
    _history(member, actor).delete()


# ---------------------------------------------------------------- 包片 and visits


@transaction.atomic
def sector_assign(*, operation: Operation, member, unit: Unit, actor, note: str = "") -> SectorAssignment:
    """包片负责: a committee member takes charge of a covered unit."""
    assignment = SectorAssignment(operation=operation, member=member, unit=unit, note=note)
    _require(actor, "add", assignment)
    _require_open(operation)
    _require_covered(operation, unit)
    if member is None or not _in_subtree(_fresh_unit(member.unit), _fresh_unit(operation.unit)):
        raise ValidationError({"member": "包片负责人须是指挥单位所辖人员。"})
    if SectorAssignment.objects.filter(operation=operation, member=member, unit=unit).exists():
        raise ValidationError({"unit": "该成员已包片负责此单位。"})
    _history(assignment, actor).save()
    return assignment


@transaction.atomic
def sector_unassign(*, assignment: SectorAssignment, actor) -> None:
    _require(actor, "delete", assignment)
    _require_open(assignment.operation)
    _history(assignment, actor).delete()


@transaction.atomic
def visit_record(
    *, operation: Operation, inspector, unit: Unit, date: datetime.date, actor, findings: str = ""
) -> InspectionVisit:
    """督导检查: a visit to a covered unit during the operation."""
    visit = InspectionVisit(
        operation=operation, inspector=inspector, unit=unit, date=date, findings=findings, recorded_by=actor
    )
    _require(actor, "add", visit)
    _require_covered(operation, unit)
    _check_day(operation, date)
    if inspector is None or not _in_subtree(_fresh_unit(inspector.unit), _fresh_unit(operation.unit)):
        raise ValidationError({"inspector": "督导人须是指挥单位所辖人员。"})
    _history(visit, actor).save()
    return visit


# ---------------------------------------------------------------- pledges and the roster


@transaction.atomic
def pledge_file(
    *,
    operation: Operation,
    person,
    actor,
    kind: str = Pledge.Kind.PETITION,
    date: datetime.date | None = None,
    text: str = "",
    volunteer: bool = True,
) -> Pledge:
    """A person pledges (请战书/倡议书/宣誓): filed by themself, or by their unit."""
    _require_active(operation)
    unit = _person_in(operation, person)
    date = date or timezone.localdate()
    own = person.user_id is not None and person.user_id == getattr(actor, "pk", None)
    pledge = Pledge(
        operation=operation,
        person=person,
        unit=unit,
        kind=kind,
        date=date,
        text=text,
        volunteer=volunteer,
        filed_as=Pledge.FiledAs.SELF if own else Pledge.FiledAs.UNIT,
        filed_by=actor,
    )
    if not own:
        _require(actor, "add", pledge)
    if kind not in Pledge.Kind.values:
        raise ValidationError({"kind": "请选择请战形式。"})
    _check_day(operation, date)
    if Pledge.objects.filter(operation=operation, person=person, kind=kind).exists():
        raise ValidationError({"person": f"该人员已提交过{Pledge.Kind(kind).label}。"})
    _history(pledge, actor).save()
    return pledge


@transaction.atomic
def pledge_withdraw(*, pledge: Pledge, actor) -> None:
    own = pledge.person.user_id is not None and pledge.person.user_id == actor.pk
    if not own:
        _require(actor, "delete", pledge)
    if pledge.team_id:
        raise ValidationError({"team": "已编入队伍的请战不能撤回。"})
    _history(pledge, actor).delete()


@transaction.atomic
def pledges_assign_team(*, pledges, team: CampaignTeam, actor, on: datetime.date | None = None) -> int:
    """The volunteer roster feeds team membership: put the volunteers into one of the
    operation's teams. Returns how many were newly placed."""
    pledges = list(Pledge.objects.select_for_update().filter(pk__in=[p.pk for p in pledges]))
    if not pledges:
        raise ValidationError({"pledges": "请选择请战人员。"})
    operations = {p.operation_id for p in pledges}
    if len(operations) != 1:
        raise ValidationError({"pledges": "只能编入同一战时行动的请战人员。"})
    op = pledges[0].operation
    for pledge in pledges:
        _require(actor, "change", pledge)
        if not pledge.volunteer:
            raise ValidationError({"pledges": f"{pledge.person.name}未主动请缨，不在志愿名册中。"})
    placed = 0
    for pledge in pledges:
        if pledge.team_id == team.pk:
            continue
        team_member_add(operation=op, team=team, person=pledge.person, actor=actor, on=on)
        pledge.team = team
        _history(pledge, actor, f"编入{team.name}").save(update_fields=["team"])
        placed += 1
    return placed


# ---------------------------------------------------------------- front line and care


@transaction.atomic
def frontline_add(
    *,
    operation: Operation,
    person,
    actor,
    since: datetime.date | None = None,
    post: str = "",
    isolated: bool = False,
) -> FrontlinePerson:
    _require_open(operation)
    unit = _person_in(operation, person)
    row = FrontlinePerson(
        operation=operation,
        person=person,
        unit=unit,
        since=since or timezone.localdate(),
        post=post,
        isolated=isolated,
    )
    _require(actor, "add", row)
    if FrontlinePerson.objects.filter(operation=operation, person=person).exists():
        raise ValidationError({"person": "该人员已在一线人员名单中。"})
    row.full_clean()
    _history(row, actor).save()
    return row


@transaction.atomic
def frontline_update(*, frontline: FrontlinePerson, actor, **fields) -> FrontlinePerson:
    row = FrontlinePerson.objects.select_for_update().get(pk=frontline.pk)
    _require(actor, "change", row)
    _require_open(row.operation)
    for name in ("post", "isolated", "since"):
        if name in fields:
            setattr(row, name, fields[name])
    row.full_clean()
    _history(row, actor).save()
    return row


@transaction.atomic
def frontline_remove(*, frontline: FrontlinePerson, actor) -> None:
    _require(actor, "delete", frontline)
    _require_open(frontline.operation)
    _history(frontline, actor).delete()


@transaction.atomic
def care_record(
    *, operation: Operation, person, item: str, actor, date: datetime.date | None = None, note: str = ""
) -> CareAction:
    """One of the 五个一 done for a front-line person."""
    date = date or timezone.localdate()
    row = FrontlinePerson.objects.filter(operation=operation, person=person).first()
    if row is None:
        raise ValidationError({"person": "该人员不在本次行动的一线人员名单中。"})
    action = CareAction(
        operation=operation, person=person, unit=row.unit, item=item, date=date, note=note, recorded_by=actor
    )
    _require(actor, "add", action)
    if item not in CareItem.values:
        raise ValidationError({"item": "请选择关爱事项。"})
    _check_day(operation, date)
    _history(action, actor).save()
    return action


@transaction.atomic
def care_delete(*, action: CareAction, actor) -> None:
    _require(actor, "delete", action)
    _require_open(action.operation)
    _history(action, actor).delete()


# ---------------------------------------------------------------- the daily report


def report_deadline(operation: Operation, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, operation.report_deadline, tzinfo=TZ)


def _reporter(operation: Operation, unit: Unit | None, party_group: PartyOrganisation | None) -> Unit:
    """The reporting unit, checked against the operation's reporting level."""
    if operation.report_level == Operation.ReportLevel.PARTY_GROUP:
        if party_group is None:
            raise ValidationError({"party_group": "本次行动按党小组报送日报，请选择党小组。"})
        if party_group.kind != OrganisationKind.PARTY_GROUP or party_group.closed_on:
            raise ValidationError({"party_group": "请选择未撤销的党小组。"})
        unit = _fresh_unit(party_group.unit)
        _require_covered(operation, unit, "party_group")
        return unit
    if party_group is not None:
        raise ValidationError({"party_group": "本次行动按消防救援站报送日报，不填党小组。"})
    if unit is None:
        raise ValidationError({"unit": "请选择报送单位。"})
    unit = _fresh_unit(unit)
    if unit.kind != "station":
        raise ValidationError({"unit": "战时日报由消防救援站报送。"})
    _require_covered(operation, unit)
    return unit


def _suggestion_count(text: str) -> int:
    return sum(1 for line in (text or "").splitlines() if line.strip())


@transaction.atomic
def daily_report_file(
    *,
    operation: Operation,
    report_date: datetime.date,
    on_duty: int,
    actor,
    unit: Unit | None = None,
    party_group: PartyOrganisation | None = None,
    thought_status: str = "",
    health_status: str = "",
    difficulties: str = "",
    has_health_issues: bool = False,
    difficulties_raised: int = 0,
    difficulties_solved: int = 0,
    suggestions: str = "",
    now: datetime.datetime | None = None,
) -> DailyReport:
    """File (or refile) a station's or a party group's 战时日报 for a day; after the
    deadline it is accepted and flagged late. Thought, health and difficulties are encrypted."""
    now = now or timezone.now()
    op = _locked(operation)  # two filers of one group race on the same day's row
    unit = _reporter(op, unit, party_group)
    authorize(actor, "operation.report", unit)
    if not op.reporting or op.status != Operation.Status.ACTIVE:
        raise ValidationError({"operation": "该战时行动的日报已停止报送。"})
    if report_date > timezone.localdate(now):
        raise ValidationError({"report_date": "不能报送未来日期的日报。"})
    if report_date < op.start_date:
        raise ValidationError({"report_date": "日报日期不能早于行动开始日期。"})
    for name, value in (
        ("on_duty", on_duty),
        ("difficulties_raised", difficulties_raised),
        ("difficulties_solved", difficulties_solved),
    ):
        if value is None or int(value) < 0:
            raise ValidationError({name: "请填写不小于 0 的整数。"})
    lookup = {"operation": op, "report_date": report_date}
    lookup.update(
        {"party_group": party_group} if party_group else {"unit": unit, "party_group__isnull": True}
    )
    report = DailyReport.objects.select_for_update().filter(**lookup).first()
    if report is None:
        report = DailyReport(
            operation=op,
            unit=unit,
            party_group=party_group,
            report_date=report_date,
            filed_by=actor,
            filed_at=now,
            is_late=now > report_deadline(op, report_date),
            on_duty=on_duty,
        )
    report.on_duty = on_duty
    report.has_health_issues = has_health_issues
    report.difficulties_raised = difficulties_raised
    report.difficulties_solved = difficulties_solved
    report.suggestions = suggestions
    report.suggestion_count = _suggestion_count(suggestions)
    report.set_content(thought_status=thought_status, health_status=health_status, difficulties=difficulties)
    report.full_clean(exclude=["filed_by", "operation", "unit", "party_group"])
    _history(report, actor).save()
    return report


@transaction.atomic
def assessment_write(*, operation: Operation, date: datetime.date, note: str, actor) -> DailyAssessment:
    """研判: the committee's note on one day (writing again replaces the day's note)."""
    probe = DailyAssessment(operation=operation, date=date, note=note, written_by=actor)
    _require(actor, "add", probe)
    _check_day(operation, date)
    if not (note or "").strip():
        raise ValidationError({"note": "请填写研判意见。"})
    row = DailyAssessment.objects.select_for_update().filter(operation=operation, date=date).first()
    if row is None:
        row = probe
    row.note, row.written_by = note, actor
    row.full_clean(exclude=["written_by", "operation"])
    _history(row, actor).save()
    return row


# ---------------------------------------------------------------- 战时考察


@transaction.atomic
def observation_record(
    *, operation: Operation, person, date: datetime.date, category: str, conduct: str, actor
) -> Observation:
    """战时考察: a committee member records how a cadre, member or activist acted."""
    authorize(actor, "operation.observe", operation.unit)
    if operation.status == Operation.Status.DRAFT:
        raise ValidationError({"operation": "行动尚未启动，不能记录战时考察。"})
    unit = _person_in(operation, person)
    if category not in Observation.Category.values:
        raise ValidationError({"category": "请选择表现类别。"})
    if not (conduct or "").strip():
        raise ValidationError({"conduct": "请填写战时表现。"})
    _check_day(operation, date)
    row = Observation(
        operation=operation,
        person=person,
        unit=unit,
        date=date,
        category=category,
        conduct=conduct,
        observer=actor,
    )
    row.full_clean(exclude=["observer"])
    _history(row, actor).save()
    return row


@transaction.atomic
def observation_link(*, observation: Observation, actor, nomination=None, evaluation=None) -> ObservationLink:
    """Attach an observation as supporting evidence to a nomination or an evaluation of the
    same person (both must be visible to the actor)."""
    from apps.commendations.models import Nomination
    from apps.evaluations.models import Evaluation

    authorize(actor, "operation.observe", observation.operation.unit)
    if (nomination is None) == (evaluation is None):
        raise ValidationError({"nomination": "请选择一项表彰推荐或一项考核考评。"})
    if nomination is not None:
        if not Nomination.objects.visible_to(actor, "view").filter(pk=nomination.pk).exists():
            raise ValidationError({"nomination": "表彰推荐不存在或不在您的管辖范围内。"})
        if nomination.subject_person_id != observation.person_id:
            raise ValidationError({"nomination": "该推荐的对象不是被考察人。"})
        if ObservationLink.objects.filter(observation=observation, nomination=nomination).exists():
            raise ValidationError({"nomination": "已关联该表彰推荐。"})
    if evaluation is not None:
        if not Evaluation.objects.visible_to(actor, "view").filter(pk=evaluation.pk).exists():
            raise ValidationError({"evaluation": "考核考评不存在或不在您的管辖范围内。"})
        if evaluation.person_id != observation.person_id:
            raise ValidationError({"evaluation": "该考评的对象不是被考察人。"})
        if ObservationLink.objects.filter(observation=observation, evaluation=evaluation).exists():
            raise ValidationError({"evaluation": "已关联该考核考评。"})
    link = ObservationLink(
        observation=observation, nomination=nomination, evaluation=evaluation, linked_by=actor
    )
    _history(link, actor).save()
    return link


@transaction.atomic
def observation_unlink(*, link: ObservationLink, actor) -> None:
    """Detach an observation from a nomination or an evaluation (the evidence record is an
    ordinary record of the committee: ``delete_observationlink`` on its unit)."""
    _require(actor, "delete", link)
    _history(link, actor).delete()


# ---------------------------------------------------------------- 通报表扬


@transaction.atomic
def commendation_issue(
    *,
    operation: Operation,
    title: str,
    number: str,
    entries,
    actor,
    decided_on: datetime.date | None = None,
    notice_days: int = 0,
    preamble: str = "",
) -> QuickCommendation:
    """通报表扬 decided by the operation's committee: many people in one batch, a short or no
    公示 (published ``notice_days`` after the decision). ``entries``: dicts
    ``{person, deeds, exemplary=False}``."""
    op = _locked(operation)
    authorize(actor, "operation.commend", op.unit)
    if op.status == Operation.Status.DRAFT:
        raise ValidationError({"operation": "行动尚未启动，不能通报表扬。"})
    decided_on = decided_on or timezone.localdate()
    errors = {}
    if not (title or "").strip():
        errors["title"] = "请填写通报标题。"
    if not (number or "").strip():
        errors["number"] = "请填写文号。"
    elif QuickCommendation.objects.filter(number=number).exists():
        errors["number"] = "该文号已被使用。"
    if notice_days is None or not 0 <= int(notice_days) <= MAX_NOTICE_DAYS:
        errors["notice_days"] = f"通报表扬公示期为 0 至 {MAX_NOTICE_DAYS} 天。"
    entries = list(entries or [])
    if not entries:
        errors["entries"] = "请至少列入一名受表扬人员。"
    people = [e.get("person") for e in entries]
    if len({getattr(p, "pk", None) for p in people}) != len(people):
        errors["entries"] = "受表扬人员不能重复。"
    if any(not (e.get("deeds") or "").strip() for e in entries):
        errors["entries"] = "请填写每名受表扬人员的主要事迹。"
    if decided_on > timezone.localdate() or decided_on < op.start_date:
        errors["decided_on"] = "决定日期应在行动开始日期与今天之间。"
    if errors:
        raise ValidationError(errors)
    units = {}
    for person in people:
        units[person.pk] = _person_in(op, person, "entries")
    commendation = QuickCommendation(
        operation=op,
        title=title,
        number=number,
        decided_on=decided_on,
        notice_days=int(notice_days),
        published_on=decided_on + datetime.timedelta(days=int(notice_days)),
        preamble=preamble,
        decided_by=actor,
    )
    _history(commendation, actor).save()
    for entry in entries:
        person = entry["person"]
        _history(
            CommendedPerson(
                commendation=commendation,
                person=person,
                unit=units[person.pk],
                deeds=entry["deeds"][:500],
                exemplary=bool(entry.get("exemplary")),
            ),
            actor,
        ).save()
    return commendation


# ---------------------------------------------------------------- the reminder


def _report_holders(operation: Operation, missing: list[dict]) -> dict[str, set[int]]:
    """Who is reminded for each missing reporter: the holders of ``file_wartime_report`` on
    the reporter's unit or on a unit between it and the operation's unit (a party group on a
    squad is reminded through its station's staff). One query."""
    from apps.access.models import UnitPermission

    top = len(Unit.objects.filter(pk=operation.unit_id).values_list("path", flat=True).get())
    paths = dict(Unit.objects.filter(pk__in={m["unit_id"] for m in missing}).values_list("pk", "path"))
    wanted = {}
    for row in missing:
        path = paths[row["unit_id"]]
        wanted[row["key"]] = [path[:end] for end in range(min(top + 4, len(path)), len(path) + 1, 4)]
    grants = UnitPermission.objects.filter(
        content_object__path__in={p for chain in wanted.values() for p in chain},
        permission__codename="file_wartime_report",
        permission__content_type__app_label="operations",
    ).values_list("user_id", "content_object__path")
    by_path: dict[str, set[int]] = {}
    for user_id, path in grants:
        by_path.setdefault(path, set()).add(user_id)
    return {key: set().union(*(by_path.get(p, set()) for p in chain)) for key, chain in wanted.items()}


def daily_reports_remind(*, now: datetime.datetime | None = None) -> int:
    """Remind every missing reporter of each running operation once its day's deadline has
    passed (today's, and yesterday's in case the worker was down). Idempotent: each notice
    carries a dedupe key, so running twice sends once. Returns the notices sent."""
    from apps.notifications.services import notification_send

    from .selectors import missing_reporters

    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    operations = Operation.objects.filter(status=Operation.Status.ACTIVE, reporting=True).select_related(
        "unit", "activated_by"
    )
    for op in operations:
        for day in (today - datetime.timedelta(days=1), today):
            if day < op.start_date or report_deadline(op, day) > now:
                continue
            missing = missing_reporters(operation=op, day=day)
            if not missing:
                continue
            holders = _report_holders(op, missing)
            users = get_user_model().objects.in_bulk({u for ids in holders.values() for u in ids})
            for row in missing:
                for user_id in sorted(holders.get(row["key"], ())):
                    sent += bool(
                        notification_send(
                            recipient=users[user_id],
                            title=f"{row['name']} {day:%m月%d日} 战时日报未报送",
                            body=f"“{op.name}”战时日报截止时间 {op.report_deadline:%H:%M} 已过，请尽快报送。",
                            link="/",  # the workbench, where a station files its report
                            category="operations",
                            dedupe_key=f"ops-report-missing:{op.pk}:{row['key']}:{day.isoformat()}",
                        )
                    )
            if op.activated_by_id:
                sent += bool(
                    notification_send(
                        recipient=op.activated_by,
                        title=f"“{op.name}” {day:%m月%d日} 有 {len(missing)} 个单位未报送战时日报",
                        body="、".join(m["name"] for m in missing[:20]),
                        link=f"/admin/operations/operation/{op.pk}/board/",
                        category="operations",
                        dedupe_key=f"ops-report-missing-summary:{op.pk}:{day.isoformat()}",
                    )
                )
    return sent


# ---------------------------------------------------------------- the generic write path

from . import writes  # noqa: E402,F401  (registers these services with apps.core.writes)
