"""The unit change page for view-only users (issue 16, item 14) and dissolved units never
offered as a choice (issue 21, item 5)."""

import datetime

import pytest

from apps.units.models import Unit
from apps.units.services import unit_dissolve
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def dissolved(tree):
    return unit_dissolve(unit=make_unit(tree.bat, "station", "旧站"), on=datetime.date(2026, 1, 1))


def test_a_view_only_user_opens_a_unit_change_page_without_a_server_error(tree, client):
    client.force_login(user_with_role("viewer", tree.bat))
    response = client.get(f"/admin/units/unit/{tree.station.pk}/change/")
    assert response.status_code == 200
    assert "甲站" in response.content.decode()


def test_a_view_only_user_cannot_change_a_unit_by_posting_the_page(tree, client):
    client.force_login(user_with_role("viewer", tree.bat))
    response = client.post(f"/admin/units/unit/{tree.station.pk}/change/", {"name": "改名"})
    assert response.status_code == 403
    assert Unit.objects.get(pk=tree.station.pk).name == "甲站"


def test_a_view_only_user_gets_404_for_a_unit_out_of_scope(tree, client):
    client.force_login(user_with_role("viewer", tree.bat))
    assert client.get(f"/admin/units/unit/{tree.station3.pk}/change/").status_code in (302, 404)


def test_a_dissolved_unit_is_not_offered_as_a_parent_in_the_admin(tree, client, dissolved):
    client.force_login(user_with_role("unit_admin", tree.bat))
    form = client.get("/admin/units/unit/add/").context["adminform"].form
    assert dissolved not in form.fields["parent"].queryset
    assert tree.station in form.fields["parent"].queryset


def test_the_api_refuses_a_dissolved_parent_for_a_new_unit_or_a_move(tree, api, dissolved):
    client = api(user_with_role("unit_admin", tree.bat))
    response = client.post(
        "/api/units/",
        {"parent": dissolved.pk, "name": "新班", "code": "NEW1", "kind": "squad"},
        format="json",
    )
    assert response.status_code == 400 and "已撤销" in response.json()["parent"][0]
    moved = client.post(f"/api/units/{tree.squad.pk}/move/", {"parent": dissolved.pk}, format="json")
    assert moved.status_code == 400 and "已撤销" in moved.json()["parent"][0]
    assert not Unit.objects.filter(code="NEW1").exists()


def test_a_dissolved_unit_stays_readable_in_the_list_and_the_admin(tree, api, client, dissolved):
    user = user_with_role("viewer", tree.bat)
    assert dissolved.pk in {
        row["id"] for row in api(user).get("/api/units/", {"page_size": 100}).json()["results"]
    }
    client.force_login(user)
    assert client.get(f"/admin/units/unit/{dissolved.pk}/change/").status_code == 200
