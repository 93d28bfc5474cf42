"""The units API: scoped lists, 404 out of scope, 403 for writes without the right, 400 for bad input."""

import pytest

from apps.units.models import Unit
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_station_admin_lists_only_the_station(tree, api):
    client = api(user_with_role("unit_admin", tree.station))
    assert ids(client.get("/api/units/")) == {tree.station.pk, tree.squad.pk}


@pytest.mark.parametrize("outside", ["det", "station2", "station3", "corps2"])
def test_out_of_scope_detail_is_404(tree, api, outside):
    client = api(user_with_role("unit_admin", tree.station))
    assert client.get(f"/api/units/{getattr(tree, outside).pk}/").status_code == 404
    assert (
        client.patch(f"/api/units/{getattr(tree, outside).pk}/", {"name": "x"}, format="json").status_code
        == 404
    )


def test_in_scope_write_without_permission_is_403(tree, api):
    client = api(user_with_role("viewer", tree.det))
    response = client.patch(f"/api/units/{tree.station.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    assert Unit.objects.get(pk=tree.station.pk).name == "甲站"


def test_create_under_out_of_scope_parent_is_400_and_writes_nothing(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    count = Unit.objects.count()
    response = client.post(
        "/api/units/",
        {"parent": tree.det2.pk, "name": "新站", "kind": "station", "code": "N1"},
        format="json",
    )
    assert response.status_code == 400 and "parent" in response.json()
    assert Unit.objects.count() == count


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "新站", "kind": "castle", "code": "N2"}, "kind"),
        ({"name": "新站", "kind": "detachment", "code": "N3"}, "parent"),
        ({"name": "", "kind": "station", "code": "N4"}, "name"),
    ],
)
def test_bad_unit_input_is_400_with_a_field_message(tree, api, payload, field):
    client = api(user_with_role("unit_admin", tree.det))
    count = Unit.objects.count()
    response = client.post("/api/units/", {"parent": tree.bat.pk, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Unit.objects.count() == count


def test_unit_admin_creates_a_station_in_scope(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = client.post(
        "/api/units/", {"parent": tree.bat.pk, "name": "丁站", "kind": "station", "code": "N5"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == tree.bat.pk


def test_moving_the_root_is_400(tree, api, admin_user):
    response = api(admin_user).post(
        f"/api/units/{tree.root.pk}/move/", {"parent": tree.corps.pk}, format="json"
    )
    assert response.status_code == 400 and "parent" in response.json()


def test_move_action_moves_a_battalion_for_the_corps_admin(tree, api):
    client = api(user_with_role("unit_admin", tree.corps))
    response = client.post(f"/api/units/{tree.bat.pk}/move/", {"parent": tree.det2.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["parent"] == tree.det2.pk


def test_detachment_admin_cannot_move_out_of_scope(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = client.post(f"/api/units/{tree.bat.pk}/move/", {"parent": tree.det2.pk}, format="json")
    assert response.status_code == 400  # the target is not visible: "does not exist"
    assert Unit.objects.get(pk=tree.bat.pk).get_parent() == tree.det


def test_children_subtree_and_ancestors(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    assert ids(client.get(f"/api/units/{tree.bat.pk}/children/")) == {tree.station.pk, tree.station2.pk}
    assert ids(client.get(f"/api/units/{tree.bat.pk}/subtree/")) == {
        tree.bat.pk,
        tree.station.pk,
        tree.station2.pk,
        tree.squad.pk,
    }
    # the detachment user is not told about the corps or root above them
    assert ids(client.get(f"/api/units/{tree.squad.pk}/ancestors/")) == {
        tree.det.pk,
        tree.bat.pk,
        tree.station.pk,
    }


def test_filters_by_kind_parent_and_name(tree, api):
    client = api(user_with_role("unit_admin", tree.corps))
    assert ids(client.get("/api/units/", {"kind": "detachment"})) == {tree.det.pk, tree.det2.pk}
    assert ids(client.get("/api/units/", {"parent": tree.det.pk})) == {tree.bat.pk, tree.tqz.pk}
    assert ids(client.get("/api/units/", {"name": "特勤"})) == {tree.tqz.pk}


def test_unit_list_query_count_does_not_grow(tree, api, django_assert_max_num_queries):
    user = user_with_role("unit_admin", tree.corps)
    client = api(user)

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/units/", {"page_size": 200}).status_code == 200
        return len(ctx.captured_queries)

    for i in range(10):
        make_unit(tree.det2, "battalion", code=f"Q{i}")
    count_queries()  # warm the per-user permission cache
    small = count_queries()
    for i in range(190):
        make_unit(tree.det2, "battalion", code=f"R{i}")
    assert count_queries() == small


def test_schema_and_docs_are_served_offline(admin_client):
    assert admin_client.get("/api/schema/").status_code == 200
    docs = admin_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_token_auth_works_and_revoked_token_stops(tree, client):
    from rest_framework.authtoken.models import Token

    user = user_with_role("viewer", tree.station)
    token = Token.objects.create(user=user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.get("/api/units/", **auth).status_code == 200
    assert client.post("/api/me/revoke-token/", **auth).status_code == 204
    assert client.get("/api/units/", **auth).status_code == 401
