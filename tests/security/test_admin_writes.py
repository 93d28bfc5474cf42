"""The admin write matrix (issue 16): every scoped admin's add, change, delete, history and
action pages, GET and POST, for every role, in scope and out of scope.

Outcomes come from the role table (``apps/access/roles.py``, read back from the database as
``world.views``): a page that needs a permission the role lacks answers 403 and writes
nothing; an object outside the user's subtree answers exactly what a missing id answers
(no 403, no "exists but not yours"); nothing answers 500.
"""

import pytest
from django.contrib import admin

from apps.core.admin import ScopedAdminMixin

from .objects import FACTORIES
from .test_matrix import ROLES, place, snapshot

pytestmark = pytest.mark.django_db
MISSING_PK = 987654321


def scoped_admins():
    return sorted(
        (
            (m, a)
            for m, a in admin.site._registry.items()
            if isinstance(a, ScopedAdminMixin) and m._meta.label_lower in FACTORIES
        ),
        key=lambda pair: pair[0]._meta.label_lower,
    )


def form_data(response) -> dict:
    """What the browser would post back unchanged: the change form's current values and
    its inline formsets' management and row fields."""
    data = {}
    adminform = response.context["adminform"]
    _bound_values(adminform.form, data)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for field in formset.management_form:
            data[field.html_name] = field.value()
        for form in formset.forms:
            _bound_values(form, data)
    return data


def _bound_values(form, data: dict) -> None:
    for bound in form:
        value = bound.value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = str(value)


def _url(model, suffix: str) -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def _perm(world, role, model, action) -> bool:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}" in world.views[role]


@pytest.mark.parametrize(
    "model,model_admin", scoped_admins(), ids=[m._meta.label_lower for m, _ in scoped_admins()]
)
def test_admin_pages_answer_by_the_role_table_and_hide_what_is_outside(model, model_admin, world, client):
    objects = place(world, model, ("station", "bat", "station2"))
    client.force_login(world.root_user)
    change_page = client.get(_url(model, f"{objects['station'].pk}/change/"))
    template = (
        form_data(change_page)
        if change_page.status_code == 200 and "adminform" in change_page.context
        else None
    )

    for role in ROLES:
        client.force_login(world.users[role])
        missing = {
            page: client.get(_url(model, f"{MISSING_PK}/{page}/")) for page in ("change", "history", "delete")
        }

        # GET: outside looks exactly like missing
        for where in ("bat", "station2"):
            pk = objects[where].pk
            for page, answer in missing.items():
                response = client.get(_url(model, f"{pk}/{page}/"))
                assert response.status_code == answer.status_code, (role, where, page, response.status_code)
                assert response.status_code in (302, 403, 404), (role, where, page, response.status_code)
                if response.status_code == 302:
                    assert response["Location"] == answer["Location"], (role, where, page)

        # GET add: allowed exactly by the role's add permission (or refused by the admin's own rule)
        add = client.get(_url(model, "add/"))
        assert add.status_code < 500, (role, "add", add.status_code)
        if not _perm(world, role, model, "add"):
            assert add.status_code == 403, (role, "add page without the add permission", add.status_code)

        # POST on outside objects: nothing written, nothing said about them
        for where in ("bat", "station2"):
            obj = objects[where]
            before = snapshot(obj)
            if template is not None:
                response = client.post(_url(model, f"{obj.pk}/change/"), template)
                assert response.status_code in (302, 403, 404), (
                    role,
                    where,
                    "POST change",
                    response.status_code,
                )
            response = client.post(_url(model, f"{obj.pk}/delete/"), {"post": "yes"})
            assert response.status_code in (302, 403, 404), (role, where, "POST delete", response.status_code)
            for action in model_admin.get_actions(_request_as(world.users[role])):
                response = client.post(
                    _url(model, ""), {"action": action, "_selected_action": [obj.pk], "post": "yes"}
                )
                assert response.status_code < 500, (role, where, action, response.status_code)
            assert snapshot(obj) == before, (role, where, "an outside object was changed")

        # POST on the role's own object without the permission: 403, nothing written
        mine = objects["station"]
        before = snapshot(mine)
        if template is not None and not _perm(world, role, model, "change"):
            response = client.post(_url(model, f"{mine.pk}/change/"), template)
            assert response.status_code == 403, (role, "POST change without permission", response.status_code)
        if not _perm(world, role, model, "delete"):
            response = client.post(_url(model, f"{mine.pk}/delete/"), {"post": "yes"})
            assert response.status_code == 403, (role, "POST delete without permission", response.status_code)
        if not (_perm(world, role, model, "change") or _perm(world, role, model, "delete")):
            assert snapshot(mine) == before, (role, "a refused write changed the row")


def _request_as(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request
