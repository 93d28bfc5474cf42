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
