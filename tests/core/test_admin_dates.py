"""The admin's date drill-down answered from the date index offers exactly what Django's own
tag offers: the same levels, years, months and days, the same links."""

import datetime

import pytest
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from apps.core.templatetags.admin_dates import indexed_date_hierarchy
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

DAYS = [
    datetime.date(2024, 3, 5),
    datetime.date(2025, 1, 31),
    datetime.date(2025, 2, 1),
    datetime.date(2025, 2, 28),
    datetime.date(2025, 12, 31),
]


@pytest.fixture
def hq(tree):
    talker = user_with_role("secretary", tree.corps, "dates_sec")
    for day in DAYS:
        make_talk(make_person(tree.station), talker, date=day)
    other = user_with_role("secretary", tree.corps2, "dates_sec_other")
    make_talk(make_person(tree.corps2), other, date=datetime.date(2019, 6, 1))  # out of scope
    return user_with_role("hq_admin", tree.corps, "dates_hq")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?date__year=2025",
        "?date__year=2025&date__month=2",
        "?date__year=2025&date__month=2&date__day=28",
        "?date__year=2024",
        "?date__year=2030",
        "?q=nobody-by-this-name",
    ],
)
def test_the_same_choices_as_djangos_tag(hq, client, query):
    client.force_login(hq)
    response = client.get(f"/admin/talks/talkrecord/{query}")
    assert response.status_code == 200
    cl = response.context["cl"]
    assert indexed_date_hierarchy(cl) == date_hierarchy(cl)


def test_one_year_of_rows_opens_at_its_months(tree, client):
    talker = user_with_role("secretary", tree.corps, "dates_sec2")
    for day in DAYS[1:4]:
        make_talk(make_person(tree.station), talker, date=day)
    client.force_login(user_with_role("hq_admin", tree.corps, "dates_hq2"))
    cl = client.get("/admin/talks/talkrecord/").context["cl"]
    shown = indexed_date_hierarchy(cl)
    assert shown == date_hierarchy(cl)
    assert [c["title"] for c in shown["choices"]] == ["2025年1月", "2025年2月"]
    assert "2019" not in client.get("/admin/talks/talkrecord/").content.decode()  # another corps' talk
