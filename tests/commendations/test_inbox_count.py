"""The inbox count in the admin header: the same number as the inbox, and no count over the
nominations for a user who reviews and approves nowhere and stands in for nobody."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.context import inbox_count
from apps.commendations.models import Delegation
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _header_count(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return int(str(inbox_count(request)["inbox_count"]))  # as the template shows it


@pytest.fixture
def waiting(tree, crew):
    """One nomination waiting at the detachment, one waiting for the station's review."""
    advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)
    second = make_nomination(tree.station, crew.drafter, make_person(tree.station))
    services.nomination_submit(nomination=second, actor=crew.drafter)
    return tree


def test_an_approver_sees_the_inbox_count(waiting, crew):
    assert services.inbox(crew.det).count() == 1
    assert _header_count(crew.det) == 1


def test_a_reviewer_sees_what_waits_for_review(waiting, crew):
    assert services.inbox(crew.reviewer).count() == 1
    assert _header_count(crew.reviewer) == 1


def test_a_deputy_standing_in_today_sees_the_delegated_count(waiting, crew):
    deputy = user_with_role("viewer", waiting.det, "inbox_deputy")
    assert _header_count(deputy) == 0
    Delegation.objects.create(approver=crew.det, deputy=deputy, starts_on=TODAY, ends_on=TODAY)
    assert services.inbox(deputy).count() == 1
    assert _header_count(deputy) == 1


def test_a_user_who_decides_nothing_costs_no_count_over_the_nominations(waiting):
    viewer = user_with_role("viewer", waiting.corps, "inbox_viewer")
    with CaptureQueriesContext(connection) as ctx:
        assert _header_count(viewer) == 0
    assert not [q for q in ctx.captured_queries if "commendations_nomination" in q["sql"]]
    assert services.inbox(viewer).count() == 0
