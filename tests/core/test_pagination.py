"""API lists count exactly up to a cap, then say the count is not exact."""

import pytest

from apps.core.api import pagination
from apps.units.models import Unit

pytestmark = pytest.mark.django_db


def test_small_lists_have_an_exact_count(tree, api):
    from tests.factories.units import make_user

    root = make_user("rootcount", is_superuser=True)
    body = api(root).get("/api/units/").json()
    assert body["count"] == Unit.objects.count()
    assert body["count_is_exact"] is True


def test_counts_stop_at_the_cap(tree, api, monkeypatch):
    from tests.factories.units import make_user

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    root = make_user("rootcap", is_superuser=True)
    body = api(root).get("/api/units/?page_size=2").json()
    assert Unit.objects.count() > 3
    assert body["count"] == 3
    assert body["count_is_exact"] is False
    last = api(root).get("/api/units/?page_size=2&page=2").json()
    assert last["next"] is None


def test_every_ordering_ends_with_the_primary_key():
    """Rows with equal sort keys (nominations created in the same second) must keep one order
    from page to page, or PostgreSQL's top-N sort may repeat one row and skip another."""
    from apps.commendations.models import Nomination
    from apps.talks.models import TalkRecord

    assert pagination.with_total_order(Nomination.objects.all()).query.order_by == ("-created_at", "-pk")
    assert pagination.with_total_order(Unit.objects.order_by("path")).query.order_by == ("path", "pk")
    already = TalkRecord.objects.all()  # Meta ordering ends with -id
    assert pagination.with_total_order(already) is already
    assert pagination.with_total_order(Unit.objects.order_by()).query.order_by == ("-pk",)


def test_the_api_page_query_is_totally_ordered(tree, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories.commendations import make_nomination
    from tests.factories.people import make_person
    from tests.factories.units import make_user

    root = make_user("rootorder", is_superuser=True)
    for _ in range(3):
        make_nomination(tree.station, root, make_person(tree.station))
    with CaptureQueriesContext(connection) as queries:
        api(root).get("/api/commendations/nominations/?page_size=2")
    page = [q["sql"] for q in queries if "LIMIT 2" in q["sql"] and "commendations_nomination" in q["sql"]]
    assert page and page[0].rstrip().split("ORDER BY")[-1].split("LIMIT")[0].strip().endswith('"id" DESC')
