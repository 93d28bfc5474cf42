"""The matrices' shared world: one user per role at a station and at a battalion."""

from types import SimpleNamespace

import pytest

from apps.access.models import Role
from tests.factories.units import make_user, user_with_role

from .test_matrix import ROLES


@pytest.fixture
def world(tree):
    ctx = SimpleNamespace(tree=tree, root_user=make_user("matrix_root", is_superuser=True))
    ctx.users = {role: user_with_role(role, tree.station, f"m_{role}") for role in ROLES}
    ctx.level_users = {
        "station": ctx.users,
        "battalion": {role: user_with_role(role, tree.bat, f"m2_{role}") for role in ROLES},
    }
    ctx.views = {
        role: {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Role.objects.get(code=role).permissions.select_related("content_type")
        }
        for role in ROLES
    }
    return ctx


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the connection that
    holds the test's transaction (schemathesis calls the WSGI application directly)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
