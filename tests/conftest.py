"""Shared fixtures. Tests run against whatever DATABASE_URL names (PostgreSQL on CI).

Celery runs eagerly in tests, except those marked ``celery_worker``, which start a real
worker against ``REDIS_URL`` themselves (see tests/reliability).
"""

import pytest
from rest_framework.test import APIClient

from orgportal.celery import app as celery_app
from tests.factories.units import build_tree, user_with_role


@pytest.fixture(autouse=True)
def _eager_celery(request):
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _no_axes_lockouts(settings):
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Test users are made by the hundred; PBKDF2's deliberate slowness only costs CI time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _permission_names_known(request):
    """The scoping layer names permission ids from a map it reads once per process
    (``apps.core.scoping.permission_names``); reading it inside a test would add one query
    to whichever test happened to run first, so it is read before the test."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            from apps.core.scoping import permission_names

            request.getfixturevalue(name)
            permission_names()
            break
    yield


@pytest.fixture
def tree(db):
    return build_tree()


@pytest.fixture
def make_user_with_role(db):
    return user_with_role


@pytest.fixture
def api():
    """``api(user)`` returns an APIClient authenticated as ``user``."""

    def client_for(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
