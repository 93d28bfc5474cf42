"""Lists cost the same number of queries for few and many rows (the talk list, its admin
changelist with the warning and status columns, the access log, the who-can-read list)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def queries(fetch) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
        assert response.status_code == 200
    return len(captured)


def add_talks(cast, tree, n, reader=None):
    for _ in range(n):
        record = make_talk(make_person(tree.station), cast.talker, warning_signs="有退意")
        cast.committee_client.get(f"/api/talks/records/{record.pk}/")  # one read in the log each
        if reader is not None:
            cast.committee_client.post(
                f"/api/talks/records/{record.pk}/share/",
                {"reader": reader.username, "reason": "协助"},
                format="json",
            )


@pytest.fixture
def setup(cast, api, tree):
    cast.committee_client = api(cast.committee)
    return cast


def test_the_admin_changelist_costs_the_same_for_few_and_many_records(setup, tree, client):
    client.force_login(setup.committee)
    add_talks(setup, tree, 2)
    few = queries(lambda: client.get("/admin/talks/talkrecord/"))
    add_talks(setup, tree, 15)
    assert queries(lambda: client.get("/admin/talks/talkrecord/")) == few


def test_the_access_log_list_costs_the_same_for_few_and_many_rows(setup, tree, api):
    client = api(setup.committee)
    add_talks(setup, tree, 2)
    few = queries(lambda: client.get("/api/talks/content-reads/", {"page_size": 100}))
    add_talks(setup, tree, 15)
    assert queries(lambda: client.get("/api/talks/content-reads/", {"page_size": 100})) == few


def test_the_who_can_read_list_costs_the_same_for_few_and_many_readers(setup, tree, api):
    record = make_talk(make_person(tree.station), setup.talker)
    client = api(setup.committee)

    def more(n):
        for _ in range(n):
            user_with_role("secretary", tree.bat)
            reader = user_with_role("viewer", tree.station2)
            client.post(
                f"/api/talks/records/{record.pk}/share/",
                {"reader": reader.username, "reason": "协助"},
                format="json",
            )

    more(1)
    few = queries(lambda: client.get(f"/api/talks/records/{record.pk}/readers/"))
    more(8)
    assert queries(lambda: client.get(f"/api/talks/records/{record.pk}/readers/")) == few


def test_the_follow_up_changelist_names_the_person_at_a_constant_cost(setup, tree, client):
    client.force_login(setup.committee)

    def more(n):
        for _ in range(n):
            make_talk(
                make_person(tree.station, name="跟进对象"),
                setup.talker,
                followups=[{"owner": setup.talker, "due_date": datetime.date(2026, 10, 20)}],
            )

    more(2)
    few = queries(lambda: client.get("/admin/talks/followup/"))
    more(12)
    page = client.get("/admin/talks/followup/")
    assert "跟进对象" in page.content.decode()
    assert queries(lambda: client.get("/admin/talks/followup/")) == few
