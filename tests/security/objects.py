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
