"""Today's zero-report from the workbench: two taps, refusals that say what to do, scope."""

import pytest
from django.utils import timezone

from apps.reports.models import ZeroReport

pytestmark = pytest.mark.django_db


def test_confirm_fragment_names_the_unit_and_date(wb, login):
    response = login(wb.station_admin).get(
        f"/reports/zero/{wb.tree.station.pk}/confirm/", HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200 and "甲站" in text and "确认报送" in text and "<html" not in text


def test_one_tap_files_nothing_to_report_for_today(wb, login):
    response = login(wb.station_admin).post(
        f"/reports/zero/{wb.tree.station.pk}/file/", HTTP_HX_REQUEST="true"
    )
    assert "今日已报送" in response.content.decode()
    report = ZeroReport.objects.get(unit=wb.tree.station)
    assert report.report_date == timezone.localdate() and report.nothing_to_report
    assert report.filed_by == wb.station_admin


def test_filing_twice_is_refused_with_the_way_to_correct(wb, login):
    client = login(wb.station_admin)
    client.post(f"/reports/zero/{wb.tree.station.pk}/file/", HTTP_HX_REQUEST="true")
    first = ZeroReport.objects.get(unit=wb.tree.station)
    response = client.post(f"/reports/zero/{wb.tree.station.pk}/file/", HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert (
        "今日已报送" in text
        and "如需更正请点" in text
        and f"/reports/zero/{wb.tree.station.pk}/items/" in text
    )
    again = ZeroReport.objects.get(unit=wb.tree.station)
    assert (again.filed_at, again.filed_by_id) == (first.filed_at, first.filed_by_id)


def test_filing_without_htmx_redirects_home_with_a_message(wb, login):
    response = login(wb.station_admin).post(f"/reports/zero/{wb.tree.station.pk}/file/", follow=True)
    assert "甲站今日零报告已报送" in response.content.decode()


@pytest.mark.parametrize("path", ["confirm/", "items/"])
def test_another_stations_id_gives_404(wb, login, path):
    assert login(wb.station_admin).get(f"/reports/zero/{wb.tree.station3.pk}/{path}").status_code == 404


def test_filing_for_another_station_gives_404_and_writes_nothing(wb, login):
    response = login(wb.station_admin).post(f"/reports/zero/{wb.tree.station3.pk}/file/")
    assert response.status_code == 404 and not ZeroReport.objects.exists()


def test_users_without_a_station_get_404(wb, login):
    assert login(wb.hq).get(f"/reports/zero/{wb.tree.station.pk}/confirm/").status_code == 404


def test_items_form_without_any_item_comes_back_with_a_chinese_message(wb, login):
    response = login(wb.station_admin).post(
        f"/reports/zero/{wb.tree.station.pk}/items/",
        {"item-TOTAL_FORMS": "3", "item-INITIAL_FORMS": "0", "note": ""},
    )
    assert response.status_code == 400 and "请至少填写一项情况" in response.content.decode()
    assert not ZeroReport.objects.exists()


def test_items_form_with_a_description_but_no_kind_asks_for_the_kind(wb, login):
    response = login(wb.station_admin).post(
        f"/reports/zero/{wb.tree.station.pk}/items/",
        {"item-TOTAL_FORMS": "3", "item-INITIAL_FORMS": "0", "item-0-description": "有人受伤"},
    )
    assert response.status_code == 400 and "请选择类别" in response.content.decode()
    assert not ZeroReport.objects.exists()


def test_items_form_files_the_report_with_its_items(wb, login):
    response = login(wb.station_admin).post(
        f"/reports/zero/{wb.tree.station.pk}/items/",
        {
            "item-TOTAL_FORMS": "3",
            "item-INITIAL_FORMS": "0",
            "item-0-kind": "health",
            "item-0-description": "一人发热，已隔离观察",
            "item-0-people_affected": "1",
        },
    )
    assert response.status_code == 302
    report = ZeroReport.objects.get(unit=wb.tree.station)
    assert not report.nothing_to_report and report.items.get().description == "一人发热，已隔离观察"


ITEM = {
    "item-TOTAL_FORMS": "3",
    "item-INITIAL_FORMS": "0",
    "item-0-kind": "health",
    "item-0-description": "一人发热，已隔离观察",
    "item-0-people_affected": "1",
}


def test_correcting_a_filed_report_asks_for_a_reason_and_writes_nothing_without_it(wb, login):
    client = login(wb.station_admin)
    client.post(f"/reports/zero/{wb.tree.station.pk}/file/", HTTP_HX_REQUEST="true")
    response = client.post(f"/reports/zero/{wb.tree.station.pk}/items/", ITEM)
    assert response.status_code == 400 and "请填写更正原因" in response.content.decode()
    assert ZeroReport.objects.get(unit=wb.tree.station).nothing_to_report


def test_correcting_a_filed_report_keeps_the_first_filer_and_records_the_correction(wb, login):
    client = login(wb.station_admin)
    client.post(f"/reports/zero/{wb.tree.station.pk}/file/", HTTP_HX_REQUEST="true")
    response = client.post(f"/reports/zero/{wb.tree.station.pk}/items/", {**ITEM, "reason": "漏报一人发热"})
    assert response.status_code == 302
    report = ZeroReport.objects.get(unit=wb.tree.station)
    assert report.filed_by == wb.station_admin and report.items.get().description == "一人发热，已隔离观察"
    assert report.corrections.get().reason == "漏报一人发热"
