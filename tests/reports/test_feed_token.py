"""The calendar feed token: opens the meetings .ics feeds of the user's scope and nothing else;
revocable, replaced when reissued, never the API token."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.reports.feeds import digest, feed_token_issue
from apps.reports.models import CalendarFeedToken, Meeting
from tests.factories.people import make_org
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
TOKEN_URL = "/reports/feed-token/"


@pytest.fixture
def feed(tree):
    soon = timezone.now() + datetime.timedelta(days=2)
    for unit in (tree.station, tree.station3):
        Meeting.objects.create(
            organisation=make_org(unit, "branch"), kind="micro_lesson", starts_at=soon, topic="学习"
        )
    return f"/reports/units/{tree.station.pk}/meetings.ics"


def test_a_user_issues_a_feed_token_and_subscribes_with_it(tree, feed, client, api):
    viewer = user_with_role("viewer", tree.station)
    response = api(viewer).post(TOKEN_URL)
    assert response.status_code == 201
    key = response.json()["token"]
    assert response.json()["feed_url"].endswith(f"/reports/units/{tree.station.pk}/meetings.ics?token={key}")
    assert not CalendarFeedToken.objects.filter(key_digest=key).exists()  # only the digest is stored
    assert CalendarFeedToken.objects.get(user=viewer).key_digest == digest(key)
    calendar = client.get(feed, {"token": key})
    assert calendar.status_code == 200 and calendar.content.decode().count("BEGIN:VEVENT") == 1
    assert api(viewer).get(TOKEN_URL).json()["exists"] is True
    assert CalendarFeedToken.objects.get(user=viewer).last_used_at is not None


def test_the_feed_token_keeps_the_users_scope(tree, feed, client):
    key = feed_token_issue(user=user_with_role("viewer", tree.station))
    assert client.get(f"/reports/units/{tree.station3.pk}/meetings.ics", {"token": key}).status_code == 404


def test_the_feed_token_does_not_open_the_api(tree, feed, client):
    key = feed_token_issue(user=user_with_role("unit_admin", tree.station))
    for url in ("/api/reports/meetings/", "/api/people/", f"/api/units/{tree.station.pk}/"):
        assert client.get(url, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401, url
        assert client.get(url, {"token": key}).status_code in (401, 403), url
    # nor the token's own management endpoint (it could otherwise mint itself a new one)
    assert client.post(TOKEN_URL, {"token": key}).status_code in (401, 403)
    assert client.get(TOKEN_URL, {"token": key}).status_code in (401, 403)


def test_the_api_token_in_the_url_is_refused_by_the_feed(tree, feed, client):
    token = Token.objects.create(user=user_with_role("viewer", tree.station))
    assert client.get(feed, {"token": token.key}).status_code == 401


def test_revoking_and_reissuing_stop_the_old_token(tree, feed, client, api):
    viewer = user_with_role("viewer", tree.station)
    first = api(viewer).post(TOKEN_URL).json()["token"]
    second = api(viewer).post(TOKEN_URL).json()["token"]
    assert first != second
    assert client.get(feed, {"token": first}).status_code == 401
    assert client.get(feed, {"token": second}).status_code == 200
    assert api(viewer).delete(TOKEN_URL).status_code == 204
    assert client.get(feed, {"token": second}).status_code == 401
    assert api(viewer).get(TOKEN_URL).json() == {"exists": False, "created_at": None, "last_used_at": None}


def test_an_inactive_users_feed_token_is_refused(tree, feed, client):
    viewer = user_with_role("viewer", tree.station)
    key = feed_token_issue(user=viewer)
    viewer.is_active = False
    viewer.save()
    assert client.get(feed, {"token": key}).status_code == 401


def test_managing_a_feed_token_needs_a_login_and_touches_only_ones_own(tree, client, api):
    assert client.post(TOKEN_URL).status_code in (401, 403)
    assert client.get(TOKEN_URL).status_code in (401, 403)
    owner = user_with_role("viewer", tree.station)
    key = feed_token_issue(user=owner)
    other = user_with_role("viewer", tree.station)
    assert api(other).delete(TOKEN_URL).status_code == 204
    assert CalendarFeedToken.objects.get(user=owner).key_digest == digest(key)


@pytest.mark.parametrize("junk", ["", "cal_", "cal_" + "x" * 200, "x" * 43, "cal_%00", "cal_' OR 1=1"])
def test_malformed_feed_tokens_are_401_not_500(tree, feed, client, junk):
    feed_token_issue(user=user_with_role("viewer", tree.station))
    response = client.get(feed, {"token": junk})
    assert response.status_code in (401, 403)
