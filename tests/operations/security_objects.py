"""Factories and valid create payloads of this app in the shapes of
``tests/security/objects.py`` (``FACTORIES[label](unit, ctx)`` and
``VALID_CREATE[prefix](ctx)``), so the shared matrices can take the operations app in with::

    from tests.operations.security_objects import OPERATIONS_FACTORIES, OPERATIONS_VALID_CREATE
    FACTORIES.update(OPERATIONS_FACTORIES)
    VALID_CREATE.update(OPERATIONS_VALID_CREATE)

``ctx`` needs ``tree`` and ``root_user`` (a superuser), as the security world has. Every
object is written through ``apps.operations.services`` by the superuser.
"""

import datetime
import itertools

from django.utils import timezone

from tests.factories.people import make_org, make_person

_n = itertools.count(1)


def _today():
    return timezone.localdate()


def _op(unit, ctx, *, report_level="party_group", activate=True):
    from apps.operations import services

    op = services.operation_create(
        name=f"战时行动{next(_n)}",
        kind="epidemic",
        unit=unit,
        start_date=_today() - datetime.timedelta(days=2),
        reason="疫情防控",
        report_level=report_level,
        actor=ctx.root_user,
    )
    return services.operation_activate(operation=op, actor=ctx.root_user) if activate else op


def _operation(unit, ctx):
    return _op(unit, ctx, activate=False)


def _working_group(unit, ctx):
    from apps.operations import services

    return services.working_group_create(
        operation=_op(unit, ctx), name=f"工作组{next(_n)}", actor=ctx.root_user
    )


def _working_group_member(unit, ctx):
    from apps.operations import services

    return services.working_group_member_add(
        group=_working_group(unit, ctx), person=make_person(unit), actor=ctx.root_user
    )


def _organisation(unit, ctx):
    from apps.operations import services
    from apps.operations.models import OperationOrganisation

    op = _op(unit, ctx)
    committee = make_org(unit, "committee", name=f"党委{next(_n)}")
    org = services.organisation_setup(
        operation=op, actor=ctx.root_user, name=f"临时党支部{next(_n)}", unit=unit, parent=committee
    )
    return OperationOrganisation.objects.get(organisation=org)


def _team(unit, ctx):
    from apps.operations import services
    from apps.operations.models import OperationTeam

    team = services.team_setup(
        operation=_op(unit, ctx),
        actor=ctx.root_user,
        name=f"突击队{next(_n)}",
        kind="commando",
        unit=unit,
        organisation=make_org(unit, name=f"党支部{next(_n)}"),
    )
    return OperationTeam.objects.get(team=team)


def _sector(unit, ctx):
    from apps.operations import services

    return services.sector_assign(
        operation=_op(unit, ctx), member=make_person(unit), unit=unit, actor=ctx.root_user
    )


def _visit(unit, ctx):
    from apps.operations import services

    return services.visit_record(
        operation=_op(unit, ctx), inspector=make_person(unit), unit=unit, date=_today(), actor=ctx.root_user
    )


def _pledge(unit, ctx):
    from apps.operations import services

    return services.pledge_file(operation=_op(unit, ctx), person=make_person(unit), actor=ctx.root_user)


def _frontline(unit, ctx):
    from apps.operations import services

    return services.frontline_add(operation=_op(unit, ctx), person=make_person(unit), actor=ctx.root_user)


def _care(unit, ctx):
    from apps.operations import services

    row = _frontline(unit, ctx)
    return services.care_record(
        operation=row.operation, person=row.person, item="home_visit", actor=ctx.root_user
    )


def _group(unit):
    return make_org(
        unit, "party_group", parent=make_org(unit, name=f"党支部{next(_n)}"), name=f"党小组{next(_n)}"
    )


def _report(unit, ctx):
    from apps.operations import services

    return services.daily_report_file(
        operation=_op(unit, ctx),
        party_group=_group(unit),
        report_date=_today(),
        on_duty=5,
        thought_status="稳定",
        actor=ctx.root_user,
    )


def _report_read(unit, ctx):
    from apps.operations.content import read_content
    from apps.operations.models import ReportContentAccess

    report = _report(unit, ctx)
    read_content(ctx.root_user, report, "api")
    return ReportContentAccess.objects.filter(report=report).first()


def _assessment(unit, ctx):
    from apps.operations import services

    return services.assessment_write(
        operation=_op(unit, ctx), date=_today(), note="研判", actor=ctx.root_user
    )


def _observation(unit, ctx):
    from apps.operations import services

    return services.observation_record(
        operation=_op(unit, ctx),
        person=make_person(unit),
        date=_today(),
        category="vanguard",
        conduct="冲锋在前",
        actor=ctx.root_user,
    )


def _link(unit, ctx):
    from apps.operations import services
    from tests.factories.commendations import make_nomination

    observation = _observation(unit, ctx)
    nomination = make_nomination(unit, ctx.root_user, subject_person=observation.person)
    return services.observation_link(observation=observation, nomination=nomination, actor=ctx.root_user)


def _commendation(unit, ctx):
    from apps.operations import services

    return services.commendation_issue(
        operation=_op(unit, ctx),
        title=f"通报表扬{next(_n)}",
        number=f"消〔2026〕{next(_n)}号",
        entries=[{"person": make_person(unit), "deeds": "表现突出"}],
        actor=ctx.root_user,
    )


OPERATIONS_FACTORIES = {
    "operations.operation": _operation,
    "operations.workinggroup": _working_group,
    "operations.workinggroupmember": _working_group_member,
    "operations.operationorganisation": _organisation,
    "operations.operationteam": _team,
    "operations.sectorassignment": _sector,
    "operations.inspectionvisit": _visit,
    "operations.pledge": _pledge,
    "operations.frontlineperson": _frontline,
    "operations.careaction": _care,
    "operations.dailyreport": _report,
    "operations.reportcontentaccess": _report_read,
    "operations.dailyassessment": _assessment,
    "operations.observation": _observation,
    "operations.observationlink": _link,
    "operations.quickcommendation": _commendation,
}


# --- valid POST payloads as a user granted at ctx.tree.station


def _station_op(ctx, **kw):
    return _op(ctx.tree.station, ctx, **kw)


OP = "operations.operation"
PERSON = "people.person"


def _c_operation(ctx):
    payload = {
        "name": "防汛救灾",
        "kind": "flood",
        "unit": ctx.tree.station.pk,
        "start_date": str(_today()),
        "reason": "强降雨",
    }
    return payload, {"unit": "units.unit"}


def _c_working_group(ctx):
    return {"operation": _station_op(ctx).pk, "name": "宣传组"}, {"operation": OP}


def _c_working_group_member(ctx):
    group = _working_group(ctx.tree.station, ctx)
    return {"group": group.pk, "person": make_person(ctx.tree.station).pk}, {
        "group": "operations.workinggroup",
        "person": PERSON,
    }


def _c_organisation(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "name": "临时党支部",
        "unit": ctx.tree.station.pk,
        "parent": make_org(ctx.tree.station, "committee", name=f"党委{next(_n)}").pk,
    }
    return payload, {"operation": OP, "unit": "units.unit", "parent": "party.partyorganisation"}


def _c_team(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "name": "突击队",
        "kind": "commando",
        "unit": ctx.tree.station.pk,
        "organisation": make_org(ctx.tree.station, name=f"党支部{next(_n)}").pk,
    }
    return payload, {"operation": OP, "unit": "units.unit", "organisation": "party.partyorganisation"}


def _c_sector(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "member": make_person(ctx.tree.station).pk,
        "unit": ctx.tree.station.pk,
    }
    return payload, {"operation": OP, "member": PERSON, "unit": "units.unit"}


def _c_visit(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "inspector": make_person(ctx.tree.station).pk,
        "unit": ctx.tree.station.pk,
        "date": str(_today()),
    }
    return payload, {"operation": OP, "inspector": PERSON, "unit": "units.unit"}


def _c_pledge(ctx):
    return {"operation": _station_op(ctx).pk, "person": make_person(ctx.tree.station).pk}, {
        "operation": OP,
        "person": PERSON,
    }


def _c_frontline(ctx):
    return {"operation": _station_op(ctx).pk, "person": make_person(ctx.tree.station).pk}, {
        "operation": OP,
        "person": PERSON,
    }


def _c_care(ctx):
    row = _frontline(ctx.tree.station, ctx)
    return {"operation": row.operation_id, "person": row.person_id, "item": "solidarity"}, {
        "operation": OP,
        "person": PERSON,
    }


def _c_report(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "party_group": _group(ctx.tree.station).pk,
        "report_date": str(_today()),
        "on_duty": 6,
    }
    return payload, {"operation": OP, "party_group": "party.partyorganisation"}


def _c_assessment(ctx):
    return {"operation": _station_op(ctx).pk, "date": str(_today()), "note": "研判"}, {"operation": OP}


def _c_observation(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "person": make_person(ctx.tree.station).pk,
        "date": str(_today()),
        "category": "vanguard",
        "conduct": "冲锋在前",
    }
    return payload, {"operation": OP, "person": PERSON}


def _c_link(ctx):
    from tests.factories.commendations import make_nomination

    observation = _observation(ctx.tree.station, ctx)
    nomination = make_nomination(ctx.tree.station, ctx.root_user, subject_person=observation.person)
    return {"observation": observation.pk, "nomination": nomination.pk}, {
        "observation": "operations.observation",
        "nomination": "commendations.nomination",
    }


def _c_commendation(ctx):
    payload = {
        "operation": _station_op(ctx).pk,
        "title": "通报表扬",
        "number": f"消〔2026〕{next(_n)}号",
        "entries": [{"person": make_person(ctx.tree.station).pk, "deeds": "表现突出"}],
    }
    return payload, {"operation": OP}


OPERATIONS_VALID_CREATE = {
    "operations": _c_operation,
    "operations/working-groups": _c_working_group,
    "operations/working-group-members": _c_working_group_member,
    "operations/organisations": _c_organisation,
    "operations/teams": _c_team,
    "operations/sectors": _c_sector,
    "operations/visits": _c_visit,
    "operations/pledges": _c_pledge,
    "operations/frontline": _c_frontline,
    "operations/care": _c_care,
    "operations/daily-reports": _c_report,
    "operations/assessments": _c_assessment,
    "operations/observations": _c_observation,
    "operations/observation-links": _c_link,
    "operations/commendations": _c_commendation,
}
