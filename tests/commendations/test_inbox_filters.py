"""The inbox honours the filters it documents (issue 16 item 16)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/commendations/nominations/inbox/"


@pytest.fixture
def waiting(tree, crew):
    drafter2 = user_with_role("unit_admin", tree.station2, "f_drafter2")
    reviewer2 = user_with_role("secretary", tree.station2, "f_reviewer2")
    return {
        "praise": advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer),
        "last_year": advance(
            make_nomination(tree.station, crew.drafter, make_person(tree.station), year=2025), crew.reviewer
        ),
        "commendation": advance(
            make_nomination(tree.station, crew.drafter, make_person(tree.station), award="commendation"),
            crew.reviewer,
        ),
        "station2": advance(make_nomination(tree.station2, drafter2, make_person(tree.station2)), reviewer2),
    }


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_the_inbox_filters_by_award_kind_year_and_unit(tree, crew, api, waiting):
    client = api(crew.bat)
    everything = {n.pk for n in waiting.values()}
    assert ids(client.get(URL)) == everything
    assert ids(client.get(URL, {"award_kind": kind("commendation").pk})) == {waiting["commendation"].pk}
    assert ids(client.get(URL, {"year": 2025})) == {waiting["last_year"].pk}
    assert ids(client.get(URL, {"unit": tree.station2.pk})) == {waiting["station2"].pk}
    assert ids(client.get(URL, {"status": "submitted"})) == set()


def test_the_inbox_searches_by_name(tree, crew, api, waiting):
    assert ids(api(crew.bat).get(URL, {"search": "李英雄"})) == {waiting["praise"].pk}


def test_the_inbox_schema_documents_the_filters(tree, crew, api):
    schema = api(crew.bat).get("/api/schema/", {"format": "json"}).json()
    params = {
        p["name"] for p in schema["paths"]["/api/commendations/nominations/inbox/"]["get"]["parameters"]
    }
    assert {"award_kind", "year", "unit", "status"} <= params


def test_the_filtered_inbox_runs_a_constant_number_of_queries(tree, crew, api, waiting):
    client = api(crew.bat)
    client.get(URL, {"year": 2026})
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"year": 2026})
    for _ in range(4):
        advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    with CaptureQueriesContext(connection) as many:
        assert len(ids(client.get(URL, {"year": 2026}))) == 7
    assert len(many) == len(few)
