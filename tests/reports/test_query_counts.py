"""List endpoints and admin changelists run a fixed number of queries, whatever the row count."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.reports.models import Attendance, Meeting, ZeroReport, ZeroReportItem
from tests.factories.people import make_org, make_person
from tests.factories.units import make_user

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = datetime.date(2026, 10, 1)


def add_reports(unit, first, count, by):
    for offset in range(first, first + count):
        day = START + datetime.timedelta(days=offset)
        report = ZeroReport.objects.create(
            unit=unit,
            report_date=day,
            filed_by=by,
            filed_at=datetime.datetime(day.year, day.month, day.day, 9, tzinfo=SH),
        )
        ZeroReportItem.objects.create(report=report, kind="health", description="感冒", people_affected=1)


def add_meetings(org, people, first, count):
    for offset in range(first, first + count):
        meeting = Meeting.objects.create(
            organisation=org,
            kind="micro_meeting",
            starts_at=datetime.datetime(2026, 10, 1, 9, tzinfo=SH) + datetime.timedelta(days=offset),
            topic=f"学习{offset}",
        )
        Attendance.objects.bulk_create(Attendance(meeting=meeting, person=p, present=True) for p in people)


def count_queries(fetch):
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_zero_report_list_and_changelist_query_count_is_constant(tree, api, client):
    hq = make_user("hq", is_superuser=True)
    rest = api(hq)
    client.force_login(hq)
    add_reports(tree.station, 0, 2, hq)
    few_api = count_queries(lambda: rest.get("/api/reports/zero-reports/"))
    few_admin = count_queries(lambda: client.get("/admin/reports/zeroreport/"))
    add_reports(tree.station2, 0, 12, hq)
    assert count_queries(lambda: rest.get("/api/reports/zero-reports/")) == few_api
    assert count_queries(lambda: client.get("/admin/reports/zeroreport/")) == few_admin


def test_meeting_list_and_changelist_query_count_is_constant(tree, api, client):
    hq = make_user("hq", is_superuser=True)
    rest = api(hq)
    client.force_login(hq)
    org = make_org(tree.station, "branch", name="甲站党支部")
    people = [make_person(tree.station) for _ in range(3)]
    add_meetings(org, people, 0, 2)
    few_api = count_queries(lambda: rest.get("/api/reports/meetings/"))
    few_admin = count_queries(lambda: client.get("/admin/reports/meeting/"))
    add_meetings(org, people, 2, 10)
    assert count_queries(lambda: rest.get("/api/reports/meetings/")) == few_api
    assert count_queries(lambda: client.get("/admin/reports/meeting/")) == few_admin


def test_zero_report_list_with_corrections_and_filer_names_keeps_a_constant_query_count(tree, api):
    from apps.reports.models import ZeroReportCorrection

    hq = make_user("hq", is_superuser=True)
    rest = api(hq)
    add_reports(tree.station, 0, 2, hq)
    for report in ZeroReport.objects.all():
        ZeroReportCorrection.objects.create(report=report, corrected_by=hq, reason="更正")
    few = count_queries(lambda: rest.get("/api/reports/zero-reports/"))
    add_reports(tree.station2, 0, 12, hq)
    for report in ZeroReport.objects.filter(unit=tree.station2):
        ZeroReportCorrection.objects.create(report=report, corrected_by=make_user(), reason="更正")
    assert count_queries(lambda: rest.get("/api/reports/zero-reports/")) == few
