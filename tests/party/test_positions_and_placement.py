"""Party positions are for full members; an organisation's parent sits on its unit's own chain;
organisations are deleted only through the service (issue 16, items 13 and the write path)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from apps.party.models import PartyOrganisation, PartyPosition
from apps.party.services import organisation_create
from tests.factories.people import make_org, make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date(2026, 3, 1)


@pytest.fixture
def branch(tree):
    return make_org(tree.station, "branch", name="甲站党支部")


@pytest.fixture
def group(tree, branch):
    return make_org(tree.squad, "party_group", parent=branch, name="一班党小组")


def position_payload(person, org, position="group_leader"):
    return {"person": person.pk, "organisation": org.pk, "position": position, "start_date": "2026-03-01"}


# ---------------------------------------------------------------- members only


@pytest.mark.parametrize("status", ["probationary", "activist", "applicant", "league", "masses"])
def test_a_non_member_cannot_become_a_group_leader_through_the_api(tree, api, group, status):
    client = api(user_with_role("unit_admin", tree.station))
    person = make_person(tree.squad, status=status)
    response = client.post("/api/party/positions/", position_payload(person, group), format="json")
    assert response.status_code == 400
    assert "只有正式党员" in response.json()["person"][0]
    assert not PartyPosition.objects.exists()


def test_a_full_member_becomes_a_group_leader_through_the_api(tree, api, group):
    client = api(user_with_role("unit_admin", tree.station))
    person = make_person(tree.squad, status="full_member")
    response = client.post("/api/party/positions/", position_payload(person, group), format="json")
    assert response.status_code == 201, response.content
    assert PartyPosition.objects.get().person == person


def test_a_patch_cannot_hand_a_position_to_a_non_member(tree, api, group):
    client = api(user_with_role("unit_admin", tree.station))
    leader = make_person(tree.squad)
    position = PartyPosition.objects.create(
        person=leader, organisation=group, position="group_leader", start_date=D
    )
    masses = make_person(tree.squad, status="masses")
    response = client.patch(f"/api/party/positions/{position.pk}/", {"person": masses.pk}, format="json")
    assert response.status_code == 400
    position.refresh_from_db()
    assert position.person == leader


def test_ending_the_position_of_someone_no_longer_a_full_member_is_allowed(tree, api, group):
    client = api(user_with_role("unit_admin", tree.station))
    leader = make_person(tree.squad)
    position = PartyPosition.objects.create(
        person=leader, organisation=group, position="group_leader", start_date=D
    )
    type(leader).objects.filter(pk=leader.pk).update(political_status="masses")
    response = client.patch(f"/api/party/positions/{position.pk}/", {"end_date": "2026-04-01"}, format="json")
    assert response.status_code == 200, response.content


def test_the_admin_refuses_a_non_member_as_group_leader_with_a_form_error(tree, client, group):
    client.force_login(user_with_role("unit_admin", tree.station))
    person = make_person(tree.squad, status="activist")
    assert client.get("/admin/party/partyposition/add/").status_code == 200
    response = client.post(
        "/admin/party/partyposition/add/",
        {
            "person": person.pk,
            "organisation": group.pk,
            "position": "group_leader",
            "start_date": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert "只有正式党员" in str(response.context["adminform"].form.errors)
    assert not PartyPosition.objects.exists()


def test_the_organisation_page_inline_refuses_a_non_member_as_secretary(tree, client, branch):
    client.force_login(user_with_role("unit_admin", tree.station))
    person = make_person(tree.station, status="probationary")
    url = f"/admin/party/partyorganisation/{branch.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": branch.name,
            "established_on": "",
            "start_date": "",
            "end_date": "",
            "reason": "",
            "closed_on": "",
            "positions-TOTAL_FORMS": "1",
            "positions-INITIAL_FORMS": "0",
            "positions-0-person": person.pk,
            "positions-0-position": "secretary",
            "positions-0-start_date": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert "只有正式党员" in response.content.decode()
    assert not PartyPosition.objects.exists()


def test_positions_out_of_scope_are_404_in_the_api_and_the_admin(tree, api, client, group):
    other = make_org(tree.station3, "branch", name="丙站党支部")
    position = PartyPosition.objects.create(
        person=make_person(tree.station3), organisation=other, position="secretary", start_date=D
    )
    user = user_with_role("unit_admin", tree.station)
    assert api(user).get(f"/api/party/positions/{position.pk}/").status_code == 404
    assert (
        api(user).patch(f"/api/party/positions/{position.pk}/", {"end_date": "2026-04-01"}).status_code == 404
    )
    client.force_login(user)
    assert client.get(f"/admin/party/partyposition/{position.pk}/change/").status_code in (302, 404)
    response = client.post(f"/admin/party/partyposition/{position.pk}/change/", {"end_date": "2026-04-01"})
    assert response.status_code in (302, 404)
    position.refresh_from_db()
    assert position.end_date is None


# ---------------------------------------------------------------- the parent on the unit's chain


def test_a_branch_cannot_sit_under_another_battalions_committee(tree):
    other_committee = make_org(tree.bat2, "committee", name="乙区大队党委")
    with pytest.raises(ValidationError) as exc:
        organisation_create(
            name="甲站党支部", kind="branch", unit=tree.station, parent=other_committee, actor=None
        )
    assert "隶属关系链" in str(exc.value)


def test_a_branch_sits_under_its_own_battalions_or_detachments_committee(tree):
    own = make_org(tree.bat, "committee", name="甲区大队党委")
    above = make_org(tree.det, "committee", name="甲市支队党委")
    assert organisation_create(name="甲站党支部", kind="branch", unit=tree.station, parent=own).pk
    assert organisation_create(name="乙站党支部", kind="branch", unit=tree.station2, parent=above).pk


def test_the_api_refuses_a_parent_off_the_units_chain(tree, api):
    other_committee = make_org(tree.bat2, "committee", name="乙区大队党委")
    client = api(make_user("su", is_superuser=True))
    response = client.post(
        "/api/party/organisations/",
        {"name": "甲站党支部", "kind": "branch", "unit": tree.station.pk, "parent": other_committee.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "隶属关系链" in response.json()["parent"][0]


def test_the_admin_refuses_a_parent_off_the_units_chain(tree, client):
    committee = make_org(tree.bat2, "committee", name="乙区大队党委")
    client.force_login(user_with_role("unit_admin", tree.det2))
    other_committee = make_org(tree.det2, "committee", name="乙市支队党委")
    assert client.get("/admin/party/partyorganisation/add/").status_code == 200
    response = client.post(
        "/admin/party/partyorganisation/add/",
        {"parent": committee.pk, "name": "越链党支部", "kind": "branch", "unit": tree.det2.pk},
    )
    # the battalion committee is not on the detachment's chain (it is below it)
    assert response.status_code == 200
    assert "隶属关系链" in str(response.context["adminform"].form.errors)
    ok = client.post(
        "/admin/party/partyorganisation/add/",
        {"parent": other_committee.pk, "name": "丙站党支部", "kind": "branch", "unit": tree.station3.pk},
    )
    assert ok.status_code == 302
    assert PartyOrganisation.objects.filter(name="丙站党支部").exists()
    assert not PartyOrganisation.objects.filter(name="越链党支部").exists()


# ---------------------------------------------------------------- deleting through the service


def test_deleting_an_organisation_with_positions_is_refused_in_the_api_and_the_admin(
    tree, api, client, branch
):
    PartyPosition.objects.create(
        person=make_person(tree.station), organisation=branch, position="secretary", start_date=D
    )
    user = user_with_role("unit_admin", tree.station)
    response = api(user).delete(f"/api/party/organisations/{branch.pk}/")
    assert response.status_code == 400
    client.force_login(user)
    page = client.post(f"/admin/party/partyorganisation/{branch.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    assert PartyOrganisation.objects.filter(pk=branch.pk).exists()


def test_an_empty_organisation_is_deleted_through_the_api(tree, api, branch):
    response = api(user_with_role("unit_admin", tree.station)).delete(
        f"/api/party/organisations/{branch.pk}/"
    )
    assert response.status_code == 204
    assert not PartyOrganisation.objects.filter(pk=branch.pk).exists()


def test_an_organisation_out_of_scope_cannot_be_deleted(tree, api):
    other = make_org(tree.station3, "branch", name="丙站党支部")
    assert (
        api(user_with_role("unit_admin", tree.station))
        .delete(f"/api/party/organisations/{other.pk}/")
        .status_code
        == 404
    )
    assert PartyOrganisation.objects.filter(pk=other.pk).exists()


def test_the_add_page_offers_each_user_only_their_own_parent_organisations_one_after_another(tree, client):
    from apps.party.admin import PartyOrganisationAddForm
    from tests.factories.people import make_org
    from tests.factories.units import user_with_role

    mine, theirs = make_org(tree.station, name="甲站党支部X"), make_org(tree.station3, name="丙站党支部X")
    first, second = (
        user_with_role("unit_admin", tree.det2, "det2_admin"),
        user_with_role("unit_admin", tree.bat, "bat_admin"),
    )
    for user, shown, hidden in ((first, theirs, mine), (second, mine, theirs)):
        client.force_login(user)
        page = client.get("/admin/party/partyorganisation/add/").content.decode()
        assert shown.name in page and hidden.name not in page
    assert not PartyOrganisationAddForm.base_fields["parent"].queryset.exists()  # shared field untouched
