"""The permission matrix, generated from the code: every API endpoint in the router and every
model in the admin, for every role, at two grant levels, against objects in and out of scope.

Objects are placed in five units (``tests/factories/units.build_tree``)::

    det ── bat ── station        station grant: in scope {station};
     │      └──── station2        outside {bat, station2, det, station3}
    det2 ── bat2 ── station3     battalion grant: in scope {station, bat, station2};
                                  outside {det, station3}

Reads of outside objects answer 404 and they are absent from lists, counts and .xlsx
exports; writes on them are denied with nothing written. On the role's own object, PATCH and
DELETE succeed exactly when the role holds ``change_``/``delete_`` for the model, and are
otherwise 403 (405 where the endpoint offers no such method) with the row unchanged.

A new endpoint or admin model that is neither scoped (core base classes) nor listed below
as deliberately unscoped fails here, and so does a scoped model without a factory in
``tests/security/objects.py``.
"""

from io import BytesIO

import openpyxl
import pytest
from django.contrib import admin
from django.db import models

from apps.access.authority import may
from apps.core.admin import ScopedAdminMixin
from apps.core.api.viewsets import ScopedViewSetMixin
from apps.core.exports import XLSX_CONTENT_TYPE
from apps.core.scoping import scope_unit_of
from apps.units.models import Unit
from orgportal.urls import router
from tests.factories.units import make_unit

from .objects import FACTORIES

pytestmark = pytest.mark.django_db

ROLES = ["hq_admin", "unit_admin", "secretary", "talker", "approver", "viewer"]

#: endpoints that are not unit-scoped, and why (each has its own tests)
UNSCOPED_ENDPOINTS = {
    "roles": "reference data: the grantable roles",
    "me": "the caller's own account and grants",
    "notifications": "recipient-owned (tests/notifications)",
    "commendations/award-kinds": "global reference data (test_reference_data_matrix below)",
    "commendations/delegations": "owned by the approving user",
    "notification-preferences": "the caller's own notification choices",
    "reports/deliberation-lists": "global reference data (test_reference_data_matrix below)",
    "evaluations/schemes": "reference data",
    "evaluations/criteria": "reference data (the schemes' criteria)",
}
#: admin models that are not unit-scoped, and why
UNSCOPED_ADMIN = {
    "auth.group": "superusers only (no role grants auth permissions)",
    "auth.user": "scoped by grants (apps/access/admin.py ScopedUserAdmin; tests/access/test_admin_matrix.py)",
    "authtoken.tokenproxy": "superusers only",
    "axes.accessattempt": "superusers only",
    "axes.accesslog": "superusers only",
    "axes.accessfailurelog": "superusers only",
    "access.role": "global: superusers edit, access.view_role holders read (tests/access/test_admin_matrix.py)",
    "notifications.notification": "recipient-owned",
    "notifications.notificationpreference": "owned by the user it belongs to",
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


#: where the objects are placed (attribute names of the ``tree`` fixture)
PLACES = ("station", "bat", "station2", "det", "station3")
#: grant level → (places in scope, outside places whose objects are probed one by one: the
#: parent and a sibling). Lists, counts and exports are checked against every outside place.
LEVELS = {
    "station": ({"station"}, ("bat", "station2")),
    "battalion": ({"station", "bat", "station2"}, ("det", "station3")),
}
#: in scope and holding ``change_``, yet possibly refused (403) by a rule of the endpoint
CHANGE_RULES = {
    "talks/records": "only the talker or a reader of talk content edits a record",
}
#: in scope and holding ``change_``/``delete_``, yet decided by an authority rule of the table
#: (``apps/access/authority.py``): a capped unit does not set its own quota
AUTHORITY_WRITES = {"commendations/quotas": "quota.set", "reports/policies": "reporting_policy.manage"}
#: query parameters an export needs to produce rows
EXPORT_PARAMS = {
    ("evaluations/evaluations", "ranking-xlsx"): lambda obj: {"scheme": obj.scheme_id, "year": obj.year},
}


def place(ctx, model, places=PLACES):
    factory = FACTORIES[model._meta.label_lower]
    return {where: factory(getattr(ctx.tree, where), ctx) for where in places}


def ids_in(response):
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return {row.get("id") for row in rows if isinstance(row, dict)} if isinstance(rows, list) else set()


def snapshot(obj):
    """Every column and the number of history rows: what 'nothing changed' compares."""
    fresh = type(obj)._default_manager.filter(pk=obj.pk).first()
    if fresh is None:
        return None
    columns = {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}
    history = fresh.history.count() if hasattr(fresh, "history") else None
    return columns, history


def identifiers(obj) -> set[str]:
    """Strings an export row about ``obj`` would show: its own texts and its relations' names."""
    values = {str(obj)}
    for field in obj._meta.concrete_fields:
        if field.is_relation:
            target = getattr(obj, field.name, None)
            if target is not None:
                values.add(str(target))
        elif isinstance(field, models.CharField | models.TextField) and not field.choices:
            value = getattr(obj, field.attname)
            if isinstance(value, str) and value:
                values.add(value)
    return values


def xlsx_cells(response) -> set[str]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    workbook = openpyxl.load_workbook(BytesIO(content), read_only=True)
    return {
        str(cell)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    }


def offers(viewset, method: str) -> bool:
    """Does the endpoint route ``method`` on a detail URL at all (else 405)?"""
    handler = {"patch": "partial_update", "delete": "destroy"}[method]
    return method in viewset.http_method_names and hasattr(viewset, handler)


def check_reads(client, prefix, viewset, model, user, objects, inside, outside, can_view, role):
    """List, count, retrieve, list actions and exports: outside objects never show."""
    inside_pks = {objects[w].pk for w in inside}
    outside_pks = {objects[w].pk for w in outside}
    listing = client.get(f"/api/{prefix}/", {"page_size": 200})
    assert listing.status_code == (200 if can_view else 403), (role, listing.status_code)
    if can_view:
        seen = ids_in(listing)
        assert not seen & outside_pks, f"{role} sees an object outside its scope in /api/{prefix}/"
        assert inside_pks <= seen, (role, prefix, "an object in scope is missing from the list")
        visible = model._default_manager.visible_to(user, "view")
        assert not set(visible.values_list("pk", flat=True)) & outside_pks
        assert listing.json()["count"] == visible.count(), (role, prefix, "list count")
    for where in inside:
        detail = client.get(f"/api/{prefix}/{objects[where].pk}/")
        assert detail.status_code == (200 if can_view else 403), (role, where, detail.status_code)
    for action in viewset.get_extra_actions():
        if action.detail or "get" not in action.mapping:
            continue
        params = EXPORT_PARAMS.get((prefix, action.url_path), lambda obj: {})(objects["station"])
        response = client.get(f"/api/{prefix}/{action.url_path}/", params)
        assert response.status_code < 500, (role, action.url_path)
        if response.status_code != 200:
            continue
        content_type = response.get("Content-Type", "")
        if content_type.startswith("application/json"):
            assert not ids_in(response) & outside_pks or model._meta.label_lower == "units.unit"
        elif content_type.startswith(XLSX_CONTENT_TYPE):
            shown = set().union(*(identifiers(objects[w]) for w in inside))
            leaked = set().union(*(identifiers(objects[w]) for w in outside)) - shown
            found = leaked & xlsx_cells(response)
            assert not found, (role, f"/api/{prefix}/{action.url_path}/ exports outside rows", found)


def check_outside_writes(client, prefix, viewset, model, objects, outside, role):
    for where in outside:
        obj = objects[where]
        base = f"/api/{prefix}/{obj.pk}/"
        before = snapshot(obj)
        assert client.get(base).status_code in DENIED, (role, base)
        assert client.patch(base, {}, format="json").status_code in DENIED, (role, "PATCH", base)
        assert client.delete(base).status_code in DENIED, (role, "DELETE", base)
        for action in viewset.get_extra_actions():
            if not action.detail:
                continue
            url = f"{base}{action.url_path}/"
            for method in action.mapping:
                response = (
                    getattr(client, method)(url, {}, format="json") if method != "get" else client.get(url)
                )
                assert response.status_code in DENIED, (role, method, url, response.status_code)
        assert snapshot(obj) == before, (role, where, "an outside object was changed")


def check_own_writes(client, prefix, viewset, model, world, role, mine):
    """PATCH and DELETE on an object in the role's own station."""
    opts = model._meta
    for method, codename in (("patch", "change"), ("delete", "delete")):
        allowed = f"{opts.app_label}.{codename}_{opts.model_name}" in world.views[role]
        target = mine
        if allowed and method == "delete":  # a successful delete must not take the shared object
            squad = make_unit(Unit.objects.get(pk=world.tree.station.pk), "squad")
            target = FACTORIES[opts.label_lower](squad, world)
        if prefix in AUTHORITY_WRITES:
            allowed = allowed and may(world.users[role], AUTHORITY_WRITES[prefix], scope_unit_of(target))
        url = f"/api/{prefix}/{target.pk}/"
        before = snapshot(target)
        response = client.patch(url, {}, format="json") if method == "patch" else client.delete(url)
        status = response.status_code
        if not offers(viewset, method):
            assert status in (403, 405), (role, method, url, status)
        elif allowed:
            refused = {404, 405} if method == "patch" and prefix in CHANGE_RULES else {403, 404, 405}
            assert status not in refused and status < 500, (role, method, url, status)
        else:
            assert status == 403, (role, method, url, status, "expected 403: the role lacks the permission")
        if status >= 400:
            assert snapshot(target) == before, (role, method, url, "a refused write changed the row")


@pytest.mark.parametrize("prefix,viewset", scoped_endpoints(), ids=[p for p, _ in scoped_endpoints()])
def test_api_endpoint_matrix(prefix, viewset, world, api):
    model = viewset.queryset.model
    objects = place(world, model)
    view_perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
    for level, (inside, probed) in LEVELS.items():
        outside = set(PLACES) - inside
        for role, user in world.level_users[level].items():
            client = api(user)
            can_view = view_perm in world.views[role]
            check_reads(client, prefix, viewset, model, user, objects, inside, outside, can_view, role)
            check_outside_writes(client, prefix, viewset, model, objects, probed, (level, role))
            if level == "station":
                check_own_writes(client, prefix, viewset, model, world, role, objects["station"])
                created = client.post(f"/api/{prefix}/", {}, format="json")
                assert 400 <= created.status_code < 500, (role, "POST {}", created.status_code)


#: custom detail actions an authority rule decides on an object in the role's own station:
#: (prefix, url_path) → (rule, body for the role). Allowed by the table → 2xx, else 403 with the
#: object unchanged (outside objects: ``check_outside_writes``). Deactivating and resetting a
#: person's login, per role: tests/access/test_person_accounts.py.
AUTHORITY_ACTIONS = {
    ("people", "account"): ("user.manage", lambda role: {"username": f"matrix_login_{role}"}),
}


@pytest.mark.parametrize("prefix,url_path", list(AUTHORITY_ACTIONS))
def test_authority_actions_follow_the_table(prefix, url_path, world, api):
    rule, body = AUTHORITY_ACTIONS[(prefix, url_path)]
    model = dict((p, v) for p, v, _ in router.registry)[prefix].queryset.model
    for role, user in world.users.items():
        obj = FACTORIES[model._meta.label_lower](world.tree.station, world)
        before = snapshot(obj)
        response = api(user).post(f"/api/{prefix}/{obj.pk}/{url_path}/", body(role), format="json")
        if may(user, rule, scope_unit_of(obj)):
            assert 200 <= response.status_code < 300, (role, url_path, response.status_code)
        else:
            assert response.status_code == 403, (role, url_path, response.status_code)
            assert snapshot(obj) == before, (role, url_path, "a refused action changed the row")


def scoped_admins():
    return [(m, a) for m, a in admin.site._registry.items() if isinstance(a, ScopedAdminMixin)]


@pytest.mark.parametrize(
    "model,model_admin", scoped_admins(), ids=[m._meta.label_lower for m, _ in scoped_admins()]
)
def test_admin_matrix(model, model_admin, world, client):
    objects = place(world, model, ("station", "bat", "station2"))
    info = model._meta.app_label, model._meta.model_name
    for role in ROLES:
        client.force_login(world.users[role])
        listing = client.get(f"/admin/{info[0]}/{info[1]}/")
        assert listing.status_code in (200, 302, 403), (role, listing.status_code)
        if listing.status_code == 200:
            shown = {obj.pk for obj in listing.context["cl"].result_list}
            assert not shown & {objects["bat"].pk, objects["station2"].pk}, (role, model)
        for where in ("bat", "station2"):
            pk = objects[where].pk
            for page in ("change", "history", "delete"):
                response = client.get(f"/admin/{info[0]}/{info[1]}/{pk}/{page}/")
                assert response.status_code in (302, 403, 404), (role, where, page, response.status_code)
                if response.status_code == 302:
                    assert f"/{pk}/" not in response["Location"]


#: global reference data (not unit-scoped): prefix → (authority rule, a new object, a valid
#: create payload). Read by the holders of the model's view permission anywhere; written only
#: by the holders of the rule at the top of the tree (``may_everywhere``), through the services.
REFERENCE_DATA = {
    "commendations/award-kinds": (
        "award_kind.manage",
        lambda: _award_kind(),
        lambda: {"code": "matrix_new", "name": "新奖项", "approving_kind": "corps"},
    ),
    "reports/deliberation-lists": (
        "deliberation_list.manage",
        lambda: _deliberation_list(),
        lambda: {"code": "matrix_new", "name": "新清单", "unit_kinds": "station", "items": []},
    ),
    "evaluations/schemes": (
        "scheme.manage",
        lambda: _scheme(),
        lambda: {"code": "matrix-new", "name": "新方案", "subject_kind": "person", "period_kind": "year"},
    ),
    "evaluations/criteria": (
        "scheme.manage",
        lambda: _scheme().criteria.first(),
        lambda: {"scheme": _scheme_id("matrix-scheme"), "name": "新指标", "max_score": "10"},
    ),
}


def _scheme():
    from apps.evaluations.models import Scheme
    from tests.factories.evaluations import make_scheme

    return Scheme.objects.filter(code="matrix-scheme").first() or make_scheme(code="matrix-scheme")


def _scheme_id(code):
    from apps.evaluations.models import Scheme

    return Scheme.objects.get(code=code).pk


def _award_kind():
    from apps.commendations.models import AwardKind

    return AwardKind.objects.create(code="matrix_kind", name="矩阵奖项", approving_kind="corps")


def _deliberation_list():
    from apps.reports.models import DeliberationList

    return DeliberationList.objects.create(code="matrix_list", name="矩阵清单", unit_kinds="station")


@pytest.mark.parametrize("prefix", list(REFERENCE_DATA))
def test_reference_data_matrix(prefix, world, api):
    from tests.factories.units import user_with_role

    _rule, make, payload = REFERENCE_DATA[prefix]
    model = dict((p, v) for p, v, _ in router.registry)[prefix].queryset.model
    opts = model._meta
    obj = make()
    url = f"/api/{prefix}/{obj.pk}/"
    for level, users in world.level_users.items():
        for role, user in users.items():
            client = api(user)
            can_view = f"{opts.app_label}.view_{opts.model_name}" in world.views[role]
            listing = client.get(f"/api/{prefix}/")
            assert listing.status_code == (200 if can_view else 403), (level, role, listing.status_code)
            assert client.get(url).status_code == (200 if can_view else 403), (level, role)
            before, rows = snapshot(obj), model.objects.count()
            assert client.patch(url, {"name": "改名"}, format="json").status_code == 403, (level, role)
            assert client.delete(url).status_code == 403, (level, role)
            assert client.post(f"/api/{prefix}/", payload(), format="json").status_code == 403, (level, role)
            assert snapshot(obj) == before and model.objects.count() == rows, (level, role, "written")
    hq = api(user_with_role("hq_admin", world.tree.root))
    assert hq.patch(url, {"name": "改名"}, format="json").status_code == 200
    assert hq.post(f"/api/{prefix}/", payload(), format="json").status_code == 201
    assert hq.delete(url).status_code == 204
