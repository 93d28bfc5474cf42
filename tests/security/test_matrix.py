"""The permission matrix, generated from the code: every API endpoint in the router and every
model in the admin, for every role, against an object in scope (the role's station), in the
parent unit and in a sibling unit.

A new endpoint or admin model that is neither scoped (core base classes) nor listed below
as deliberately unscoped fails here, and so does a scoped model without a factory in
``tests/security/objects.py``.
"""

from types import SimpleNamespace

import pytest
from django.contrib import admin

from apps.access.models import Role
from apps.core.admin import ScopedAdminMixin
from apps.core.api.viewsets import ScopedViewSetMixin
from orgportal.urls import router
from tests.factories.units import make_user, user_with_role

from .objects import FACTORIES

pytestmark = pytest.mark.django_db

ROLES = ["hq_admin", "unit_admin", "secretary", "talker", "approver", "viewer"]

#: endpoints that are not unit-scoped, and why (each has its own tests)
UNSCOPED_ENDPOINTS = {
    "roles": "reference data: the grantable roles",
    "me": "the caller's own account and grants",
    "notifications": "recipient-owned (tests/notifications)",
    "commendations/award-kinds": "reference data",
    "commendations/delegations": "owned by the approving user",
    "reports/deliberation-lists": "reference data",
    "evaluations/schemes": "reference data",
}
#: admin models that are not unit-scoped, and why
UNSCOPED_ADMIN = {
    "auth.group": "superusers only (no role grants auth permissions)",
    "auth.user": "superusers only",
    "authtoken.tokenproxy": "superusers only",
    "axes.accessattempt": "superusers only",
    "axes.accesslog": "superusers only",
    "axes.accessfailurelog": "superusers only",
    "access.role": "reference data (HQ edits roles)",
    "notifications.notification": "recipient-owned",
    "commendations.awardkind": "reference data",
    "commendations.delegation": "owned by the approving user",
    "reports.deliberationlist": "reference data",
    "evaluations.scheme": "reference data",
    "evaluations.criterion": "reference data",
    "evaluations.gradeband": "reference data",
}
DENIED = {403, 404, 405}


def scoped_endpoints():
    return [
        (prefix, viewset) for prefix, viewset, _ in router.registry if issubclass(viewset, ScopedViewSetMixin)
    ]


def test_every_endpoint_is_scoped_or_deliberately_unscoped():
    unknown = [
        prefix
        for prefix, viewset, _ in router.registry
        if not issubclass(viewset, ScopedViewSetMixin) and prefix not in UNSCOPED_ENDPOINTS
    ]
    assert not unknown, f"endpoints neither scoped nor listed as unscoped: {unknown}"


def test_every_admin_model_is_scoped_or_deliberately_unscoped():
    unknown = [
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ScopedAdminMixin) and model._meta.label_lower not in UNSCOPED_ADMIN
    ]
    assert not unknown, f"admin models neither scoped nor listed as unscoped: {unknown}"


def test_every_scoped_model_has_a_factory():
    models = {viewset.queryset.model._meta.label_lower for _, viewset in scoped_endpoints()}
    models |= {
        m._meta.label_lower for m, a in admin.site._registry.items() if isinstance(a, ScopedAdminMixin)
    }
    missing = sorted(models - set(FACTORIES))
    assert not missing, f"register a factory in tests/security/objects.py for: {missing}"


@pytest.fixture
def world(tree):
    ctx = SimpleNamespace(tree=tree, root_user=make_user("matrix_root", is_superuser=True))
    ctx.users = {role: user_with_role(role, tree.station, f"m_{role}") for role in ROLES}
    ctx.views = {
        role: {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Role.objects.get(code=role).permissions.select_related("content_type")
        }
        for role in ROLES
    }
    return ctx


def place(ctx, model):
    factory = FACTORIES[model._meta.label_lower]
    return {
        where: factory(unit, ctx)
        for where, unit in (
            ("mine", ctx.tree.station),
            ("parent", ctx.tree.bat),
            ("sibling", ctx.tree.station2),
        )
    }


def ids_in(response):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row.get("id") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


@pytest.mark.parametrize("prefix,viewset", scoped_endpoints(), ids=[p for p, _ in scoped_endpoints()])
def test_api_endpoint_matrix(prefix, viewset, world, api):
    model = viewset.queryset.model
    objects = place(world, model)
    view_perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
    outside = [objects["parent"], objects["sibling"]]
    for role, user in world.users.items():
        client = api(user)
        can_view = view_perm in world.views[role]
        listing = client.get(f"/api/{prefix}/", {"page_size": 200})
        assert listing.status_code == (200 if can_view else 403), (role, listing.status_code)
        if can_view:
            seen = ids_in(listing)
            assert not seen & {o.pk for o in outside}, (
                f"{role} sees an object outside its station in /api/{prefix}/"
            )
            if model._meta.label_lower not in {"talks.talkcontentaccess"}:
                assert objects["mine"].pk in seen or listing.json()["count"] >= 0
        detail = client.get(f"/api/{prefix}/{objects['mine'].pk}/")
        assert detail.status_code in ({200} if can_view else {403}), (role, detail.status_code)
        for obj in outside:
            base = f"/api/{prefix}/{obj.pk}/"
            assert client.get(base).status_code in DENIED, (role, base)
            assert client.patch(base, {}, format="json").status_code in DENIED, (role, "PATCH", base)
            assert client.delete(base).status_code in DENIED, (role, "DELETE", base)
            assert model._default_manager.filter(pk=obj.pk).exists()
            for action in viewset.get_extra_actions():
                if not action.detail:
                    continue
                url = f"{base}{action.url_path}/"
                for method in action.mapping:
                    response = (
                        getattr(client, method)(url, {}, format="json")
                        if method != "get"
                        else client.get(url)
                    )
                    assert response.status_code in DENIED, (role, method, url, response.status_code)
        for action in viewset.get_extra_actions():
            if action.detail or "get" not in action.mapping:
                continue
            response = client.get(f"/api/{prefix}/{action.url_path}/")
            assert response.status_code < 500, (role, action.url_path)
            if response.status_code == 200 and response.get("Content-Type", "").startswith(
                "application/json"
            ):
                assert (
                    not ids_in(response) & {o.pk for o in outside} or model._meta.label_lower == "units.unit"
                )
        created = client.post(f"/api/{prefix}/", {}, format="json")
        assert 400 <= created.status_code < 500, (role, "POST {}", created.status_code)


def scoped_admins():
    return [(m, a) for m, a in admin.site._registry.items() if isinstance(a, ScopedAdminMixin)]


@pytest.mark.parametrize(
    "model,model_admin", scoped_admins(), ids=[m._meta.label_lower for m, _ in scoped_admins()]
)
def test_admin_matrix(model, model_admin, world, client):
    objects = place(world, model)
    info = model._meta.app_label, model._meta.model_name
    for role in ("unit_admin", "viewer", "secretary"):
        client.force_login(world.users[role])
        listing = client.get(f"/admin/{info[0]}/{info[1]}/")
        assert listing.status_code in (200, 302, 403), (role, listing.status_code)
        if listing.status_code == 200:
            shown = {obj.pk for obj in listing.context["cl"].result_list}
            assert not shown & {objects["parent"].pk, objects["sibling"].pk}, (role, model)
        for where in ("parent", "sibling"):
            pk = objects[where].pk
            for page in ("change", "history", "delete"):
                response = client.get(f"/admin/{info[0]}/{info[1]}/{pk}/{page}/")
                assert response.status_code in (302, 403, 404), (role, where, page, response.status_code)
                if response.status_code == 302:
                    assert f"/{pk}/" not in response["Location"]
