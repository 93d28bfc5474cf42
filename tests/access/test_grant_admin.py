"""Granting roles from the admin: typed usernames, no escalation, no account listing."""

import pytest
from django.contrib.auth import get_user_model

from apps.access.models import Grant, Role
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db


def inline_post(unit, **row):
    data = {
        "name": unit.name,
        "short_name": unit.short_name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.get_parent().pk,
        "grants-TOTAL_FORMS": "1",
        "grants-INITIAL_FORMS": "0",
        "moves-TOTAL_FORMS": "0",
        "moves-INITIAL_FORMS": "0",
    }
    data.update({f"grants-0-{k}": v for k, v in row.items()})
    return data


def test_unit_admin_grants_a_role_by_username_from_the_unit_page(tree, client):
    admin_user = user_with_role("unit_admin", tree.det)
    newcomer = make_user("newcomer")
    client.force_login(admin_user)
    viewer = Role.objects.get(code="viewer")
    response = client.post(
        f"/admin/units/unit/{tree.station.pk}/change/",
        inline_post(tree.station, username="newcomer", role=viewer.pk),
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    assert Grant.objects.filter(user=newcomer, unit=tree.station, role=viewer).exists()


def test_unknown_username_is_a_form_error(tree, client):
    client.force_login(user_with_role("unit_admin", tree.det))
    viewer = Role.objects.get(code="viewer")
    response = client.post(
        f"/admin/units/unit/{tree.station.pk}/change/",
        inline_post(tree.station, username="nobody", role=viewer.pk),
    )
    assert response.status_code == 200
    assert "用户不存在" in response.content.decode()
    assert not Grant.objects.filter(unit=tree.station, role=viewer).exists()


def test_unit_admin_cannot_grant_a_role_above_their_own(tree, client):
    client.force_login(user_with_role("unit_admin", tree.det))
    make_user("climber")
    hq = Role.objects.get(code="hq_admin")
    response = client.post(
        f"/admin/units/unit/{tree.station.pk}/change/",
        inline_post(tree.station, username="climber", role=hq.pk),
    )
    assert response.status_code == 200
    assert "超出您自身权限" in response.content.decode()
    assert not Grant.objects.filter(role=hq, unit=tree.station).exists()


def test_grant_form_does_not_list_accounts(tree, client):
    for i in range(3):
        make_user(f"elsewhere{i}")
    client.force_login(user_with_role("unit_admin", tree.det))
    html = client.get("/admin/access/grant/add/").content.decode()
    assert get_user_model().objects.filter(username="elsewhere0").exists()
    assert "elsewhere0" not in html
