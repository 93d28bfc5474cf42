"""API lists count only when the list ends on the page or the client asks (``count=exact``);
an asked count is exact up to a cap, then says it is not exact."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.api import pagination
from apps.units.models import Unit

pytestmark = pytest.mark.django_db


def test_small_lists_have_an_exact_count(tree, api):
    from tests.factories.units import make_user

    root = make_user("rootcount", is_superuser=True)
    body = api(root).get("/api/units/").json()
    assert body["count"] == Unit.objects.count()
    assert body["count_is_exact"] is True


def _counts(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_a_list_longer_than_the_page_is_not_counted_unless_asked(tree, api):
    from tests.factories.units import make_user

    root = make_user("rootlazy", is_superuser=True)
    total = Unit.objects.count()
    assert total > 3
    client = api(root)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/units/?page_size=2").json()
    assert not _counts(queries)
    assert (body["count"], body["count_is_exact"]) == (3, False)  # at least: this page and one more
    assert body["next"].endswith("page=2&page_size=2") or "page=2" in body["next"]
    assert body["previous"] is None
    second = client.get(body["next"]).json()
    assert second["previous"] and "page=" not in second["previous"]
    with CaptureQueriesContext(connection) as queries:
        asked = client.get("/api/units/?page_size=2&count=exact").json()
    assert len(_counts(queries)) == 1
    assert (asked["count"], asked["count_is_exact"]) == (total, True)
    assert "count=exact" in asked["next"]
    last_number = -(-total // 2)
    last = client.get(f"/api/units/?page_size=2&page={last_number}").json()
    assert (last["count"], last["count_is_exact"], last["next"]) == (total, True, None)
    assert client.get("/api/units/?page_size=2&page=last").json()["count"] == total


def test_pages_past_the_end_and_bad_parameters_are_refused(tree, api):
    from tests.factories.units import make_user

    client = api(make_user("rootbad", is_superuser=True))
    past = -(-Unit.objects.count() // 2) + 1
    for page in (past, 0, "abc"):
        response = client.get(f"/api/units/?page_size=2&page={page}")
        assert response.status_code == 404, page
        assert response.json()["detail"]
    wrong = client.get("/api/units/?count=all")
    assert wrong.status_code == 400
    assert "exact" in wrong.json()["count"][0]


def test_counts_stop_at_the_cap(tree, api, monkeypatch):
    from tests.factories.units import make_user

    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    root = make_user("rootcap", is_superuser=True)
    client = api(root)
    body = client.get("/api/units/?page_size=2&count=exact").json()
    assert Unit.objects.count() > 3
    assert body["count"] == 3
    assert body["count_is_exact"] is False
    assert client.get("/api/units/?page_size=2&page=2&count=exact").json()["next"] is None
    uncounted = client.get("/api/units/?page_size=2&page=2").json()
    assert uncounted["next"] is None and uncounted["count_is_exact"] is False
    assert client.get("/api/units/?page_size=2&page=3").status_code == 404


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
    page = [q["sql"] for q in queries if "LIMIT 3" in q["sql"] and "commendations_nomination" in q["sql"]]
    assert page and page[0].rstrip().split("ORDER BY")[-1].split("LIMIT")[0].strip().endswith('"id" DESC')
