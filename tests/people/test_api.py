"""People API: scoped, masked, filterable, exportable, with a constant number of queries."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.people.models import Person, mask_id_number
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_station_admin_lists_only_their_station(tree, api):
    mine = make_person(tree.station)
    make_person(tree.station2)
    make_person(tree.station3)
    body = api(user_with_role("unit_admin", tree.station)).get("/api/people/").json()
    assert [p["id"] for p in body["results"]] == [mine.pk]


def test_out_of_scope_person_is_404_and_writes_are_refused(tree, api):
    other = make_person(tree.station3)
    client = api(user_with_role("unit_admin", tree.det))
    assert client.get(f"/api/people/{other.pk}/").status_code == 404
    assert client.patch(f"/api/people/{other.pk}/", {"name": "改名"}, format="json").status_code == 404
    assert (
        client.post(
            f"/api/people/{other.pk}/transfer/", {"to_unit": tree.station.pk, "on": "2025-01-01"}
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.name != "改名"


def test_viewer_cannot_write(tree, api):
    person = make_person(tree.station)
    client = api(user_with_role("viewer", tree.det))
    assert client.get(f"/api/people/{person.pk}/").status_code == 200
    assert client.patch(f"/api/people/{person.pk}/", {"name": "改名"}, format="json").status_code == 403


def test_id_numbers_are_masked_without_personal_data_permission(tree, api):
    person = make_person(tree.station, phone="13800001234")
    admin_body = api(user_with_role("unit_admin", tree.det)).get(f"/api/people/{person.pk}/").json()
    assert admin_body["id_number"] == mask_id_number(person.id_number)
    assert person.id_number not in str(admin_body)
    listing = api(user_with_role("unit_admin", tree.det)).get("/api/people/").content.decode()
    assert person.id_number not in listing
    hq_body = api(user_with_role("hq_admin", tree.corps)).get(f"/api/people/{person.pk}/").json()
    assert hq_body["id_number"] == person.id_number


def test_export_masks_id_numbers_and_respects_filters(tree, api):
    a = make_person(tree.station, name="甲")
    make_person(tree.station2, name="乙")
    response = api(user_with_role("unit_admin", tree.det)).get(f"/api/people/export/?unit={tree.station.pk}")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["甲"]
    assert rows[1][2] == mask_id_number(a.id_number)


def test_search_by_id_number_and_filter_by_status(tree, api):
    a = make_person(tree.station, status="activist")
    make_person(tree.station, status="masses")
    client = api(user_with_role("hq_admin", tree.corps))
    assert [p["id"] for p in client.get(f"/api/people/?search={a.id_number}").json()["results"]] == [a.pk]
    assert [p["id"] for p in client.get("/api/people/?political_status=activist").json()["results"]] == [a.pk]


def test_create_transfer_and_history_through_the_api(tree, api):
    from tests.factories.people import valid_id_number

    client = api(user_with_role("unit_admin", tree.det))
    body = {
        "name": "新兵",
        "gender": "M",
        "id_number": valid_id_number(),
        "unit": tree.station.pk,
        "since": "2025-01-01",
    }
    created = client.post("/api/people/", body, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    moved = client.post(
        f"/api/people/{pk}/transfer/", {"to_unit": tree.tqz.pk, "on": "2025-06-01"}, format="json"
    )
    assert moved.status_code == 200, moved.content
    history = client.get(f"/api/people/{pk}/history/").json()
    assert [(u["unit"], u["end_date"]) for u in history["units"]] == [
        (tree.station.pk, "2025-05-31"),
        (tree.tqz.pk, None),
    ]


def test_bad_input_is_a_400_with_field_messages(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    count = Person.objects.count()
    response = client.post(
        "/api/people/", {"name": "", "id_number": "123", "unit": tree.station.pk, "since": "x"}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "id_number", "since"} <= set(response.json())
    outside = client.post(
        "/api/people/",
        {
            "name": "越界",
            "gender": "M",
            "id_number": "11010519491231002X",
            "unit": tree.station3.pk,
            "since": "2025-01-01",
        },
        format="json",
    )
    assert outside.status_code == 400
    assert Person.objects.count() == count


def _list_queries(client, url):
    client.get(url)  # warm per-process caches (content types) so only the list itself is counted
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_people_list_query_count_does_not_grow_with_rows(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    for _ in range(3):
        make_person(tree.station)
    few = _list_queries(client, "/api/people/")
    for _ in range(30):
        make_person(tree.station2)
    assert _list_queries(client, "/api/people/") == few


def test_party_organisation_list_is_scoped_with_constant_queries(tree, api):
    from tests.factories.people import make_org

    committee = make_org(tree.det, "committee")
    make_org(tree.station, "branch", parent=committee)
    far = make_org(tree.det2, "committee")
    client = api(user_with_role("unit_admin", tree.det))
    ids = {o["id"] for o in client.get("/api/party/organisations/").json()["results"]}
    assert far.pk not in ids and committee.pk in ids
    few = _list_queries(client, "/api/party/organisations/")
    for i in range(20):
        make_org(tree.station2, "branch", parent=committee, name=f"支部{i}")
    assert _list_queries(client, "/api/party/organisations/") == few
    assert client.get(f"/api/party/organisations/{far.pk}/").status_code == 404


def test_party_organisation_wrong_parent_kind_is_400(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = client.post(
        "/api/party/organisations/",
        {"name": "错组", "kind": "party_group", "unit": tree.squad.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_membership_figures_match_a_brute_force_count(tree):
    from apps.people.selectors import membership_figures
    from tests.factories.units import make_user

    for unit, status in [
        (tree.station, "full_member"),
        (tree.station, "masses"),
        (tree.tqz, "probationary"),
        (tree.station3, "full_member"),
    ]:
        make_person(unit, status=status)
    root_user = make_user("figs", is_superuser=True)
    figures = membership_figures(user=root_user, root=tree.det)
    per_child = {row["unit_id"]: (row["people"], row["party_members"]) for row in figures["per_child"]}
    assert per_child == {tree.bat.pk: (2, 1), tree.tqz.pk: (1, 1)}
    assert figures["by_status"]["正式党员"] == 1 and figures["by_status"]["预备党员"] == 1
    assert sum(figures["by_category"].values()) == 3
    _ = datetime
