"""The admin: a unit administrator sees and edits only their subtree."""

import pytest

from apps.units.models import Unit
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_station_admin_changelist_shows_only_the_station(tree, client):
    login(client, user_with_role("unit_admin", tree.station))
    response = client.get("/admin/units/unit/")
    assert response.status_code == 200
    names = [u.name for u in response.context["cl"].result_list]
    assert names == ["甲站", "甲站一班"]


def test_out_of_scope_change_page_is_not_reachable(tree, client):
    login(client, user_with_role("unit_admin", tree.station))
    response = client.get(f"/admin/units/unit/{tree.station2.pk}/change/")
    assert response.status_code in (302, 404)
    assert "乙站" not in response.content.decode()


def test_admin_refuses_a_parent_outside_the_subtree(tree, client):
    login(client, user_with_role("unit_admin", tree.det))
    count = Unit.objects.count()
    response = client.post(
        "/admin/units/unit/add/",
        {
            "name": "越界站",
            "short_name": "",
            "code": "ADM1",
            "kind": "station",
            "parent": tree.bat2.pk,
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
            "moves-TOTAL_FORMS": "0",
            "moves-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    assert Unit.objects.count() == count


def test_admin_wrong_parent_kind_is_a_form_error(tree, client):
    login(client, user_with_role("unit_admin", tree.det))
    response = client.post(
        "/admin/units/unit/add/",
        {
            "name": "错站",
            "short_name": "",
            "code": "ADM2",
            "kind": "battalion",
            "parent": tree.bat.pk,
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
            "moves-TOTAL_FORMS": "0",
            "moves-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "上级只能是" in str(response.context["adminform"].form.errors)
    assert not Unit.objects.filter(code="ADM2").exists()


def test_admin_creates_a_station_in_scope(tree, client):
    login(client, user_with_role("unit_admin", tree.det))
    response = client.post(
        "/admin/units/unit/add/",
        {
            "name": "新站",
            "short_name": "新站",
            "code": "ADM3",
            "kind": "station",
            "parent": tree.bat.pk,
            "grants-TOTAL_FORMS": "0",
            "grants-INITIAL_FORMS": "0",
            "moves-TOTAL_FORMS": "0",
            "moves-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Unit.objects.get(code="ADM3").get_parent() == tree.bat


def test_admin_changelist_query_count_does_not_grow(tree, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    login(client, user_with_role("unit_admin", tree.corps))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/admin/units/unit/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(10):
        make_unit(tree.det2, "battalion", code=f"AQ{i}")
    count()
    small = count()
    for i in range(190):
        make_unit(tree.det2, "battalion", code=f"AR{i}")
    assert count() == small


def test_unit_history_is_shown_in_the_admin(tree, client, admin_user):
    from apps.units import services

    services.unit_rename(unit=tree.station, name="改名站")
    login(client, admin_user)
    response = client.get(f"/admin/units/unit/{tree.station.pk}/history/")
    assert response.status_code == 200
    assert "改名站" in response.content.decode()
