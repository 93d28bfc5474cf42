"""Meetings: attendance rates, 必议 decisions flagged outside meetings, the iCalendar feed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.reports.models import Attendance, Decision, DeliberationItem, Meeting
from apps.reports.selectors import attendance_rate, overdue_weekly_reports
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def branch(tree):
    return make_org(tree.station, "branch", name="甲站党支部")


def meeting(org, kind, when=None, **extra):
    return Meeting.objects.create(
        organisation=org,
        kind=kind,
        starts_at=when or datetime.datetime(2026, 11, 3, 9, tzinfo=SH),
        topic="学习",
        **extra,
    )


def test_attendance_rate_on_a_hand_built_example(tree, branch):
    m = meeting(branch, "micro_lesson")
    people = [make_person(tree.station) for _ in range(8)]
    for i, p in enumerate(people):
        Attendance.objects.create(meeting=m, person=p, present=i < 6)
    assert attendance_rate(m) == 75.0
    assert attendance_rate(meeting(branch, "micro_report")) is None


def test_bibiyi_matters_decided_outside_a_deciding_meeting_are_flagged(tree, branch):
    item = DeliberationItem.objects.get(list__code="four", order=2)
    committee_meeting = meeting(branch, "branch_committee")
    lesson = meeting(branch, "micro_lesson")
    inside = Decision.objects.create(
        organisation=branch,
        item=item,
        meeting=committee_meeting,
        date=datetime.date(2026, 11, 3),
        matter="推荐优秀党员",
        decision="同意",
    )
    outside = Decision.objects.create(
        organisation=branch, item=item, date=datetime.date(2026, 11, 4), matter="推荐评先", decision="同意"
    )
    in_lesson = Decision.objects.create(
        organisation=branch,
        item=item,
        meeting=lesson,
        date=datetime.date(2026, 11, 4),
        matter="推荐评先",
        decision="同意",
    )
    ordinary = Decision.objects.create(
        organisation=branch, date=datetime.date(2026, 11, 4), matter="活动安排", decision="同意"
    )
    assert [d.outside_meeting for d in (inside, outside, in_lesson, ordinary)] == [False, True, True, False]


def test_reference_lists_are_seeded():
    from apps.reports.models import DeliberationList

    assert {lst.code: lst.items.count() for lst in DeliberationList.objects.all()} == {
        "eight": 8,
        "seven": 7,
        "four": 4,
    }


def test_weekly_reports_overdue_for_the_branch(tree, branch, api):
    group = make_org(tree.squad, "party_group", parent=branch, name="一班党小组")
    make_org(tree.squad, "party_group", parent=branch, name="二班党小组")
    admin = user_with_role("unit_admin", tree.station)
    today = datetime.date(2026, 11, 18)
    last_monday = datetime.date(2026, 11, 9)
    client = api(admin)
    filed = client.post(
        "/api/reports/group-weekly/",
        {"group": group.pk, "week_start": str(last_monday), "work_done": "学习"},
        format="json",
    )
    assert filed.status_code == 201, filed.content
    rows = overdue_weekly_reports(user=admin, branch=branch, today=today)
    assert [r["group_name"] for r in rows] == ["二班党小组"]
    bad = client.post(
        "/api/reports/group-weekly/",
        {"group": group.pk, "week_start": "2026-11-10", "work_done": "x"},
        format="json",
    )
    assert bad.status_code == 400 and "week_start" in bad.json()


def test_meeting_api_is_scoped_and_validates_times(tree, branch, api):
    far = make_org(tree.station3, "branch")
    meeting(far, "micro_meeting")
    client = api(user_with_role("unit_admin", tree.station))
    assert client.get("/api/reports/meetings/").json()["count"] == 0
    person = make_person(tree.station)
    body = {
        "organisation": branch.pk,
        "kind": "micro_meeting",
        "starts_at": "2026-11-20T09:00:00+08:00",
        "ends_at": "2026-11-20T08:00:00+08:00",
        "topic": "x",
        "attendances": [{"person": person.pk, "present": True}],
    }
    assert client.post("/api/reports/meetings/", body, format="json").status_code == 400
    body["ends_at"] = "2026-11-20T10:00:00+08:00"
    created = client.post("/api/reports/meetings/", body, format="json")
    assert created.status_code == 201 and created.json()["attendance_rate"] == 100.0
    outside = dict(body, organisation=far.pk)
    assert client.post("/api/reports/meetings/", outside, format="json").status_code == 400


def test_ics_feed_lists_upcoming_meetings_of_the_unit_only(tree, branch, client):
    soon = timezone.now() + datetime.timedelta(days=2)
    meeting(branch, "micro_lesson", when=soon, place="会议室")
    meeting(make_org(tree.station3, "branch"), "micro_lesson", when=soon)
    client.force_login(user_with_role("viewer", tree.station))
    response = client.get(f"/reports/units/{tree.station.pk}/meetings.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1 and "微党课" in body
    assert client.get(f"/reports/units/{tree.station3.pk}/meetings.ics").status_code == 404


def test_ics_feed_refuses_anonymous_and_the_api_token_in_the_url(tree, branch, client):
    """The API token stays out of URLs: calendar clients use the feed token (test_feed_token.py)."""
    from rest_framework.authtoken.models import Token

    meeting(branch, "micro_report", when=timezone.now() + datetime.timedelta(days=1))
    url = f"/reports/units/{tree.station.pk}/meetings.ics"
    assert client.get(url).status_code in (401, 403)
    assert client.get(url, {"token": "not-a-token"}).status_code == 401
    token = Token.objects.create(user=user_with_role("viewer", tree.station))
    assert client.get(url, {"token": token.key}).status_code == 401
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}")  # a header is not logged
    assert response.status_code == 200 and response.content.decode().count("BEGIN:VEVENT") == 1


def test_meeting_export_is_scoped_and_carries_the_attendance_rate(tree, branch, api):
    import io

    from openpyxl import load_workbook

    m = meeting(branch, "micro_lesson")
    people = [make_person(tree.station) for _ in range(4)]
    Attendance.objects.bulk_create(
        Attendance(meeting=m, person=p, present=i < 3) for i, p in enumerate(people)
    )
    meeting(make_org(tree.station3, "branch"), "micro_lesson")
    response = api(user_with_role("viewer", tree.station)).get("/api/reports/meetings/export/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == "微党课" and rows[1][4:] == (4, 3, 75.0)
