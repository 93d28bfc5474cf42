"""The demo corps loads end to end and shows what the seed reports describe."""

import pytest

from apps.party.models import CampaignTeam, PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

pytestmark = pytest.mark.django_db


def test_station_demo_user_sees_only_the_station(demo):
    user = demo["users"]["demo_huizhi"]
    station = Unit.objects.get(code="GZ-ZY-HH-HZ")
    visible = Person.objects.visible_to(user, "view")
    assert visible.exists()
    assert all(p.unit.path.startswith(station.path) for p in visible.select_related("unit"))


def test_every_station_has_a_branch_and_people(demo):
    for station in Unit.objects.filter(kind="station"):
        assert PartyOrganisation.objects.filter(unit=station, kind="branch").exists(), station
        assert Person.objects.filter(unit__path__startswith=station.path).count() >= 9


def test_temporary_branch_and_commando_of_the_seed_report_exist(demo):
    temp = PartyOrganisation.objects.get(name="防疫一线临时党支部")
    assert temp.kind == "temporary_branch" and temp.unit.code == "SX-CZ-TQ"
    assert temp.memberships.count() > 0
    assert CampaignTeam.objects.filter(kind="commando", organisation=temp).exists()


def test_demo_talks_show_coverage_gaps_and_overdue_followups(demo):
    from django.utils import timezone

    from apps.talks.models import CoverageSnapshot, FollowUp, TalkRecord
    from apps.talks.selectors import coverage_for_unit, period_bounds

    user = demo["users"]["demo_zunyi_secretary"]
    start, end = period_bounds("quarter", timezone.localdate())
    figures = coverage_for_unit(
        user=user, unit=Unit.objects.get(code="GZ-ZY"), period_start=start, period_end=end
    )
    assert 0 < figures["covered"] < figures["people"]
    assert TalkRecord.objects.visible_to(demo["users"]["demo_huizhi"], "view").exists()
    assert FollowUp.objects.filter(status="open", due_date__lt=timezone.localdate()).exists()
    assert CoverageSnapshot.objects.filter(unit__code="XFJ").exists()


def test_demo_reports_have_missing_and_late_days(demo):
    from apps.reports.models import DailyCompliance, Decision, Meeting

    statuses = set(DailyCompliance.objects.values_list("status", flat=True))
    assert {"missing", "late", "on_time"} <= statuses
    assert Meeting.objects.values("kind").distinct().count() >= 5
    assert any(d.outside_meeting for d in Decision.objects.select_related("meeting"))


def test_demo_nominations_cover_every_state_and_fill_the_inboxes(demo):
    from apps.commendations.models import ExemplaryModel, Nomination, Objection
    from apps.commendations.services import inbox

    states = set(Nomination.objects.values_list("status", flat=True))
    assert states == {s.value for s in Nomination.Status}
    for approver in [
        "demo_approver_battalion",
        "demo_approver_zunyi",
        "demo_approver_guizhou",
        "demo_approver_bureau",
    ]:
        assert inbox(demo["users"][approver]).exists(), approver
    assert Objection.objects.filter(outcome="open", nomination__status="objected").exists()
    assert ExemplaryModel.objects.filter(nomination__subject_organisation__unit__code="GZ-ZY-HH-HZ").exists()
    assert Nomination.objects.filter(unit__code="SX-CZ", status="awarded", order__isnull=False).count() == 26
