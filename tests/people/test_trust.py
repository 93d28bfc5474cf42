"""Issue 16 on people: writes go through the services, ID numbers are no search key where
they are masked, account choices stay in scope, political status only moves forward, a
transfer leaves the old party group, names cannot carry formulas; issue 21: names in Chinese
order and no dissolved unit offered."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.party.models import OrganisationKind
from apps.people import services
from apps.people.models import PartyMembership, Person, PoliticalStatus, PoliticalStatusChange
from apps.people.selectors import account_label, user_full_name
from tests.factories.people import make_org, make_person, valid_id_number
from tests.factories.units import grant, make_user, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


def person_payload(unit, **extra):
    return {
        "name": "新人",
        "gender": "M",
        "id_number": valid_id_number(),
        "category": "commander",
        "unit": unit.pk,
        "since": "2026-01-01",
        **extra,
    }


def admin_add_form(unit, **extra):
    return {
        "unit": unit.pk,
        "name": "新人",
        "gender": "M",
        "id_number": valid_id_number(),
        "category": "commander",
        "political_status": "masses",
        "is_active": "on",
        **_empty_inlines(),
        **extra,
    }


def _empty_inlines():
    data = {}
    for prefix in ("unit_memberships", "party_memberships", "status_changes"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def admin_change_form(person, **extra):
    return {
        "name": person.name,
        "gender": person.gender,
        "category": person.category,
        "rank": person.rank,
        "position": person.position,
        "is_active": "on",
        **_empty_inlines(),
        **extra,
    }


# --- 4. the ID number is a search key only where it is visible --------------------------------


def test_api_search_by_id_number_finds_nothing_where_the_number_is_masked(tree, api):
    person = make_person(tree.station, name="查找对象")
    masked = api(user_with_role("unit_admin", tree.det))
    assert masked.get("/api/people/", {"search": person.id_number}).json()["count"] == 0
    assert masked.get("/api/people/", {"search": person.id_number.lower()}).json()["count"] == 0
    assert masked.get("/api/people/", {"search": "查找"}).json()["count"] == 1
    assert masked.get("/api/people/", {"id_number": person.id_number}).json()["count"] == 0


def test_api_search_by_id_number_finds_the_person_for_users_who_see_the_number(tree, api):
    person = make_person(tree.station, name="查找对象")
    make_person(tree.station, name="别人")
    seeing = api(user_with_role("secretary", tree.det))
    found = seeing.get("/api/people/", {"search": person.id_number}).json()
    assert [p["id"] for p in found["results"]] == [person.pk]
    filtered = seeing.get("/api/people/", {"id_number": person.id_number}).json()
    assert [p["id"] for p in filtered["results"]] == [person.pk]


# --- 5. the account drop-down --------------------------------------------------------------------


def test_person_admin_offers_only_accounts_inside_the_users_scope(tree, client):
    admin = user_with_role("unit_admin", tree.det)
    inside = user_with_role("viewer", tree.station, username="inside_user")
    outside = user_with_role("viewer", tree.station3, username="outside_user")
    linked_elsewhere = make_user("linked_user")
    make_person(tree.station2, user=linked_elsewhere)
    make_user("superuser_acct", is_superuser=True)
    lonely = make_user("no_grant_user")
    client.force_login(admin)
    page = client.get("/admin/people/person/add/")
    offered = set(page.context["adminform"].form.fields["user"].queryset)
    assert inside in offered and admin in offered
    assert not offered & {outside, linked_elsewhere, lonely}
    assert not any(u.is_superuser for u in offered)
    refused = client.post("/admin/people/person/add/", admin_add_form(tree.station, user=outside.pk))
    assert refused.status_code == 200 and refused.context["adminform"].form.errors["user"]
    assert not Person.objects.filter(user=outside).exists()


def test_users_who_may_not_manage_accounts_are_offered_no_account(tree, client):
    talker = user_with_role("talker", tree.det)
    assert not services.accounts_in_scope(talker).exists()
    person = make_person(tree.station)
    with pytest.raises(PermissionDenied):
        person.user = user_with_role("viewer", tree.station)
        services.person_update(instance=person, actor=talker)
    assert Person.objects.get(pk=person.pk).user is None


def test_account_choices_name_the_holder_family_name_first():
    from django.contrib.auth import get_user_model

    user = get_user_model()(username="demo_zunyi", last_name="陈", first_name="遵明")
    assert user_full_name(user) == "陈遵明"
    assert account_label(user) == "陈遵明（demo_zunyi）"
    latin = get_user_model()(username="ada", last_name="Lovelace", first_name="Ada")
    assert user_full_name(latin) == "Ada Lovelace"


# --- 13. political status moves forward only; a transfer leaves the old party group ----------


def test_political_status_cannot_go_backwards_through_the_api(tree, api):
    person = make_person(tree.station, status=PoliticalStatus.FULL_MEMBER)
    client = api(user_with_role("unit_admin", tree.det))
    for back in ("probationary", "applicant", "activist"):
        response = client.post(
            f"/api/people/{person.pk}/change-status/", {"status": back, "on": "2026-02-01"}, format="json"
        )
        assert response.status_code == 400 and "status" in response.json(), back
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.FULL_MEMBER
    assert not PoliticalStatusChange.objects.filter(person=person).exists()


def test_political_status_moves_forward_and_may_leave_to_the_masses(tree, api):
    person = make_person(tree.station, status=PoliticalStatus.APPLICANT)
    client = api(user_with_role("unit_admin", tree.det))
    for step, on in (
        ("activist", "2026-01-01"),
        ("probationary", "2026-02-01"),
        ("full_member", "2027-02-01"),
    ):
        response = client.post(
            f"/api/people/{person.pk}/change-status/", {"status": step, "on": on}, format="json"
        )
        assert response.status_code == 200, (step, response.json())
    assert (
        client.post(
            f"/api/people/{person.pk}/change-status/", {"status": "masses", "on": "2027-03-01"}, format="json"
        ).status_code
        == 200
    )


def test_the_registered_update_refuses_a_backwards_status_step(tree):
    """What the base admin and viewset call for a change (apps.core.writes)."""
    person = make_person(tree.station, status=PoliticalStatus.PROBATIONARY)
    admin = user_with_role("unit_admin", tree.det)
    person.political_status = PoliticalStatus.APPLICANT
    with pytest.raises(ValidationError) as refused:
        services.person_update(instance=person, actor=admin)
    assert "political_status" in refused.value.message_dict
    person.political_status = PoliticalStatus.FULL_MEMBER
    services.person_update(instance=person, actor=admin)
    assert PoliticalStatusChange.objects.get(person=person).status == PoliticalStatus.FULL_MEMBER


def test_the_admin_change_page_cannot_change_political_status(tree, client):
    person = make_person(tree.station, status=PoliticalStatus.FULL_MEMBER)
    client.force_login(user_with_role("unit_admin", tree.det))
    response = client.post(
        f"/admin/people/person/{person.pk}/change/",
        admin_change_form(person, political_status="applicant"),
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.political_status == PoliticalStatus.FULL_MEMBER


def test_a_transfer_ends_the_membership_of_the_old_stations_party_group(tree, api):
    branch = make_org(tree.station, OrganisationKind.BRANCH)
    group = make_org(tree.squad, OrganisationKind.PARTY_GROUP, parent=branch)
    person = make_person(tree.station, since=D(2020, 1, 1))
    services.person_join_organisation(person=person, organisation=branch, on=D(2024, 1, 1))
    services.person_join_organisation(person=person, organisation=group, on=D(2024, 1, 2))
    response = api(user_with_role("unit_admin", tree.det)).post(
        f"/api/people/{person.pk}/transfer/", {"to_unit": tree.station2.pk, "on": "2026-03-01"}, format="json"
    )
    assert response.status_code == 200, response.json()
    person.refresh_from_db()
    assert person.party_group is None
    assert PartyMembership.objects.get(person=person, organisation=group).end_date == D(2026, 2, 28)
    assert PartyMembership.objects.get(person=person, organisation=branch).end_date is None


def test_a_transfer_inside_the_groups_own_unit_keeps_the_group(tree):
    branch = make_org(tree.station, OrganisationKind.BRANCH)
    group = make_org(tree.station, OrganisationKind.PARTY_GROUP, parent=branch)
    person = make_person(tree.station)
    services.person_join_organisation(person=person, organisation=branch, on=D(2024, 1, 1))
    services.person_join_organisation(person=person, organisation=group, on=D(2024, 1, 2))
    services.person_transfer(person=person, to_unit=tree.squad, on=D(2026, 3, 1))
    person.refresh_from_db()
    assert person.party_group == group
    assert PartyMembership.objects.get(person=person, organisation=group).end_date is None


# --- the write path: API and admin through the services, in scope and out of scope ------------


def test_api_changes_and_deletes_go_through_the_people_services(tree, api):
    person = make_person(tree.station)
    admin = user_with_role("unit_admin", tree.det)
    client = api(admin)
    assert client.patch(f"/api/people/{person.pk}/", {"name": "改名"}, format="json").status_code == 200
    assert Person.history.filter(id=person.pk).latest().history_user == admin
    assert client.delete(f"/api/people/{person.pk}/").status_code == 204
    person.refresh_from_db()
    assert person.is_active is False and person.name == "改名"  # deactivated, never deleted


def test_api_writes_on_people_outside_the_scope_are_404(tree, api):
    person = make_person(tree.station3)
    client = api(user_with_role("unit_admin", tree.det))
    assert client.patch(f"/api/people/{person.pk}/", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/people/{person.pk}/").status_code == 404
    assert client.post(f"/api/people/{person.pk}/transfer/", {}, format="json").status_code == 404
    person.refresh_from_db()
    assert person.is_active and person.name != "x"


def test_a_masked_id_number_sent_back_means_unchanged_and_a_new_one_is_refused(tree, api):
    person = make_person(tree.station, phone="13800001111")
    client = api(user_with_role("unit_admin", tree.det))
    shown = client.get(f"/api/people/{person.pk}/").json()
    assert "*" in shown["id_number"] and "*" in shown["phone"]
    put_back = client.put(f"/api/people/{person.pk}/", {**shown, "name": "改名"}, format="json")
    assert put_back.status_code == 200, put_back.json()
    stored = Person.objects.get(pk=person.pk)
    assert (stored.id_number, stored.phone, stored.name) == (person.id_number, "13800001111", "改名")
    other = valid_id_number()
    assert client.patch(f"/api/people/{person.pk}/", {"id_number": other}, format="json").status_code == 403
    assert Person.objects.get(pk=person.pk).id_number == person.id_number


def test_admin_pages_of_people_outside_the_scope_are_404(tree, client):
    person = make_person(tree.station3)
    client.force_login(user_with_role("unit_admin", tree.det))
    for page in ("change", "delete", "history", "transfer"):
        assert client.get(f"/admin/people/person/{person.pk}/{page}/").status_code == 404, page
    assert (
        client.post(f"/admin/people/person/{person.pk}/change/", admin_change_form(person)).status_code == 404
    )
    assert client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"}).status_code == 404
    assert Person.objects.get(pk=person.pk).is_active


def test_admin_add_change_and_delete_in_scope_go_through_the_services(tree, client):
    admin = user_with_role("unit_admin", tree.det)
    client.force_login(admin)
    assert client.get("/admin/people/person/add/").status_code == 200
    added = client.post("/admin/people/person/add/", admin_add_form(tree.station, name="王五"))
    assert added.status_code == 302, added.context["adminform"].form.errors
    person = Person.objects.get(name="王五")
    assert person.unit_memberships.get().unit == tree.station  # the service opened the membership
    changed = client.post(f"/admin/people/person/{person.pk}/change/", admin_change_form(person, name="王六"))
    assert changed.status_code == 302
    assert Person.history.filter(id=person.pk).latest().history_user == admin
    assert client.post(f"/admin/people/person/{person.pk}/delete/", {"post": "yes"}).status_code == 302
    person.refresh_from_db()
    assert (person.name, person.is_active) == ("王六", False)


def test_admin_add_refuses_a_unit_outside_the_scope(tree, client):
    client.force_login(user_with_role("unit_admin", tree.det))
    response = client.post("/admin/people/person/add/", admin_add_form(tree.station3, name="越界"))
    assert response.status_code == 200 and response.context["adminform"].form.errors["unit"]
    assert not Person.objects.filter(name="越界").exists()


# --- 15. names that start like a formula ---------------------------------------------------------


def test_a_name_starting_like_a_formula_is_refused_by_api_and_admin(tree, api, client):
    admin = user_with_role("unit_admin", tree.det)
    response = api(admin).post(
        "/api/people/", person_payload(tree.station, name="=HYPERLINK(1)"), format="json"
    )
    assert response.status_code == 400 and "name" in response.json()
    client.force_login(admin)
    page = client.post("/admin/people/person/add/", admin_add_form(tree.station, name="@SUM(1)"))
    assert page.status_code == 200 and page.context["adminform"].form.errors
    assert not Person.objects.exists()


# --- 21.5 dissolved units are not offered --------------------------------------------------------


def test_dissolved_units_are_not_offered_in_people_drop_downs(tree, api, client):
    tree.station2.dissolved_on = D(2025, 1, 1)
    tree.station2.save(update_fields=["dissolved_on"])
    admin = user_with_role("unit_admin", tree.det)
    client.force_login(admin)
    add = client.get("/admin/people/person/add/").context["adminform"].form.fields["unit"].queryset
    assert tree.station2 not in add and tree.station in add
    person = make_person(tree.station)
    transfer = client.get(f"/admin/people/person/{person.pk}/transfer/").context["form"]
    assert tree.station2 not in transfer.fields["to_unit"].queryset
    imports = client.get("/admin/people/person/import/").context["form"]
    assert tree.station2 not in imports.fields["unit"].queryset
    created = api(admin).post("/api/people/", person_payload(tree.station2), format="json")
    assert created.status_code == 400 and "unit" in created.json()
    moved = api(admin).post(
        f"/api/people/{person.pk}/transfer/", {"to_unit": tree.station2.pk, "on": "2026-01-01"}, format="json"
    )
    assert moved.status_code == 400


def test_a_second_grant_widens_the_accounts_in_scope(tree):
    admin = user_with_role("unit_admin", tree.station)
    grant(admin, tree.station3, "unit_admin")
    assert user_with_role("viewer", tree.squad3) in services.accounts_in_scope(admin)
