"""Admin lists count exactly up to the cap and say "at least" beyond it (issue 19): the exact
count of a corps's million zero-reports cost more than the rest of the page. The nomination
list reads the page's subjects in a fixed number of queries."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.api import pagination
from apps.talks.models import TalkRecord
from tests.factories.commendations import make_nomination
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_talks(tree):
    talker = user_with_role("secretary", tree.corps, "counts_sec")
    for day in range(1, 6):
        make_talk(make_person(tree.station), talker, date=datetime.date(2026, 3, day))
    return user_with_role("hq_admin", tree.corps, "counts_hq")


def test_an_exact_count_below_the_cap(five_talks, client):
    client.force_login(five_talks)
    response = client.get("/admin/talks/talkrecord/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 5
    page = response.content.decode()
    assert "5 谈心谈话记录" in page and "5 条结果" in page
    assert "+ 谈心谈话记录" not in page


def test_beyond_the_cap_the_list_says_at_least_and_pages_stop_there(five_talks, client, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr(admin.site.get_model_admin(TalkRecord), "list_per_page", 2)
    client.force_login(five_talks)

    first = client.get("/admin/talks/talkrecord/")
    assert first.status_code == 200
    cl = first.context["cl"]
    assert cl.paginator.count_is_exact is False and cl.paginator.num_pages == 2
    page = first.content.decode()
    assert "3+ 谈心谈话记录" in page and "选中所有的 3+ 个" in page and "选中了 3+ 个" in page
    assert len(cl.result_list) == 2

    assert "3+ 条结果" in page  # the search bar's count

    second = client.get("/admin/talks/talkrecord/?p=2")
    assert second.status_code == 200 and len(second.context["cl"].result_list) == 2
    past_the_cap = client.get("/admin/talks/talkrecord/?p=3")
    assert past_the_cap.status_code == 302 and "e=1" in past_the_cap["Location"]


def test_the_count_is_capped_without_ordering(five_talks, client, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    client.force_login(five_talks)
    with CaptureQueriesContext(connection) as queries:
        client.get("/admin/talks/talkrecord/")
    counts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert counts, "the list was not counted"
    assert all("LIMIT 4" in sql and "ORDER BY" not in sql for sql in counts)


def _nomination_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/admin/commendations/nomination/").status_code == 200
    return len(queries.captured_queries)


def test_the_nomination_list_reads_subjects_in_fixed_queries(tree, client):
    drafter = user_with_role("unit_admin", tree.station, "counts_drafter")
    client.force_login(user_with_role("hq_admin", tree.corps, "counts_nom_hq"))
    subjects = [make_person(tree.station)]
    make_nomination(tree.station, drafter, subjects[0])
    client.get("/admin/commendations/nomination/")
    few = _nomination_list_queries(client)
    for _ in range(4):
        subjects.append(make_person(tree.station))
        make_nomination(tree.station, drafter, subjects[-1])
    assert _nomination_list_queries(client) == few
    page = client.get("/admin/commendations/nomination/").content.decode()
    assert all(person.name in page for person in subjects)
