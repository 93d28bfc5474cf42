"""Issue 16, items 7, 8 and 14: nobody gains authority through the role, account or grant admin."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access import services
from apps.access.models import Grant, Role, UnitPermission
from tests.factories.units import grant, make_user, user_with_role

pytestmark = pytest.mark.django_db


def rows(user, unit):
    return set(
        UnitPermission.objects.filter(user=user, content_object=unit).values_list("permission_id", flat=True)
    )


def role_perms(code):
    return set(Role.objects.get(code=code).permissions.values_list("pk", flat=True))


def perm(label):
    app_label, codename = label.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


# --- item 7: roles and flags are for superusers ------------------------------------------------


def test_no_default_role_carries_the_permission_to_edit_roles():
    for role in Role.objects.all():
        codes = set(role.permissions.values_list("codename", flat=True))
        assert not codes & {"add_role", "change_role", "delete_role"}, role.code


def test_hq_admin_cannot_add_a_permission_to_a_role_in_the_admin(tree, client):
    hq = user_with_role("hq_admin", tree.corps)
    viewer = Role.objects.get(code="viewer")
    before = role_perms("viewer")
    client.force_login(hq)
    content = perm("talks.view_talk_content")
    response = client.post(
        f"/admin/access/role/{viewer.pk}/change/",
        {"code": viewer.code, "name": viewer.name, "permissions": [*before, content.pk]},
    )
    assert response.status_code == 403
    assert role_perms("viewer") == before


def test_hq_admin_holding_change_role_by_an_old_bundle_still_cannot_edit_roles(tree, client):
    Role.objects.get(code="hq_admin").permissions.add(perm("access.change_role"), perm("access.add_role"))
    hq = user_with_role("hq_admin", tree.corps)
    client.force_login(hq)
    viewer = Role.objects.get(code="viewer")
    response = client.post(
        f"/admin/access/role/{viewer.pk}/change/",
        {"code": viewer.code, "name": viewer.name, "permissions": [perm("auth.change_user").pk]},
    )
    assert response.status_code == 403
    assert client.get("/admin/access/role/add/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.role_permissions_set(role=viewer, permissions=[perm("auth.change_user")], actor=hq)
    assert not viewer.permissions.filter(codename="change_user").exists()


def test_hq_admin_may_read_the_roles(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps))
    viewer = Role.objects.get(code="viewer")
    assert client.get("/admin/access/role/").status_code == 200
    assert client.get(f"/admin/access/role/{viewer.pk}/change/").status_code == 200


def test_a_superuser_edits_a_role_and_every_holder_follows(tree, client):
    holder = user_with_role("viewer", tree.station)
    root = make_user("role_root", is_superuser=True)
    client.force_login(root)
    viewer = Role.objects.get(code="viewer")
    extra = perm("units.change_unit")
    response = client.post(
        f"/admin/access/role/{viewer.pk}/change/",
        {"code": viewer.code, "name": viewer.name, "permissions": [*role_perms("viewer"), extra.pk]},
    )
    assert response.status_code == 302
    assert extra.pk in rows(holder, tree.station)
    assert viewer.history.first().history_user == root


def test_hq_admin_cannot_make_themselves_superuser_in_the_account_admin(tree, client):
    hq = user_with_role("hq_admin", tree.corps, "hq_climber")
    client.force_login(hq)
    response = client.post(
        f"/admin/auth/user/{hq.pk}/change/",
        {
            "username": hq.username,
            "first_name": "HQ",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "user_permissions": [perm("auth.change_user").pk],
        },
    )
    assert response.status_code in (200, 302)
    hq.refresh_from_db()
    assert not hq.is_superuser and not hq.user_permissions.exists()


def test_account_service_refuses_flags_from_anyone_but_a_superuser(tree):
    hq = user_with_role("hq_admin", tree.corps)
    target = user_with_role("viewer", tree.station)
    target.is_superuser = True
    with pytest.raises(PermissionDenied):
        services.user_update(instance=target, actor=hq)
    target.refresh_from_db()
    assert not target.is_superuser


def test_account_admin_lists_only_accounts_with_grants_or_people_in_scope(tree, client):
    from tests.factories.people import make_person

    admin = user_with_role("unit_admin", tree.bat, "bat_admin")
    inside = user_with_role("viewer", tree.station, "inside_viewer")
    linked = make_user("linked_person")
    make_person(tree.station2, user=linked)
    outside = user_with_role("viewer", tree.station3, "outside_viewer")
    lonely = make_user("no_grant_anywhere")
    client.force_login(admin)
    response = client.get("/admin/auth/user/")
    assert response.status_code == 200
    shown = {u.username for u in response.context["cl"].result_list}
    assert {inside.username, linked.username, admin.username} <= shown
    assert outside.username not in shown and lonely.username not in shown
    assert client.get(f"/admin/auth/user/{outside.pk}/change/").status_code == 302  # as if missing
    assert client.get(f"/admin/auth/user/{outside.pk}/password/").status_code == 404


def test_unit_admin_renames_and_resets_the_password_of_an_account_in_scope(tree, client):
    admin = user_with_role("unit_admin", tree.bat)
    target = user_with_role("viewer", tree.station, "to_rename")
    client.force_login(admin)
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/",
        {"username": "to_rename", "first_name": "新名", "last_name": "", "email": "", "is_active": "on"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.first_name == "新名" and target.is_staff and not target.is_superuser
    response = client.post(
        f"/admin/auth/user/{target.pk}/password/",
        {"password1": "Another-pass-2026", "password2": "Another-pass-2026", "usable_password": "true"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Another-pass-2026")


def test_unit_admin_cannot_touch_a_superuser_or_an_account_granted_above_them(tree, client):
    admin = user_with_role("unit_admin", tree.bat)
    root = make_user("root_in_scope", is_superuser=True)
    grant(root, tree.station, "viewer")
    boss = user_with_role("viewer", tree.station, "boss")
    grant(boss, tree.det, "unit_admin")
    richer = user_with_role("secretary", tree.station, "richer")  # reads talk content
    client.force_login(admin)
    for target in (root, boss, richer):
        before = (target.first_name, target.password)
        response = client.post(
            f"/admin/auth/user/{target.pk}/change/",
            {"username": target.username, "first_name": "x", "last_name": "", "email": "", "is_active": "on"},
        )
        assert response.status_code == 403, target.username
        response = client.post(
            f"/admin/auth/user/{target.pk}/password/",
            {"password1": "Taken-over-2026", "password2": "Taken-over-2026", "usable_password": "true"},
        )
        assert response.status_code == 403, target.username
        target.refresh_from_db()
        assert (target.first_name, target.password) == before
        with pytest.raises(PermissionDenied):
            services.user_password_set(user=target, password="Taken-over-2026", actor=admin)


def test_only_superusers_add_or_delete_accounts(tree, client):
    admin = user_with_role("hq_admin", tree.corps)
    target = user_with_role("viewer", tree.station)
    client.force_login(admin)
    assert client.get("/admin/auth/user/add/").status_code == 403
    assert client.post(f"/admin/auth/user/{target.pk}/delete/", {"post": "yes"}).status_code == 403
    assert type(target).objects.filter(pk=target.pk).exists()


def test_view_only_account_page_does_not_show_the_password_hash(tree, client):
    secretary = user_with_role("secretary", tree.bat)  # access.view_grant, no change_grant
    target = user_with_role("viewer", tree.station)
    client.force_login(secretary)
    response = client.get(f"/admin/auth/user/{target.pk}/change/")
    assert response.status_code == 200
    assert target.password.split("$")[-1] not in response.content.decode()


# --- item 8: a grant's unit changes through the same rules, and its rows follow -----------------


def grant_post(grant_obj, **changes):
    data = {"unit": grant_obj.unit_id, "role": grant_obj.role_id}
    data.update(changes)
    return data


def test_changing_a_grants_unit_in_the_admin_moves_its_permission_rows(tree, client):
    admin = user_with_role("unit_admin", tree.bat)
    holder = user_with_role("viewer", tree.station)
    g = Grant.objects.get(user=holder)
    client.force_login(admin)
    response = client.post(f"/admin/access/grant/{g.pk}/change/", grant_post(g, unit=tree.station2.pk))
    assert response.status_code == 302
    assert rows(holder, tree.station) == set()
    assert rows(holder, tree.station2) == role_perms("viewer")
    client.post(f"/admin/access/grant/{g.pk}/delete/", {"post": "yes"})
    assert not UnitPermission.objects.filter(user=holder).exists()


def test_changing_a_grants_unit_outside_the_actors_scope_is_refused(tree, client):
    admin = user_with_role("unit_admin", tree.bat)
    holder = user_with_role("viewer", tree.station)
    g = Grant.objects.get(user=holder)
    g.unit = tree.station3
    with pytest.raises(PermissionDenied):
        services.grant_update(instance=g, actor=admin)
    assert Grant.objects.get(pk=g.pk).unit == tree.station
    assert rows(holder, tree.station) == role_perms("viewer")


def test_changing_a_grants_role_to_one_above_the_actor_is_refused(tree, client):
    admin = user_with_role("unit_admin", tree.bat)
    holder = user_with_role("viewer", tree.station)
    g = Grant.objects.get(user=holder)
    client.force_login(admin)
    secretary = Role.objects.get(code="secretary")
    response = client.post(f"/admin/access/grant/{g.pk}/change/", grant_post(g, role=secretary.pk))
    assert response.status_code == 200
    assert "超出您自身权限" in response.content.decode()
    assert Grant.objects.get(pk=g.pk).role.code == "viewer"
    assert rows(holder, tree.station) == role_perms("viewer")


def test_moving_a_grant_to_a_unit_where_the_actor_lacks_the_roles_permissions_is_refused(tree):
    """Item 8 itself: the unit changed, so the no-escalation check runs on the new unit."""
    actor = user_with_role("hq_admin", tree.station)  # HQ rights on the station only,
    grant(actor, tree.bat, "unit_admin")  # unit administration on the battalion
    holder = user_with_role("viewer", tree.station)
    g = Grant.objects.get(user=holder)
    g.role = Role.objects.get(code="hq_admin")  # on the station it is theirs to give
    services.grant_update(instance=g, actor=actor)
    g = Grant.objects.get(pk=g.pk)
    g.unit = tree.station2  # there they hold no personal-data permission
    with pytest.raises(ValidationError):
        services.grant_update(instance=g, actor=actor)
    assert Grant.objects.get(pk=g.pk).unit == tree.station
    assert rows(holder, tree.station) == role_perms("hq_admin") and rows(holder, tree.station2) == set()


def test_a_unit_admin_cannot_withdraw_a_grant_above_their_own(tree):
    admin = user_with_role("unit_admin", tree.bat)
    secretary_grant = Grant.objects.get(user=user_with_role("secretary", tree.station))
    with pytest.raises(PermissionDenied):
        services.grant_revoke(grant=secretary_grant, actor=admin)
    assert Grant.objects.filter(pk=secretary_grant.pk).exists()


def test_a_grant_change_is_in_its_history_with_the_actor(tree):
    admin = user_with_role("unit_admin", tree.bat)
    g = Grant.objects.get(user=user_with_role("viewer", tree.station))
    g.unit = tree.station2
    services.grant_update(instance=g, actor=admin)
    latest = Grant.objects.get(pk=g.pk).history.first()
    assert latest.history_user == admin and latest.unit_id == tree.station2.pk


def test_a_duplicate_grant_is_a_400_in_the_api(tree, api):
    admin = user_with_role("unit_admin", tree.bat)
    holder = user_with_role("viewer", tree.station)
    response = api(admin).post(
        "/api/grants/", {"user": holder.username, "unit": tree.station.pk, "role": "viewer"}, format="json"
    )
    assert response.status_code == 400
    assert Grant.objects.filter(user=holder).count() == 1


# --- item 14: the grant change page for view-only users --------------------------------------


def test_a_view_only_user_opens_a_grant_change_page(tree, client):
    secretary = user_with_role("secretary", tree.bat)  # access.view_grant only
    g = Grant.objects.get(user=user_with_role("viewer", tree.station, "seen_viewer"))
    client.force_login(secretary)
    response = client.get(f"/admin/access/grant/{g.pk}/change/")
    assert response.status_code == 200
    assert "seen_viewer" in response.content.decode()
    response = client.post(
        f"/admin/access/grant/{g.pk}/change/", {"unit": tree.station2.pk, "role": g.role_id}
    )
    assert response.status_code == 403
    assert Grant.objects.get(pk=g.pk).unit == tree.station


# --- one write path ----------------------------------------------------------------------------


def test_the_base_admin_and_viewset_write_grants_and_roles_through_the_access_services():
    from apps.core.writes import writes_for

    grants = writes_for(Grant)
    assert (grants.create, grants.update, grants.delete) == (
        services.grant_create,
        services.grant_update,
        services.grant_delete,
    )
    roles = writes_for(Role)
    assert (roles.create, roles.update, roles.delete) == (
        services.role_create,
        services.role_update,
        services.role_delete,
    )


def test_a_grant_made_through_the_api_names_its_granter_in_the_history(tree, api):
    admin = user_with_role("unit_admin", tree.bat)
    newcomer = make_user()
    response = api(admin).post(
        "/api/grants/", {"user": newcomer.username, "unit": tree.station.pk, "role": "viewer"}, format="json"
    )
    assert response.status_code == 201
    g = Grant.objects.get(user=newcomer)
    assert g.granted_by == admin and g.history.first().history_user == admin
    assert api(admin).delete(f"/api/grants/{g.pk}/").status_code == 204
    assert not UnitPermission.objects.filter(user=newcomer).exists()


def test_the_unit_page_keeps_an_existing_grant_rows_role_fixed(tree, client):
    """The unit page only adds and withdraws grants; the role is changed on the grant page."""
    client.force_login(user_with_role("unit_admin", tree.det))
    user_with_role("viewer", tree.station, "fixed_role")
    form = client.get(f"/admin/units/unit/{tree.station.pk}/change/").context["inline_admin_formsets"][0]
    existing = form.formset.forms[0]
    assert existing.fields["role"].disabled and existing.fields["username"].disabled


def count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/access/grant/"])
def test_the_account_and_grant_lists_cost_the_same_for_few_and_many_rows(tree, client, url):
    client.force_login(user_with_role("unit_admin", tree.bat))
    for _ in range(2):
        user_with_role("viewer", tree.station)
    few = count_queries(client, url)
    for _ in range(10):
        user_with_role("viewer", tree.station2)
    assert count_queries(client, url) == few


def test_no_role_carries_a_superuser_only_permission_even_when_a_superuser_asks(tree):

    root = make_user(is_superuser=True)
    viewer = Role.objects.get(code="viewer")
    with pytest.raises(ValidationError):
        services.role_permissions_set(role=viewer, permissions=[perm("access.change_role")], actor=root)
    assert not viewer.permissions.filter(codename="change_role").exists()


def test_seeding_strips_superuser_only_permissions_from_an_old_bundle_and_extends_new_defaults(tree):
    from apps.access.roles import seed_roles

    hq_role = Role.objects.get(code="hq_admin")
    hq_role.permissions.add(perm("access.change_role"), perm("talks.delete_talkrecord"))
    secretary = Role.objects.get(code="secretary")
    secretary.permissions.remove(perm("commendations.add_nomination"))
    holder = user_with_role("hq_admin", tree.station)
    seed_roles()
    assert not hq_role.permissions.filter(codename__in=["change_role", "delete_talkrecord"]).exists()
    assert not holder.has_perm("access.change_role", tree.station)
    assert not secretary.permissions.filter(codename="add_nomination").exists()  # admin edits kept
    seed_roles(extend=True)
    assert secretary.permissions.filter(codename="add_nomination").exists()


def test_a_grant_page_opened_by_one_user_leaves_nothing_on_the_next_users_add_page(tree, client):
    secretary = user_with_role("secretary", tree.bat)
    g = Grant.objects.get(user=user_with_role("viewer", tree.station, "first_opened"))
    client.force_login(user_with_role("unit_admin", tree.bat))
    assert client.get(f"/admin/access/grant/{g.pk}/change/").status_code == 200
    client.force_login(secretary)
    assert client.get(f"/admin/access/grant/{g.pk}/change/").status_code == 200
    client.force_login(user_with_role("unit_admin", tree.station3))
    html = client.get("/admin/access/grant/add/").content.decode()
    assert "first_opened" not in html
