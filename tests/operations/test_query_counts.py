"""Every list and read-side endpoint takes the same number of queries for a small and a
large operation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .helpers import populate
from .test_permissions import ENDPOINTS

pytestmark = pytest.mark.django_db


def _counts(client, urls):
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[url] = len(queries)
    return counts


def test_lists_and_boards_take_constant_queries(ops, active, api):
    client = api(ops.secretary)
    urls = [f"/api/{prefix}/" for prefix, _model in ENDPOINTS] + [
        f"/api/operations/{active.pk}/{suffix}"
        for suffix in ("board/", "care-matrix/", "unvisited/", "missing-reports/", "summary/")
    ]
    populate(ops, active, scale=1, seed=1)
    _counts(client, urls)  # warm the per-process caches (content types, permissions)
    small = _counts(client, urls)
    populate(ops, active, scale=3, seed=2)
    large = _counts(client, urls)
    assert small == large


def test_what_a_station_must_report_takes_constant_queries(ops, active, api):
    client = api(ops.station_staff)
    _counts(client, ["/api/operations/to-report/"])
    small = _counts(client, ["/api/operations/to-report/"])
    populate(ops, active, scale=2, seed=3)
    assert _counts(client, ["/api/operations/to-report/"]) == small


def test_admin_changelists_take_constant_queries(ops, active, client):
    from .test_permissions import ADMIN_MODELS, MODEL_BACKEND

    client.force_login(ops.admin, backend=MODEL_BACKEND)
    urls = [f"/admin/operations/{m._meta.model_name}/" for m in ADMIN_MODELS]
    populate(ops, active, scale=1, seed=4)
    _counts(client, urls)
    small = _counts(client, urls)
    populate(ops, active, scale=3, seed=5)
    assert _counts(client, urls) == small
