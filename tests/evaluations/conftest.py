import pytest

from tests.factories.units import user_with_role


@pytest.fixture
def hq(tree):
    """An evaluator/publisher for the whole first corps."""
    return user_with_role("unit_admin", tree.corps)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
