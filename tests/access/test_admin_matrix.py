"""The admin matrix of the permission-bearing admins: grants, accounts and roles.

For every default role, granted on a station and on a battalion, every add, change, delete
(and password) page is requested with GET and POST, on objects in scope and out of scope.
The expected outcome of each request is taken from the authority table
(``apps.access.authority.may``, itself pinned to a hand-written table in
``test_authority.py``):

* allowed → the page answers (200) or the write happens (302 and the row changed);
* in scope but not allowed → 403, nothing written;
* out of scope → exactly what the same request answers for an id that does not exist,
  nothing written (an administrator learns nothing about accounts and grants elsewhere).

Objects sit at three places (``tests/factories/units.build_tree``)::

    det ── bat ── station ── squad   station grant: in scope {station, squad}
            └──── station2           battalion grant: in scope {bat, station, station2, squad}
    det2 ── bat2 ── station3         outside for both
"""

import pytest

from apps.access.authority import may
from apps.access.models import Grant, Role
from apps.access.roles import DEFAULT_ROLES
from tests.factories.units import grant, make_user, user_with_role

pytestmark = pytest.mark.django_db

ROLES = list(DEFAULT_ROLES)
LEVELS = {"station": "station", "battalion": "bat"}
TARGETS = ("station", "station2", "station3")
MISSING = 987654321


def holds_viewer(user, unit) -> bool:
    """The matrix grants and edits viewer grants: the actor must hold the viewer's permissions."""
    viewer = Role.objects.get(code="viewer")
    return all(
        user.has_perm(f"{p.content_type.app_label}.{p.codename}", unit)
        for p in viewer.permissions.select_related("content_type")
    )


def visible(user, perm: str, unit) -> bool:
    return user.has_perm(perm, unit)


def same_as_missing(client, method: str, url: str, missing_url: str, data=None):
    """The answer for an object out of scope, and for one that does not exist."""
    call = getattr(client, method)
    got = call(url, data or {}) if method == "post" else call(url)
    expected = call(missing_url, data or {}) if method == "post" else call(missing_url)
    assert got.status_code == expected.status_code, (url, got.status_code, expected.status_code)
    if got.status_code == 302:
        assert got["Location"] == expected["Location"], (url, got["Location"])
    return got


@pytest.fixture
def actors(tree):
    return {
        (role, level): user_with_role(role, getattr(tree, unit), f"am_{role}_{level}")
        for role in ROLES
        for level, unit in LEVELS.items()
    }


def in_scope(level: str, target: str) -> bool:
    return target == "station" or (level == "battalion" and target == "station2")


# --- grants ------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("role", ROLES)
def test_grant_admin_pages_answer_what_the_authority_table_says(tree, client, actors, role, level):
    actor = actors[(role, level)]
    client.force_login(actor)
    viewer = Role.objects.get(code="viewer")
    can_list = actor.has_perm("access.view_grant") or actor.has_perm("access.change_grant")
    assert client.get("/admin/access/grant/").status_code == (200 if can_list else 403)
    may_add_somewhere = actor.has_perm("access.add_grant")
    assert client.get("/admin/access/grant/add/").status_code == (200 if may_add_somewhere else 403)

    for target in TARGETS:
        unit = getattr(tree, target)
        inside = in_scope(level, target)

        # add, POST: a viewer grant for a new account on the target unit
        newcomer = make_user()
        response = client.post(
            "/admin/access/grant/add/", {"username": newcomer.username, "unit": unit.pk, "role": viewer.pk}
        )
        allowed = may(actor, "grant.create", unit) and holds_viewer(actor, unit)
        created = Grant.objects.filter(user=newcomer).exists()
        assert created == allowed, (role, level, target, "add", response.status_code)
        if not allowed:
            assert response.status_code in (200, 403), (role, level, target, response.status_code)

        # change, GET and POST (move it into the squad, in everyone's scope)
        g = grant(make_user(), unit, "viewer")
        url = f"/admin/access/grant/{g.pk}/change/"
        missing = f"/admin/access/grant/{MISSING}/change/"
        data = {"unit": tree.squad.pk, "role": viewer.pk}
        if inside:
            can_view = visible(actor, "access.view_grant", unit) or visible(
                actor, "access.change_grant", unit
            )
            assert client.get(url).status_code == (200 if can_view else 403), (role, level, target)
            response = client.post(url, data)
            allowed = (
                may(actor, "grant.change", unit)
                and may(actor, "grant.change", tree.squad)
                and holds_viewer(actor, unit)
                and holds_viewer(actor, tree.squad)
            )
            moved = Grant.objects.get(pk=g.pk).unit_id == tree.squad.pk
            assert moved == allowed, (role, level, target, "change", response.status_code)
            assert response.status_code == (302 if allowed else 403), (role, level, target, "change")
        else:
            same_as_missing(client, "get", url, missing)
            same_as_missing(client, "post", url, missing, data)
            assert Grant.objects.get(pk=g.pk).unit_id == unit.pk

        # delete, GET and POST
        g = grant(make_user(), unit, "viewer")
        url = f"/admin/access/grant/{g.pk}/delete/"
        missing = f"/admin/access/grant/{MISSING}/delete/"
        if inside:
            allowed = may(actor, "grant.revoke", unit) and holds_viewer(actor, unit)
            assert client.get(url).status_code == (200 if allowed else 403), (role, level, target)
            response = client.post(url, {"post": "yes"})
            gone = not Grant.objects.filter(pk=g.pk).exists()
            assert gone == allowed, (role, level, target, "delete", response.status_code)
            assert response.status_code == (302 if allowed else 403)
        else:
            same_as_missing(client, "get", url, missing)
            same_as_missing(client, "post", url, missing, {"post": "yes"})
            assert Grant.objects.filter(pk=g.pk).exists()


# --- accounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("role", ROLES)
def test_account_admin_pages_answer_what_the_authority_table_says(tree, client, actors, role, level):
    actor = actors[(role, level)]
    client.force_login(actor)
    can_list = actor.has_perm("access.view_grant") or actor.has_perm("access.change_grant")
    assert client.get("/admin/auth/user/").status_code == (200 if can_list else 403)
    for url in ("/admin/auth/user/add/",):  # accounts are created by superusers only
        assert client.get(url).status_code == 403
        assert (
            client.post(url, {"username": "made_here", "password1": "x", "password2": "x"}).status_code == 403
        )
    assert not type(actor).objects.filter(username="made_here").exists()

    for target in TARGETS:
        unit = getattr(tree, target)
        inside = in_scope(level, target)
        account = user_with_role("viewer", unit)
        before = (account.first_name, account.password, account.is_staff, account.is_superuser)
        change = f"/admin/auth/user/{account.pk}/change/"
        password = f"/admin/auth/user/{account.pk}/password/"
        delete = f"/admin/auth/user/{account.pk}/delete/"
        edit = {
            "username": account.username,
            "first_name": "改名",
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_superuser": "on",
        }
        new_password = {
            "password1": "Matrix-pass-2026",
            "password2": "Matrix-pass-2026",
            "usable_password": "true",
        }
        if inside:
            can_view = visible(actor, "access.view_grant", unit)
            allowed = may(actor, "user.manage", unit) and holds_viewer(actor, unit)
            assert client.get(change).status_code == (200 if can_view or allowed else 403), (
                role,
                level,
                target,
            )
            response = client.post(change, edit)
            assert response.status_code == (302 if allowed else 403), (role, level, target, "change")
            response = client.post(password, new_password)
            assert response.status_code == (302 if allowed else 403), (role, level, target, "password")
            account.refresh_from_db()
            assert (account.first_name == "改名") == allowed
            assert account.check_password("Matrix-pass-2026") == allowed
            assert not account.is_superuser
        else:
            missing = f"/admin/auth/user/{MISSING}"
            same_as_missing(client, "get", change, f"{missing}/change/")
            same_as_missing(client, "post", change, f"{missing}/change/", edit)
            same_as_missing(client, "get", password, f"{missing}/password/")
            same_as_missing(client, "post", password, f"{missing}/password/", new_password)
            account.refresh_from_db()
            assert (account.first_name, account.password, account.is_staff, account.is_superuser) == before
        assert client.get(delete).status_code in (302, 403)
        assert client.post(delete, {"post": "yes"}).status_code in (302, 403)
        assert type(account).objects.filter(pk=account.pk).exists()


# --- roles (global: no scope, superusers only) -------------------------------------------------


@pytest.mark.parametrize("level", list(LEVELS))
@pytest.mark.parametrize("role", ROLES)
def test_role_admin_pages_answer_what_the_authority_table_says(tree, client, actors, role, level):
    actor = actors[(role, level)]
    client.force_login(actor)
    assert not may(actor, "role.edit", getattr(tree, LEVELS[level]))
    viewer = Role.objects.get(code="viewer")
    before = set(viewer.permissions.values_list("pk", flat=True))
    can_read = actor.has_perm("access.view_role")
    assert client.get("/admin/access/role/").status_code == (200 if can_read else 403)
    assert client.get(f"/admin/access/role/{viewer.pk}/change/").status_code == (200 if can_read else 403)
    assert client.get("/admin/access/role/add/").status_code == 403
    assert client.post("/admin/access/role/add/", {"code": "mine", "name": "我的角色"}).status_code == 403
    response = client.post(
        f"/admin/access/role/{viewer.pk}/change/",
        {"code": viewer.code, "name": "改过", "permissions": list(before)},
    )
    assert response.status_code == 403
    assert client.get(f"/admin/access/role/{viewer.pk}/delete/").status_code == 403
    assert client.post(f"/admin/access/role/{viewer.pk}/delete/", {"post": "yes"}).status_code == 403
    viewer.refresh_from_db()
    assert viewer.name != "改过" and set(viewer.permissions.values_list("pk", flat=True)) == before
    assert not Role.objects.filter(code="mine").exists()


def test_a_superuser_adds_edits_and_deletes_a_role_and_cannot_delete_one_still_held(tree, client):
    client.force_login(make_user("matrix_root", is_superuser=True))
    response = client.post("/admin/access/role/add/", {"code": "temp", "name": "临时角色", "description": ""})
    assert response.status_code == 302
    temp = Role.objects.get(code="temp")
    response = client.post(f"/admin/access/role/{temp.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Role.objects.filter(code="temp").exists()
    viewer = Role.objects.get(code="viewer")
    user_with_role("viewer", tree.station)
    response = client.post(f"/admin/access/role/{viewer.pk}/delete/", {"post": "yes"})
    assert Role.objects.filter(pk=viewer.pk).exists()
    assert response.status_code in (200, 302)
