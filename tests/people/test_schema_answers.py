"""The real answers of the person history, account and unit-move endpoints are the ones the
schema declares (schemathesis's generated ids rarely name an existing row, so the success
answers are checked here on rows that exist)."""

import datetime
import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from schemathesis.core.transport import Response

from apps.people import services as people_services
from apps.units import services as unit_services
from orgportal.wsgi import application
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # as Django's test client does: keep the connection that holds the test's transaction
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def call(schema, method, path, token, status, **parts):
    if "body" in parts:
        parts["media_type"] = "application/json"
    case = schema[path][method].Case(**parts)
    headers = {"Authorization": f"Token {token}"}
    response = Response.from_any(case.call(headers=headers))
    assert response.status_code == status, response.text[:300]
    schema[path][method].validate_response(response)
    return json.loads(response.text)


def test_person_history_account_and_unit_moves_answer_as_declared(tree, schema):
    admin = user_with_role("hq_admin", tree.corps)
    token = Token.objects.create(user=admin).key
    person = make_person(tree.station)
    people_services.person_transfer(person=person, to_unit=tree.station2, on=datetime.date(2024, 1, 1))
    people_services.person_join_organisation(
        person=person, organisation=make_org(tree.station2, "branch"), on=datetime.date(2024, 2, 1)
    )
    ids = {"id": person.pk}

    history = call(schema, "GET", "/api/people/{id}/history/", token, 200, path_parameters=ids)
    assert len(history["units"]) == 2 and len(history["party"]) == 1 and history["status"] == []

    created = call(
        schema,
        "POST",
        "/api/people/{id}/account/",
        token,
        201,
        path_parameters=ids,
        body={"username": "p_schema"},
    )
    assert created["password"]
    call(schema, "POST", "/api/people/{id}/account/reset-password/", token, 200, path_parameters=ids, body={})
    call(schema, "POST", "/api/people/{id}/account/deactivate/", token, 200, path_parameters=ids)
    refused = call(
        schema,
        "POST",
        "/api/people/{id}/account/",
        token,
        400,
        path_parameters=ids,
        body={"username": "p_again"},
    )
    assert refused == {"account": ["该人员已有登录账号。"]}

    unit_services.unit_move(unit=tree.bat, new_parent=tree.det2, actor=admin)
    moves = call(schema, "GET", "/api/units/{id}/moves/", token, 200, path_parameters={"id": tree.bat.pk})
    assert moves["count"] == 1
