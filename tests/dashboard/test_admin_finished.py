"""Issue 9 item 5, the admin looks finished: the Chinese site header, and every registered
changelist (searched when it has a search box) and add page renders for HQ and a station admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def changelists():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label.startswith(("axes", "authtoken")):
            continue
        yield model, model_admin


def test_site_header_is_chinese(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps, "hq_header"))
    body = client.get("/admin/").content.decode()
    assert "消防救援队伍党建工作平台" in body


@pytest.mark.parametrize("role,where", [("hq_admin", "corps"), ("unit_admin", "station")])
def test_every_changelist_renders_with_search_and_filters(tree, client, role, where):
    make_person(tree.station, name="测试人员")
    user = user_with_role(role, getattr(tree, where), f"{role}_review")
    client.force_login(user)
    failures = []
    for model, model_admin in changelists():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "测试"} if model_admin.search_fields else {})
        if response.status_code not in (200, 302, 403):
            failures.append((url, response.status_code))
        add = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
        response = client.get(add)
        if response.status_code not in (200, 302, 403):
            failures.append((add, response.status_code))
    assert failures == []
