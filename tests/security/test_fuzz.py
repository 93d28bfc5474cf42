"""Fuzzing every operation of the OpenAPI schema (schemathesis, in-process WSGI) as users at
two levels: no 5xx, and every JSON answer matches the schema. Reads and writes (POST, PUT,
PATCH, DELETE) alike, bounded to a few examples per operation so the file stays near a minute
and a half on two cores (``pytest -n 2``). Explicit bad input per write endpoint:
``test_bad_input.py``."""

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from orgportal.wsgi import application
from tests.factories.people import make_person
from tests.factories.units import user_with_role

RAW = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def _schema(*methods):
    """The schema, restricted to ``methods``, served in-process. Schemathesis's "coverage"
    phase (dozens of boundary cases per operation) is left out: with it the reads alone took
    75 s on two cores; examples from the schema plus generated cases stay within budget."""
    loaded = schemathesis.openapi.from_dict(RAW).include(method=list(methods))
    loaded.app = application
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


reads = _schema("GET")
writes = _schema("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def fuzz_tokens(tree, wsgi_keeps_the_test_connection):
    for unit in (tree.station, tree.station2, tree.station3):
        make_person(unit)
    users = [
        user_with_role("unit_admin", tree.station, "fuzz_station"),
        user_with_role("hq_admin", tree.corps, "fuzz_corps"),
    ]
    return [Token.objects.create(user=u).key for u in users]


# Operations whose answers do not yet match their declared schema (still fuzzed for 5xx).
# Remove an entry once its serializer/extend_schema is fixed; add none without a reason.
KNOWN_SCHEMA_DRIFT: set[str] = set()

FUZZ_SETTINGS = {
    "deadline": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": list(HealthCheck),
    "derandomize": True,
}


def _check(case, tokens):
    checks = [not_a_server_error]
    if case.operation.label not in KNOWN_SCHEMA_DRIFT:
        checks.append(response_schema_conformance)
    for token in tokens:
        response = case.call(headers={"Authorization": f"Token {token}"})
        case.validate_response(response, checks=checks)


@pytest.mark.django_db(transaction=False)
@reads.parametrize()
@settings(max_examples=3, **FUZZ_SETTINGS)
def test_reads_answer_without_server_errors_and_match_the_schema(case, fuzz_tokens):
    _check(case, fuzz_tokens)


@pytest.mark.django_db(transaction=False)
@writes.parametrize()
@settings(max_examples=5, **FUZZ_SETTINGS)
def test_writes_answer_without_server_errors_and_match_the_schema(case, fuzz_tokens):
    """Generated bodies, mostly invalid: a 4xx with messages, never a 5xx."""
    _check(case, fuzz_tokens)
