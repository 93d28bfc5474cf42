"""Granting roles: guardian rows follow grants and role edits; nobody hands out more than they hold."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access.models import Grant, Role, UnitPermission
from apps.access.services import grant_revoke, role_grant
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db


def test_a_grant_materialises_guardian_rows_on_the_unit(tree):
    user = user_with_role("viewer", tree.station)
    role = Role.objects.get(code="viewer")
    assert (
        UnitPermission.objects.filter(user=user, content_object=tree.station).count()
        == role.permissions.count()
    )


def test_editing_a_role_resyncs_every_holder(tree):
    user = user_with_role("viewer", tree.station)
    assert not user.has_perm("units.change_unit", tree.station)
    Role.objects.get(code="viewer").permissions.add(Permission.objects.get(codename="change_unit"))
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("units.change_unit", tree.station)


def test_two_roles_on_one_unit_revoking_one_keeps_the_other(tree):
    user = user_with_role("viewer", tree.station)
    admin_grant = Grant.objects.create(user=user, unit=tree.station, role=Role.objects.get(code="unit_admin"))
    admin_grant.delete()
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("units.view_unit", tree.station)
    assert not user.has_perm("units.change_unit", tree.station)


def test_unit_admin_grants_a_viewer_role_in_their_subtree(tree):
    admin = user_with_role("unit_admin", tree.det)
    newcomer = make_user()
    role_grant(user=newcomer, unit=tree.station, role=Role.objects.get(code="viewer"), actor=admin)
    assert newcomer.has_perm("units.view_unit", tree.squad)


def test_unit_admin_cannot_grant_outside_their_subtree(tree):
    admin = user_with_role("unit_admin", tree.det)
    with pytest.raises(PermissionDenied):
        role_grant(user=make_user(), unit=tree.det2, role=Role.objects.get(code="viewer"), actor=admin)


def test_unit_admin_cannot_hand_out_more_than_they_hold(tree):
    admin = user_with_role("unit_admin", tree.det)
    with pytest.raises(ValidationError):
        role_grant(user=make_user(), unit=tree.station, role=Role.objects.get(code="secretary"), actor=admin)
    assert not Grant.objects.filter(role__code="secretary").exists()


def test_viewer_cannot_revoke_grants(tree):
    viewer = user_with_role("viewer", tree.det)
    other = Grant.objects.get(user=user_with_role("viewer", tree.station))
    with pytest.raises(PermissionDenied):
        grant_revoke(grant=other, actor=viewer)


def test_grants_api_lists_only_grants_in_scope(tree, api):
    admin = user_with_role("unit_admin", tree.det)
    inside = Grant.objects.get(user=user_with_role("viewer", tree.station))
    outside = Grant.objects.get(user=user_with_role("viewer", tree.station3))
    ids = {row["id"] for row in api(admin).get("/api/grants/").json()["results"]}
    assert inside.pk in ids and outside.pk not in ids
    assert api(admin).delete(f"/api/grants/{outside.pk}/").status_code == 404
    assert Grant.objects.filter(pk=outside.pk).exists()


def test_grants_api_refuses_escalation_with_400(tree, api):
    admin = user_with_role("unit_admin", tree.det)
    newcomer = make_user()
    response = api(admin).post(
        "/api/grants/",
        {"user": newcomer.username, "unit": tree.station.pk, "role": "secretary"},
        format="json",
    )
    assert response.status_code == 400 and "role" in response.json()
    assert not Grant.objects.filter(user=newcomer).exists()


def test_me_lists_my_grants(tree, api):
    user = user_with_role("viewer", tree.station)
    body = api(user).get("/api/me/").json()
    assert [g["unit"] for g in body["grants"]] == [tree.station.pk]


def test_a_first_grant_lets_the_user_into_the_admin(tree):
    user = make_user()
    type(user).objects.filter(pk=user.pk).update(is_staff=False)
    Grant.objects.create(user=user, unit=tree.station, role=Role.objects.get(code="viewer"))
    assert type(user).objects.get(pk=user.pk).is_staff
