"""One saved object per scoped model, placed in a given unit: what the matrix probes.

A scoped model the matrix finds (through the router or the admin) with no factory here
fails the suite: register it when you add the model.
"""

import datetime
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories.people import make_org, make_person

_n = itertools.count(1)
D = datetime.date(2026, 10, 10)


def _unit(unit, ctx):
    return unit


def _grant(unit, ctx):
    from tests.factories.units import grant, make_user

    return grant(make_user(), unit, "viewer")


def _import_job(unit, ctx):
    from apps.people.models import ImportJob

    return ImportJob.objects.create(
        unit=unit, file=SimpleUploadedFile("r.xlsx", b"PK"), created_by=ctx.root_user
    )


def _org(unit, ctx, kind="branch"):
    return make_org(unit, kind, name=f"党组织{next(_n)}")


def _position(unit, ctx):
    from apps.party.models import PartyPosition

    return PartyPosition.objects.create(
        person=make_person(unit), organisation=_org(unit, ctx), position="secretary", start_date=D
    )


def _team(unit, ctx):
    from apps.party.models import CampaignTeam

    return CampaignTeam.objects.create(
        name=f"突击队{next(_n)}", kind="commando", organisation=_org(unit, ctx), unit=unit, start_date=D
    )


def _team_member(unit, ctx):
    from apps.party.models import TeamMembership

    return TeamMembership.objects.create(team=_team(unit, ctx), person=make_person(unit), joined_on=D)


def _talk(unit, ctx):
    from tests.factories.talks import make_talk

    return make_talk(make_person(unit), ctx.root_user, followups=[{"owner": ctx.root_user, "due_date": D}])


def _followup(unit, ctx):
    return _talk(unit, ctx).followups.get()


def _talk_policy(unit, ctx):
    from apps.talks.models import TalkPolicy

    return TalkPolicy.objects.create(unit=unit)


def _content_access(unit, ctx):
    from apps.talks.models import TalkContentAccess

    return TalkContentAccess.objects.create(record=_talk(unit, ctx), user=ctx.root_user, channel="api")


def _coverage(unit, ctx):
    from apps.talks.models import CoverageSnapshot

    return CoverageSnapshot.objects.create(
        unit=unit, period_start=D, period_end=D, people=1, covered=0, overdue_followups=0
    )


def _nomination(unit, ctx):
    from tests.factories.commendations import make_nomination

    return make_nomination(unit, ctx.root_user, make_person(unit))


def _quota(unit, ctx):
    from apps.commendations.models import Quota
    from tests.factories.commendations import kind

    return Quota.objects.create(unit=unit, award_kind=kind(), year=2000 + next(_n), limit=3)


def _order(unit, ctx):
    from apps.commendations.models import AwardOrder

    return AwardOrder.objects.create(
        unit=unit, number=f"文号{next(_n)}", title="决定", issued_on=D, issued_by=ctx.root_user
    )


def _exemplary(unit, ctx):
    from apps.commendations.models import ExemplaryModel

    return ExemplaryModel.objects.create(nomination=_nomination(unit, ctx), citation="事迹", published_on=D)


def _zero_report(unit, ctx):
    from apps.reports.models import ZeroReport

    return ZeroReport.objects.create(
        unit=unit,
        report_date=D - datetime.timedelta(days=next(_n)),
        filed_by=ctx.root_user,
        filed_at=timezone.now(),
    )


def _compliance(unit, ctx):
    from apps.reports.models import DailyCompliance

    return DailyCompliance.objects.create(
        unit=unit, date=D - datetime.timedelta(days=next(_n)), status="missing"
    )


def _reporting_policy(unit, ctx):
    from apps.reports.models import ReportingPolicy

    return ReportingPolicy.objects.create(unit=unit)


def _weekly(unit, ctx):
    from apps.reports.models import GroupWeeklyReport

    monday = datetime.date(2026, 1, 5) + datetime.timedelta(weeks=next(_n))
    return GroupWeeklyReport.objects.create(
        group=_org(unit, ctx, "party_group"), week_start=monday, work_done="学习", filed_by=ctx.root_user
    )


def _meeting(unit, ctx):
    from apps.reports.models import Meeting

    return Meeting.objects.create(
        organisation=_org(unit, ctx), kind="micro_lesson", starts_at=timezone.now(), topic="党课"
    )


def _decision(unit, ctx):
    from apps.reports.models import Decision

    return Decision.objects.create(organisation=_org(unit, ctx), date=D, matter="议题", decision="同意")


def _responsibility(unit, ctx):
    from apps.reports.models import ResponsibilityItem

    return ResponsibilityItem.objects.create(
        organisation=_org(unit, ctx),
        year=2026,
        kind="clarify",
        description="明确责任",
        assignee=make_person(unit),
        due_date=D,
    )


def _evaluation(unit, ctx):
    from apps.evaluations.services import evaluation_create
    from tests.factories.evaluations import make_scheme

    return evaluation_create(scheme=make_scheme(), subject=make_person(unit), year=2026, actor=ctx.root_user)


def _honour(unit, ctx):
    from apps.evaluations.models import GroupHonour

    branch = _org(unit, ctx)
    group = make_org(unit, "party_group", parent=branch, name=f"党小组{next(_n)}")
    evaluation = _evaluation(unit, ctx)
    return GroupHonour.objects.create(
        group=group, branch=branch, unit=unit, evaluation=evaluation, rank_in_branch=1, year=2026
    )


FACTORIES = {
    "units.unit": _unit,
    "access.grant": _grant,
    "people.person": lambda unit, ctx: make_person(unit),
    "people.importjob": _import_job,
    "party.partyorganisation": _org,
    "party.partyposition": _position,
    "party.campaignteam": _team,
    "party.teammembership": _team_member,
    "talks.talkrecord": _talk,
    "talks.followup": _followup,
    "talks.talkpolicy": _talk_policy,
    "talks.talkcontentaccess": _content_access,
    "talks.coveragesnapshot": _coverage,
    "commendations.nomination": _nomination,
    "commendations.quota": _quota,
    "commendations.awardorder": _order,
    "commendations.exemplarymodel": _exemplary,
    "reports.zeroreport": _zero_report,
    "reports.dailycompliance": _compliance,
    "reports.reportingpolicy": _reporting_policy,
    "reports.groupweeklyreport": _weekly,
    "reports.meeting": _meeting,
    "reports.decision": _decision,
    "reports.responsibilityitem": _responsibility,
    "evaluations.evaluation": _evaluation,
    "evaluations.grouphonour": _honour,
}


# --- 战时行动 (apps.operations): each object's unit, or its operation's unit, is ``unit`` --------


def _operation(unit, ctx):
    from apps.operations.models import Operation

    return Operation.objects.create(
        name=f"战时行动{next(_n)}", kind="epidemic", unit=unit, start_date=D, reason="疫情防控"
    )


def _ops_row(model_name, **fields):
    def build(unit, ctx):
        from django.apps import apps

        model = apps.get_model("operations", model_name)
        values = {}
        for name, make in fields.items():
            values[name] = make(unit, ctx) if callable(make) else make
        return model.objects.create(**values)

    return build


def _person(unit, ctx):
    return make_person(unit)


def _here(unit, ctx):
    return unit


def _root(unit, ctx):
    return ctx.root_user


def _daily_report(unit, ctx):
    return _ops_row(
        "DailyReport",
        operation=_operation,
        unit=_here,
        report_date=D,
        on_duty=12,
        filed_by=_root,
        filed_at=lambda u, c: timezone.now(),
    )(unit, ctx)


def _observation(unit, ctx):
    return _ops_row(
        "Observation",
        operation=_operation,
        person=_person,
        unit=_here,
        date=D,
        category="worked_ill",
        conduct="带病坚持工作",
        observer=_root,
    )(unit, ctx)


def _quick_commendation(unit, ctx):
    return _ops_row(
        "QuickCommendation",
        operation=_operation,
        title="通报表扬",
        number=lambda u, c: f"文号{next(_n)}",
        decided_on=D,
        published_on=D,
        decided_by=_root,
    )(unit, ctx)


OPERATION_FACTORIES = {
    "operations.operation": _operation,
    "operations.workinggroup": _ops_row("WorkingGroup", operation=_operation, name="指挥调度组"),
    "operations.operationorganisation": _ops_row(
        "OperationOrganisation", operation=_operation, organisation=_org
    ),
    "operations.operationteam": _ops_row("OperationTeam", operation=_operation, team=_team),
    "operations.sectorassignment": _ops_row(
        "SectorAssignment", operation=_operation, member=_person, unit=_here
    ),
    "operations.inspectionvisit": _ops_row(
        "InspectionVisit", operation=_operation, inspector=_person, unit=_here, date=D, recorded_by=_root
    ),
    "operations.pledge": _ops_row(
        "Pledge", operation=_operation, person=_person, unit=_here, date=D, filed_as="self", filed_by=_root
    ),
    "operations.frontlineperson": _ops_row(
        "FrontlinePerson", operation=_operation, person=_person, unit=_here, since=D
    ),
    "operations.careaction": _ops_row(
        "CareAction",
        operation=_operation,
        person=_person,
        unit=_here,
        item="home_visit",
        date=D,
        recorded_by=_root,
    ),
    "operations.dailyreport": _daily_report,
    "operations.reportcontentaccess": _ops_row(
        "ReportContentAccess", report=_daily_report, user=_root, channel="api"
    ),
    "operations.dailyassessment": _ops_row(
        "DailyAssessment", operation=_operation, date=D, note="研判：思想稳定", written_by=_root
    ),
    "operations.observation": _observation,
    "operations.observationlink": _ops_row(
        "ObservationLink",
        observation=_observation,
        nomination=lambda u, c: _nomination(u, c),
        linked_by=_root,
    ),
    "operations.quickcommendation": _quick_commendation,
    "operations.commendedperson": _ops_row(
        "CommendedPerson", commendation=_quick_commendation, person=_person, unit=_here, deeds="表现突出"
    ),
    "operations.coveredunit": _ops_row("CoveredUnit", operation=_operation, unit=_here),
    "operations.workinggroupmember": _ops_row(
        "WorkingGroupMember",
        group=_ops_row("WorkingGroup", operation=_operation, name="综合信息组"),
        person=_person,
    ),
}
FACTORIES.update(OPERATION_FACTORIES)


# --- Valid create payloads: what tests/security/test_bad_input.py spoils one field at a time.
#
# ``VALID_CREATE[prefix](ctx)`` returns ``(payload, foreign_keys)`` for ``POST /api/<prefix>/``
# as a user granted at ``ctx.tree.station``: ``foreign_keys`` maps a payload field to the
# model label of the object it names (for the "unknown id" and "out-of-scope id" cases). A
# new endpoint that accepts POST without an entry here fails the suite.


def _party_group(unit, ctx):
    return make_org(unit, "party_group", parent=_org(unit, ctx), name=f"党小组{next(_n)}")


def _create_units(ctx):
    payload = {
        "parent": ctx.tree.station.pk,
        "name": "新建班组",
        "code": f"BI{next(_n):05d}",
        "kind": "squad",
    }
    return payload, {"parent": "units.unit"}


def _create_grants(ctx):
    from tests.factories.units import make_user

    return {"user": make_user().username, "unit": ctx.tree.station.pk, "role": "viewer"}, {
        "unit": "units.unit"
    }


def _create_people(ctx):
    from tests.factories.people import valid_id_number

    payload = {
        "name": "新队员",
        "gender": "M",
        "birth_date": "1998-03-04",
        "id_number": valid_id_number(datetime.date(1998, 3, 4)),
        "category": "commander",
        "rank": "",
        "position": "",
        "phone": "",
        "unit": ctx.tree.station.pk,
        "political_status": "masses",
        "since": "2024-01-01",
    }
    return payload, {"unit": "units.unit"}


def _create_organisations(ctx):
    payload = {
        "name": "临时党支部",
        "kind": "temporary_branch",
        "unit": ctx.tree.station.pk,
        "parent": _org(ctx.tree.station, ctx, "committee").pk,
        "start_date": "2026-01-01",
        "end_date": "2026-03-01",
        "reason": "跨区增援",
    }
    return payload, {"unit": "units.unit", "parent": "party.partyorganisation"}


def _create_positions(ctx):
    payload = {
        "person": make_person(ctx.tree.station).pk,
        "organisation": _org(ctx.tree.station, ctx).pk,
        "position": "secretary",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
    }
    return payload, {"person": "people.person", "organisation": "party.partyorganisation"}


def _create_teams(ctx):
    payload = {
        "name": "党员突击队",
        "kind": "commando",
        "organisation": _org(ctx.tree.station, ctx).pk,
        "unit": ctx.tree.station.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "purpose": "抗洪",
    }
    return payload, {"organisation": "party.partyorganisation", "unit": "units.unit"}


def _create_team_members(ctx):
    payload = {
        "team": _team(ctx.tree.station, ctx).pk,
        "person": make_person(ctx.tree.station).pk,
        "role": "队员",
        "joined_on": "2026-11-01",
        "left_on": "2026-11-20",
    }
    return payload, {"team": "party.campaignteam", "person": "people.person"}


def _create_talks(ctx):
    payload = {
        "person": make_person(ctx.tree.station).pk,
        "date": "2026-10-01",
        "kind": "routine",
        "place": "会议室",
        "state_of_mind": "稳定",
    }
    return payload, {"person": "people.person"}


def _create_talk_policies(ctx):
    from apps.units.models import Unit
    from tests.factories.units import make_unit

    squad = make_unit(Unit.objects.get(pk=ctx.tree.station.pk), "squad")
    return {"unit": squad.pk, "period": "month"}, {"unit": "units.unit"}


def _create_nominations(ctx):
    from tests.factories.commendations import kind

    payload = {
        "unit": ctx.tree.station.pk,
        "award_kind": kind().pk,
        "year": 2026,
        "subject_person": make_person(ctx.tree.station).pk,
        "deeds": "抢险救援表现突出。",
    }
    return payload, {"unit": "units.unit", "subject_person": "people.person"}


def _create_quotas(ctx):
    from apps.units.models import Unit
    from tests.factories.commendations import kind
    from tests.factories.units import make_unit

    # set by the level that allocates it: a station sets its squad's quota, never its own
    squad = make_unit(Unit.objects.get(pk=ctx.tree.station.pk), "squad")
    payload = {"unit": squad.pk, "award_kind": kind().pk, "year": 2000 + next(_n), "limit": 3}
    return payload, {"unit": "units.unit"}


def _create_orders(ctx):
    from apps.commendations.models import Nomination

    awarded = _nomination(ctx.tree.station, ctx)  # the workflow's end state, set directly
    Nomination.objects.filter(pk=awarded.pk).update(status=Nomination.Status.AWARDED)
    payload = {
        "unit": ctx.tree.station.pk,
        "number": f"消党〔2026〕{next(_n)}号",
        "title": "表彰决定",
        "nominations": [awarded.pk],
    }
    return payload, {"unit": "units.unit", "nominations": "commendations.nomination"}


def _create_zero_reports(ctx):
    day = D - datetime.timedelta(days=next(_n))
    return {"unit": ctx.tree.station.pk, "report_date": day.isoformat(), "note": ""}, {"unit": "units.unit"}


def _create_weekly(ctx):
    monday = datetime.date(2026, 1, 5) + datetime.timedelta(weeks=next(_n))
    payload = {
        "group": _party_group(ctx.tree.station, ctx).pk,
        "week_start": monday.isoformat(),
        "work_done": "学习",
    }
    return payload, {"group": "party.partyorganisation"}


def _create_meetings(ctx):
    payload = {
        "organisation": _org(ctx.tree.station, ctx).pk,
        "kind": "micro_lesson",
        "starts_at": "2026-10-10T09:00:00+08:00",
        "ends_at": "2026-10-10T10:00:00+08:00",
        "topic": "党课",
    }
    return payload, {"organisation": "party.partyorganisation"}


def _create_decisions(ctx):
    org = _org(ctx.tree.station, ctx)
    payload = {"organisation": org.pk, "date": "2026-10-10", "matter": "议题", "decision": "同意"}
    return payload, {"organisation": "party.partyorganisation", "meeting": "reports.meeting"}


def _create_responsibilities(ctx):
    payload = {
        "organisation": _org(ctx.tree.station, ctx).pk,
        "year": 2026,
        "kind": "clarify",
        "description": "明确责任",
        "assignee": make_person(ctx.tree.station).pk,
        "due_date": "2026-12-31",
    }
    return payload, {"organisation": "party.partyorganisation", "assignee": "people.person"}


def _create_reporting_policies(ctx):
    from apps.units.models import Unit
    from tests.factories.units import make_unit

    # set by the level above (reporting_policy.manage): a station sets its squad's, never its own
    squad = make_unit(Unit.objects.get(pk=ctx.tree.station.pk), "squad")
    return {"unit": squad.pk, "must_report": False, "deadline": "17:30"}, {"unit": "units.unit"}


def _entitled_at_the_top(ctx):
    """Global reference data is managed from the top of the tree: the user also holds the HQ
    administrator's role on the root unit (award_kind.manage, deliberation_list.manage)."""
    from tests.factories.units import grant

    if not ctx.user.grants.filter(unit=ctx.tree.root).exists():
        grant(ctx.user, ctx.tree.root, "hq_admin")


def _create_award_kinds(ctx):
    _entitled_at_the_top(ctx)
    payload = {
        "code": f"AK{next(_n):05d}",
        "name": "优秀消防员",
        "approving_kind": "corps",
        "collective": False,
        "notice_days": 5,
    }
    return payload, {}


def _create_deliberation_lists(ctx):
    _entitled_at_the_top(ctx)
    payload = {
        "code": f"DL{next(_n):05d}",
        "name": "三必议",
        "unit_kinds": "station",
        "items": [{"order": 1, "text": "年度工作计划"}, {"order": 2, "text": "评先评优"}],
    }
    return payload, {}


def _create_evaluations(ctx):
    from tests.factories.evaluations import make_scheme

    payload = {"scheme": make_scheme().pk, "subject": make_person(ctx.tree.station).pk, "year": 2026}
    return payload, {"subject": "people.person"}


def _create_schemes(ctx):
    _entitled_at_the_top(ctx)  # scheme.manage, like the other reference data
    payload = {
        "code": f"bi-scheme-{next(_n)}",
        "name": "新考核方案",
        "subject_kind": "person",
        "period_kind": "year",
        "aggregation": "mean",
        "description": "",
        "honour_top_n": 1,
        "is_active": True,
        "bands": [{"label": "优秀", "min_total": "90.00"}, {"label": "称职", "min_total": "60.00"}],
        "evaluator_roles": [{"role": "secretary", "weight": "2.00"}],
    }
    return payload, {}


def _create_criteria(ctx):
    from tests.factories.evaluations import make_scheme

    _entitled_at_the_top(ctx)
    scheme = make_scheme()
    parent = scheme.criteria.first()
    return {
        "scheme": scheme.pk,
        "parent": parent.pk,
        "name": "新指标",
        "weight": "1.00",
        "max_score": "10.00",
    }, {}


def _create_delegations(ctx):
    from tests.factories.units import user_with_role

    # an eligible deputy sees nominations where the approver approves
    deputy = user_with_role("viewer", ctx.tree.station)
    return {"deputy": deputy.username, "starts_on": "2026-10-01", "ends_on": "2026-10-31"}, {}


VALID_CREATE = {
    "units": _create_units,
    "grants": _create_grants,
    "people": _create_people,
    "party/organisations": _create_organisations,
    "party/positions": _create_positions,
    "party/teams": _create_teams,
    "party/team-members": _create_team_members,
    "talks/records": _create_talks,
    "talks/policies": _create_talk_policies,
    "commendations/nominations": _create_nominations,
    "commendations/quotas": _create_quotas,
    "commendations/orders": _create_orders,
    "commendations/delegations": _create_delegations,
    "reports/zero-reports": _create_zero_reports,
    "reports/group-weekly": _create_weekly,
    "reports/meetings": _create_meetings,
    "reports/decisions": _create_decisions,
    "reports/responsibilities": _create_responsibilities,
    "reports/policies": _create_reporting_policies,
    "reports/deliberation-lists": _create_deliberation_lists,
    "commendations/award-kinds": _create_award_kinds,
    "evaluations/evaluations": _create_evaluations,
    "evaluations/schemes": _create_schemes,
    "evaluations/criteria": _create_criteria,
}

# The operations app's create payloads live beside its tests (built through its services).
from tests.operations.security_objects import OPERATIONS_VALID_CREATE  # noqa: E402

VALID_CREATE.update(OPERATIONS_VALID_CREATE)
