"""Fixtures of the core tests: the demo corps, loaded once per module."""

import pytest
from django.db import transaction

from apps.core.demo import demo_load


@pytest.fixture(scope="module")
def demo_corps(django_db_setup, django_db_blocker):
    """The demo corps, loaded once for a module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_load(seed=7)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo(demo_corps, db):
    return demo_corps
