"""The daily report's thought, health and difficulties are encrypted like talk content and
read only by holders of the talk-content permission on the unit; every read is logged."""

import pytest
from django.db import connection

from apps.operations import services
from apps.operations.models import DailyReport, ReportContentAccess

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def report(ops, active):
    return services.daily_report_file(
        operation=active,
        unit=ops.tree.station,
        report_date=ops.today,
        on_duty=11,
        thought_status="一名队员因家中老人住院情绪低落",
        health_status="一人发热已隔离观察",
        difficulties="家属复工受阻",
        actor=ops.station_staff,
    )


def test_the_confidential_parts_are_stored_encrypted_and_not_in_history(report):
    with connection.cursor() as cursor:
        cursor.execute("SELECT thought_status_enc FROM operations_dailyreport WHERE id = %s", [report.pk])
        stored = cursor.fetchone()[0]
    assert "情绪低落" not in stored and stored
    history = report.history.first()
    assert not hasattr(history, "thought_status_enc")


def test_the_secretary_reads_the_content_and_the_read_is_logged(ops, report, api):
    response = api(ops.secretary).get(f"/api/operations/daily-reports/{report.pk}/")
    assert response.json()["content"]["health_status"] == "一人发热已隔离观察"
    assert ReportContentAccess.objects.filter(report=report, user=ops.secretary, channel="api").count() == 1


def test_unit_administrators_and_the_filing_station_see_figures_only(ops, report, api):
    for user in (ops.admin, ops.station_staff, ops.viewer):
        response = api(user).get(f"/api/operations/daily-reports/{report.pk}/")
        assert response.status_code == 200
        assert response.json().get("content") is None
        assert response.json()["content_visible"] is False
    assert not ReportContentAccess.objects.exists()


def test_lists_never_carry_content(ops, report, api):
    rows = api(ops.secretary).get("/api/operations/daily-reports/").json()["results"]
    assert rows[0]["content_visible"] is True and "content" not in rows[0]
    assert not ReportContentAccess.objects.exists()


def test_the_admin_shows_content_to_readers_only_and_logs_it(ops, report, client):
    url = f"/admin/operations/dailyreport/{report.pk}/change/"
    client.force_login(ops.secretary, backend=MODEL_BACKEND)
    assert "情绪低落" in client.get(url).content.decode()
    assert ReportContentAccess.objects.filter(user=ops.secretary, channel="admin").count() == 1
    client.force_login(ops.admin, backend=MODEL_BACKEND)
    page = client.get(url).content.decode()
    assert "情绪低落" not in page and "无权查阅" in page


def test_refiling_the_same_day_replaces_the_report(ops, report):
    services.daily_report_file(
        operation=report.operation,
        unit=ops.tree.station,
        report_date=ops.today,
        on_duty=12,
        thought_status="已稳定",
        actor=ops.station_staff,
    )
    assert DailyReport.objects.count() == 1
    assert DailyReport.objects.get().decrypted_content()["thought_status"] == "已稳定"
