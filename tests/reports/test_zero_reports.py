"""Daily zero-reports: filing, lateness, the deadline sweep and compliance figures."""

import datetime
import random
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from apps.notifications.models import Notification
from apps.reports.models import DailyCompliance, ReportingPolicy, ZeroReport
from apps.reports.selectors import compliance_per_child, missing_today
from apps.reports.services import deadline_sweep, zero_report_file
from apps.units.models import Unit
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 11, 10)


def at(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@pytest.fixture
def filer(tree):
    return make_user("filer", is_superuser=True)


def reporting_units():
    return set(Unit.objects.exclude(kind="squad").values_list("pk", flat=True))


def test_a_report_after_the_deadline_is_accepted_and_flagged_late(tree, filer):
    on_time = zero_report_file(unit=tree.station, report_date=DAY, actor=filer, now=at(DAY, 17, 59))
    late = zero_report_file(unit=tree.station2, report_date=DAY, actor=filer, now=at(DAY, 18, 1))
    assert (on_time.is_late, late.is_late) == (False, True)


def test_the_sweep_lists_exactly_the_units_without_a_report(tree, filer):
    zero_report_file(unit=tree.station, report_date=DAY, actor=filer, now=at(DAY, 9))
    zero_report_file(unit=tree.det, report_date=DAY, actor=filer, now=at(DAY, 10))
    missing = deadline_sweep(now=at(DAY, 18, 5))
    assert {r.unit_id for r in missing} == reporting_units() - {tree.station.pk, tree.det.pk}
    assert not DailyCompliance.objects.filter(unit=tree.squad).exists()  # squads do not report


def test_the_sweep_respects_each_units_own_deadline_in_shanghai_time(tree, filer):
    ReportingPolicy.objects.create(unit=tree.det2, deadline=datetime.time(20, 0))
    missing = deadline_sweep(now=at(DAY, 18, 30))  # 10:30 UTC
    swept = {r.unit_id for r in missing}
    assert tree.station.pk in swept
    assert tree.det2.pk not in swept and tree.station3.pk not in swept  # their deadline is 20:00
    later = deadline_sweep(now=at(DAY, 20, 1))
    assert {r.unit_id for r in later} == {tree.det2.pk, tree.bat2.pk, tree.station3.pk}


def test_running_the_sweep_twice_notifies_once(tree, filer):
    admin = user_with_role("unit_admin", tree.station, "station_admin")
    above = user_with_role("unit_admin", tree.bat, "battalion_admin")
    deadline_sweep(now=at(DAY, 18, 5))
    deadline_sweep(now=at(DAY, 18, 20))
    assert Notification.objects.filter(recipient=admin, title__contains="甲站").count() == 1
    assert Notification.objects.filter(recipient=above, title__contains="甲站").count() == 1
    assert DailyCompliance.objects.filter(unit=tree.station, date=DAY).count() == 1


def test_a_sweep_after_downtime_catches_up_missed_days(tree, filer):
    deadline_sweep(now=at(DAY, 18, 5))
    zero_report_file(
        unit=tree.station,
        report_date=DAY + datetime.timedelta(days=1),
        actor=filer,
        now=at(DAY + datetime.timedelta(days=1), 12),
    )
    deadline_sweep(now=at(DAY + datetime.timedelta(days=3), 19))  # worker was down for two deadlines
    days = set(DailyCompliance.objects.filter(unit=tree.station).values_list("date", "status"))
    assert days == {
        (DAY, "missing"),
        (DAY + datetime.timedelta(days=1), "on_time"),
        (DAY + datetime.timedelta(days=2), "missing"),
        (DAY + datetime.timedelta(days=3), "missing"),
    }


def test_a_late_filing_after_the_sweep_turns_missing_into_late(tree, filer):
    deadline_sweep(now=at(DAY, 18, 5))
    zero_report_file(unit=tree.station, report_date=DAY, actor=filer, now=at(DAY, 21))
    assert DailyCompliance.objects.get(unit=tree.station, date=DAY).status == "late"


def test_compliance_per_child_matches_a_brute_force_count(tree, filer):
    rnd = random.Random(3)
    units = list(Unit.objects.exclude(kind="squad"))
    for offset in range(10):
        day = DAY + datetime.timedelta(days=offset)
        for unit in units:
            if rnd.random() < 0.7:
                zero_report_file(
                    unit=unit, report_date=day, actor=filer, now=at(day, rnd.choice([9, 17, 19]))
                )
        deadline_sweep(now=at(day, 23))
    start, end = DAY + datetime.timedelta(days=2), DAY + datetime.timedelta(days=8)
    rows = {
        r["unit_id"]: (r["expected"], r["filed"], r["late"])
        for r in compliance_per_child(user=filer, root=tree.corps, start=start, end=end)
    }
    for child_id, figures in rows.items():
        child = Unit.objects.get(pk=child_id)
        reports = ZeroReport.objects.filter(
            unit__path__startswith=child.path, report_date__range=(start, end)
        )
        expected = Unit.objects.filter(path__startswith=child.path).exclude(kind="squad").count() * 7
        assert figures == (expected, reports.count(), reports.filter(is_late=True).count())


def test_missing_today_is_scoped(tree, filer):
    admin = user_with_role("unit_admin", tree.bat)
    rows = missing_today(user=admin, root=tree.bat)
    assert {r["unit_id"] for r in rows} == {tree.bat.pk, tree.station.pk, tree.station2.pk}


def test_a_unit_admin_cannot_file_for_a_sibling(tree):
    admin = user_with_role("unit_admin", tree.station)
    with pytest.raises(PermissionDenied):
        zero_report_file(unit=tree.station2, report_date=DAY, actor=admin)
    assert not ZeroReport.objects.exists()


def test_filing_through_the_api(tree, api):
    client = api(user_with_role("unit_admin", tree.station))
    created = client.post(
        "/api/reports/zero-reports/",
        {
            "unit": tree.station.pk,
            "report_date": "2026-11-10",
            "items": [{"kind": "health", "description": "一人感冒", "people_affected": 1}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["nothing_to_report"] is False
    assert (
        client.post(
            "/api/reports/zero-reports/",
            {"unit": tree.station3.pk, "report_date": "2026-11-10"},
            format="json",
        ).status_code
        == 400
    )
    future = client.post(
        "/api/reports/zero-reports/", {"unit": tree.station.pk, "report_date": "2099-01-01"}, format="json"
    )
    assert future.status_code == 400 and "report_date" in future.json()
    compliance = client.get("/api/reports/zero-reports/compliance/", {"unit": tree.station.pk})
    assert compliance.status_code == 200
    assert client.get("/api/reports/zero-reports/compliance/", {"unit": tree.station3.pk}).status_code == 400


def test_export_lists_only_the_users_reports(tree, filer, api):
    import io

    from openpyxl import load_workbook

    zero_report_file(unit=tree.station, report_date=DAY, actor=filer, now=at(DAY, 9))
    zero_report_file(unit=tree.station3, report_date=DAY, actor=filer, now=at(DAY, 20))
    response = api(user_with_role("viewer", tree.station)).get("/api/reports/zero-reports/export/")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == [tree.station.name] and rows[1][4] == "否"
