"""Dated team membership (rejoining keeps history), temporary branches closed on their end date
and reminded before it, dissolved units not offered (issue 21, item 5)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.notifications.models import Notification
from apps.party.models import CampaignTeam, PartyOrganisation, TeamMembership
from apps.party.services import (
    team_member_join,
    team_member_leave,
    temporary_branches_close_expired,
    temporary_branches_remind_ending,
)
from apps.party.tasks import remind_temporary_branches_ending
from apps.units.services import unit_dissolve
from tests.factories.people import make_org, make_person
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def team(tree):
    branch = make_org(tree.station, "branch", name="甲站党支部")
    return CampaignTeam.objects.create(
        name="甲站党员突击队",
        kind="commando",
        organisation=branch,
        unit=tree.station,
        start_date=D(2026, 1, 1),
    )


def test_a_person_who_left_a_team_can_rejoin_it_and_both_stints_are_kept(tree, team):
    actor = user_with_role("unit_admin", tree.station)
    person = make_person(tree.station)
    first = team_member_join(team=team, person=person, actor=actor, on=D(2026, 1, 5))
    team_member_leave(membership=first, actor=actor, on=D(2026, 2, 1))
    second = team_member_join(team=team, person=person, actor=actor, on=D(2026, 3, 1))
    stints = list(TeamMembership.objects.filter(team=team, person=person).values_list("joined_on", "left_on"))
    assert stints == [(D(2026, 1, 5), D(2026, 2, 1)), (D(2026, 3, 1), None)]
    assert second.pk != first.pk
    assert first.history.count() == 2  # joined, then left: the stint's own history


def test_joining_a_team_one_is_already_in_is_refused(tree, team):
    actor = user_with_role("unit_admin", tree.station)
    person = make_person(tree.station)
    team_member_join(team=team, person=person, actor=actor, on=D(2026, 1, 5))
    with pytest.raises(ValidationError) as exc:
        team_member_join(team=team, person=person, actor=actor, on=D(2026, 1, 9))
    assert "不能重叠" in str(exc.value)


def test_the_api_records_a_second_stint_and_refuses_an_overlapping_one(tree, api, team):
    client = api(user_with_role("unit_admin", tree.station))
    person = make_person(tree.station)
    first = {"team": team.pk, "person": person.pk, "joined_on": "2026-01-05", "left_on": "2026-02-01"}
    assert client.post("/api/party/team-members/", first, format="json").status_code == 201
    again = {"team": team.pk, "person": person.pk, "joined_on": "2026-03-01"}
    assert client.post("/api/party/team-members/", again, format="json").status_code == 201
    overlap = {"team": team.pk, "person": person.pk, "joined_on": "2026-01-20", "left_on": "2026-01-25"}
    response = client.post("/api/party/team-members/", overlap, format="json")
    assert response.status_code == 400 and "不能重叠" in response.json()["joined_on"][0]
    assert TeamMembership.objects.filter(team=team, person=person).count() == 2


def test_the_admin_team_page_records_two_stints_of_one_person(tree, client, team):
    client.force_login(user_with_role("unit_admin", tree.station))
    person = make_person(tree.station)
    url = f"/admin/party/campaignteam/{team.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": team.name,
            "kind": team.kind,
            "organisation": team.organisation_id,
            "unit": tree.station.pk,
            "start_date": "2026-01-01",
            "end_date": "",
            "purpose": "",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-person": person.pk,
            "memberships-0-joined_on": "2026-01-05",
            "memberships-0-left_on": "2026-02-01",
            "memberships-1-person": person.pk,
            "memberships-1-joined_on": "2026-03-01",
            "memberships-1-left_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TeamMembership.objects.filter(team=team, person=person).count() == 2


def test_team_members_out_of_scope_are_404(tree, api, team):
    other_branch = make_org(tree.station3, "branch", name="丙站党支部")
    other = CampaignTeam.objects.create(
        name="丙站突击队",
        kind="commando",
        organisation=other_branch,
        unit=tree.station3,
        start_date=D(2026, 1, 1),
    )
    stint = TeamMembership.objects.create(
        team=other, person=make_person(tree.station3), joined_on=D(2026, 1, 2)
    )
    client = api(user_with_role("unit_admin", tree.station))
    assert client.get(f"/api/party/team-members/{stint.pk}/").status_code == 404
    assert client.patch(f"/api/party/team-members/{stint.pk}/", {"left_on": "2026-02-01"}).status_code == 404


# ---------------------------------------------------------------- temporary branches


@pytest.fixture
def temporary(tree):
    committee = make_org(tree.det, "committee", name="甲市支队党委")
    return make_org(
        tree.tqz,
        "temporary_branch",
        parent=committee,
        name="防汛临时党支部",
        start_date=D(2026, 6, 1),
        end_date=D(2026, 8, 31),
        reason="防汛",
    )


def test_a_temporary_branch_is_closed_on_its_end_date_not_the_day_the_task_ran(tree, temporary):
    assert temporary_branches_close_expired(today=D(2026, 9, 4)) == 1
    temporary.refresh_from_db()
    assert temporary.closed_on == D(2026, 8, 31)
    assert temporary_branches_close_expired(today=D(2026, 9, 5)) == 0


def test_a_temporary_branch_about_to_end_is_reminded_once_even_if_the_task_runs_twice(tree, temporary):
    admin = user_with_role("unit_admin", tree.det)
    assert temporary_branches_remind_ending(today=D(2026, 8, 27)) == 1
    assert temporary_branches_remind_ending(today=D(2026, 8, 28)) == 0
    remind_temporary_branches_ending.delay()
    notices = Notification.objects.filter(recipient=admin, category="party")
    assert notices.count() == 1 and "防汛临时党支部" in notices.get().title


def test_a_temporary_branch_far_from_its_end_is_not_reminded(tree, temporary):
    user_with_role("unit_admin", tree.det)
    assert temporary_branches_remind_ending(today=D(2026, 7, 1)) == 0


# ---------------------------------------------------------------- dissolved units


@pytest.fixture
def dissolved(tree):
    unit = make_unit(tree.bat, "station", "旧站")
    return unit_dissolve(unit=unit, on=D(2026, 1, 1))


def test_dissolved_units_are_not_offered_for_a_new_party_organisation(tree, client, dissolved):
    client.force_login(user_with_role("unit_admin", tree.bat))
    form = client.get("/admin/party/partyorganisation/add/").context["adminform"].form
    assert dissolved not in form.fields["unit"].queryset
    assert tree.station in form.fields["unit"].queryset


def test_dissolved_units_are_not_offered_for_a_campaign_team(tree, client, dissolved):
    client.force_login(user_with_role("unit_admin", tree.bat))
    form = client.get("/admin/party/campaignteam/add/").context["adminform"].form
    assert dissolved not in form.fields["unit"].queryset


def test_the_api_refuses_a_party_organisation_or_team_on_a_dissolved_unit(tree, api, dissolved):
    client = api(user_with_role("unit_admin", tree.bat))
    committee = make_org(tree.bat, "committee", name="甲区大队党委")
    response = client.post(
        "/api/party/organisations/",
        {"name": "旧站党支部", "kind": "branch", "unit": dissolved.pk, "parent": committee.pk},
        format="json",
    )
    assert response.status_code == 400 and "已撤销" in response.json()["unit"][0]
    team = {
        "name": "突击队",
        "kind": "commando",
        "organisation": committee.pk,
        "unit": dissolved.pk,
        "start_date": "2026-03-01",
    }
    response = client.post("/api/party/teams/", team, format="json")
    assert response.status_code == 400 and "已撤销" in response.json()["unit"][0]
    assert not PartyOrganisation.objects.filter(name="旧站党支部").exists()


def test_records_of_a_dissolved_unit_stay_readable_in_lists(tree, api, dissolved):
    org = make_org(dissolved, "branch", name="旧站党支部")
    client = api(user_with_role("viewer", tree.bat))
    assert org.pk in {row["id"] for row in client.get("/api/party/organisations/").json()["results"]}
