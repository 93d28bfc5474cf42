"""How the base admin's and viewset's generic writes (``apps.core.writes``) reach this app's
services: one adapter per model. Imported by ``services.py`` once its functions exist."""

from django.core.exceptions import PermissionDenied

from .models import (
    CareAction,
    CommendedPerson,
    CoveredUnit,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)
from .services import (
    EDITABLE_FIELDS,
    assessment_write,
    care_delete,
    care_record,
    frontline_add,
    frontline_remove,
    frontline_update,
    observation_record,
    operation_create,
    operation_delete,
    operation_update,
    pledge_file,
    pledge_withdraw,
    sector_assign,
    sector_unassign,
    visit_record,
    working_group_create,
    working_group_delete,
    working_group_member_add,
    working_group_member_remove,
    working_group_update,
)


def register() -> None:
    """Route the base admin's and viewset's generic writes of these models through the
    services above (``apps.core.writes``). Models left out are written only by the services
    and the API (their admins are read-only)."""
    from apps.core.writes import register_writes

    def refuse(message):
        def write(*, instance, actor, **_):
            raise PermissionDenied(message)

        return write

    def op_create(*, instance, actor, m2m=None, **_):
        fields = {f: getattr(instance, f) for f in EDITABLE_FIELDS}
        return operation_create(actor=actor, unit=instance.unit, units=(m2m or {}).get("units", ()), **fields)

    def op_update(*, instance, actor, **_):
        fields = {f: getattr(instance, f) for f in EDITABLE_FIELDS}
        return operation_update(operation=instance, actor=actor, **fields)

    register_writes(
        Operation,
        create=op_create,
        update=op_update,
        delete=lambda *, instance, actor, **_: operation_delete(operation=instance, actor=actor),
    )
    register_writes(
        WorkingGroup,
        create=lambda *, instance, actor, **_: working_group_create(
            operation=instance.operation, name=instance.name, duty=instance.duty, actor=actor
        ),
        update=lambda *, instance, actor, **_: working_group_update(
            group=instance, name=instance.name, duty=instance.duty, actor=actor
        ),
        delete=lambda *, instance, actor, **_: working_group_delete(group=instance, actor=actor),
    )
    register_writes(
        WorkingGroupMember,
        create=lambda *, instance, actor, **_: working_group_member_add(
            group=instance.group, person=instance.person, is_leader=instance.is_leader, actor=actor
        ),
        update=refuse("工作组成员不能修改，请删除后重新添加。"),
        delete=lambda *, instance, actor, **_: working_group_member_remove(member=instance, actor=actor),
    )
    register_writes(
        SectorAssignment,
        create=lambda *, instance, actor, **_: sector_assign(
            operation=instance.operation,
            member=instance.member,
            unit=instance.unit,
            note=instance.note,
            actor=actor,
        ),
        update=refuse("包片负责不能修改，请删除后重新指定。"),
        delete=lambda *, instance, actor, **_: sector_unassign(assignment=instance, actor=actor),
    )
    register_writes(
        InspectionVisit,
        create=lambda *, instance, actor, **_: visit_record(
            operation=instance.operation,
            inspector=instance.inspector,
            unit=instance.unit,
            date=instance.date,
            findings=instance.findings,
            actor=actor,
        ),
        update=refuse("督导检查记录登记后不能修改。"),
        delete=refuse("督导检查记录不能删除。"),
    )
    register_writes(
        Pledge,
        create=lambda *, instance, actor, **_: pledge_file(
            operation=instance.operation,
            person=instance.person,
            kind=instance.kind,
            date=instance.date,
            text=instance.text,
            volunteer=instance.volunteer,
            actor=actor,
        ),
        update=refuse("请战记录提交后不能修改，可撤回后重新提交。"),
        delete=lambda *, instance, actor, **_: pledge_withdraw(pledge=instance, actor=actor),
    )
    register_writes(
        FrontlinePerson,
        create=lambda *, instance, actor, **_: frontline_add(
            operation=instance.operation,
            person=instance.person,
            since=instance.since,
            post=instance.post,
            isolated=instance.isolated,
            actor=actor,
        ),
        update=lambda *, instance, actor, **_: frontline_update(
            frontline=instance,
            post=instance.post,
            isolated=instance.isolated,
            since=instance.since,
            actor=actor,
        ),
        delete=lambda *, instance, actor, **_: frontline_remove(frontline=instance, actor=actor),
    )
    register_writes(
        CareAction,
        create=lambda *, instance, actor, **_: care_record(
            operation=instance.operation,
            person=instance.person,
            item=instance.item,
            date=instance.date,
            note=instance.note,
            actor=actor,
        ),
        update=refuse("关爱记录登记后不能修改，可删除后重新登记。"),
        delete=lambda *, instance, actor, **_: care_delete(action=instance, actor=actor),
    )
    register_writes(
        DailyAssessment,
        create=lambda *, instance, actor, **_: assessment_write(
            operation=instance.operation, date=instance.date, note=instance.note, actor=actor
        ),
        update=lambda *, instance, actor, **_: assessment_write(
            operation=instance.operation, date=instance.date, note=instance.note, actor=actor
        ),
        delete=refuse("研判记录不能删除。"),
    )
    register_writes(
        Observation,
        create=lambda *, instance, actor, **_: observation_record(
            operation=instance.operation,
            person=instance.person,
            date=instance.date,
            category=instance.category,
            conduct=instance.conduct,
            actor=actor,
        ),
        update=refuse("战时考察记录登记后不能修改。"),
        delete=refuse("战时考察记录不能删除。"),
    )
    read_only = "该记录只能通过战时行动的业务操作写入。"
    for model in (
        CoveredUnit,
        OperationOrganisation,
        OperationTeam,
        DailyReport,
        QuickCommendation,
        CommendedPerson,
        ObservationLink,
    ):
        register_writes(model, create=refuse(read_only), update=refuse(read_only), delete=refuse(read_only))


register()
