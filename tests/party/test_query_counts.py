"""Team-stint and position lists run a fixed number of queries, whatever the row count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.party.models import CampaignTeam, PartyPosition, TeamMembership
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date(2026, 1, 1)


def count_queries(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def add_stints(team, unit, count):
    for _ in range(count):
        person = make_person(unit)
        TeamMembership.objects.create(
            team=team, person=person, joined_on=D, left_on=D + datetime.timedelta(days=5)
        )
        TeamMembership.objects.create(team=team, person=person, joined_on=D + datetime.timedelta(days=10))


def test_team_stints_and_positions_lists_keep_a_constant_query_count(tree, api, client):
    branch = make_org(tree.station, "branch", name="甲站党支部")
    team = CampaignTeam.objects.create(
        name="突击队", kind="commando", organisation=branch, unit=tree.station, start_date=D
    )
    user = user_with_role("unit_admin", tree.bat)
    rest = api(user)
    client.force_login(user)
    add_stints(team, tree.station, 2)
    PartyPosition.objects.create(
        person=make_person(tree.station), organisation=branch, position="secretary", start_date=D
    )
    few = [
        count_queries(lambda: rest.get("/api/party/team-members/")),
        count_queries(lambda: rest.get("/api/party/positions/")),
        count_queries(lambda: rest.get("/api/party/teams/")),
    ]
    add_stints(team, tree.station, 10)
    for _ in range(8):
        PartyPosition.objects.create(
            person=make_person(tree.station), organisation=branch, position="committee_member", start_date=D
        )
    many = [
        count_queries(lambda: rest.get("/api/party/team-members/")),
        count_queries(lambda: rest.get("/api/party/positions/")),
        count_queries(lambda: rest.get("/api/party/teams/")),
    ]
    assert many == few
