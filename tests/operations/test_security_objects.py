"""The factories and payloads offered to the shared security matrices work: each factory
places its object in the given unit, and each payload is accepted by a superuser."""

import pytest
from django.contrib.auth import get_user_model

from apps.core.scoping import scope_unit_of

from .security_objects import OPERATIONS_FACTORIES, OPERATIONS_VALID_CREATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(ops):
    ops.root_user = get_user_model().objects.create_superuser("security_root", password="x")
    return ops


def test_each_factory_places_its_object_in_the_given_unit(ctx):
    for label, factory in OPERATIONS_FACTORIES.items():
        for unit in (ctx.tree.station, ctx.tree.bat):
            obj = factory(unit, ctx)
            assert scope_unit_of(obj).pk == unit.pk, label


def test_each_valid_payload_is_accepted(ctx, api):
    client = api(ctx.root_user)
    for prefix, build in OPERATIONS_VALID_CREATE.items():
        payload, _foreign_keys = build(ctx)
        response = client.post(f"/api/{prefix}/", payload, format="json")
        assert response.status_code == 201, (prefix, response.json())
