"""A second filing of a unit's day is refused with a pointer to the correction; a correction
keeps the first filer and records the corrector, the reason and the previous content
(issue 16, item 13). Weekly reports go through their service (the write path)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.reports.models import GroupWeeklyReport, ZeroReport, ZeroReportCorrection
from apps.reports.services import zero_report_correct, zero_report_file
from apps.units.services import unit_dissolve
from tests.factories.people import make_org, make_person
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 11, 10)


def at(hour):
    return datetime.datetime(DAY.year, DAY.month, DAY.day, hour, tzinfo=SH)


@pytest.fixture
def first_filer(tree):
    user = user_with_role("unit_admin", tree.station, "first_filer")
    make_person(tree.station, name="张一", user=user)
    return user


@pytest.fixture
def second_filer(tree):
    user = user_with_role("unit_admin", tree.bat, "second_filer")
    make_person(tree.bat, name="李二", user=user)
    return user


def test_a_second_filing_of_the_same_day_is_refused_with_a_pointer_to_the_correction(
    tree, first_filer, second_filer
):
    report = zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    with pytest.raises(ValidationError) as exc:
        zero_report_file(
            unit=tree.station,
            report_date=DAY,
            actor=second_filer,
            items=[{"kind": "health", "description": "一人感冒"}],
            now=at(10),
        )
    message = exc.value.message_dict["report_date"][0]
    assert "已报送" in message and "张一" in message and "如需更正请" in message
    report.refresh_from_db()
    assert report.filed_by == first_filer and report.nothing_to_report and not report.items.exists()


def test_a_second_filing_through_the_api_is_400_and_changes_nothing(tree, api, first_filer, second_filer):
    zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    response = api(second_filer).post(
        "/api/reports/zero-reports/",
        {
            "unit": tree.station.pk,
            "report_date": DAY.isoformat(),
            "items": [{"kind": "other", "description": "x"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "/correct/" in response.json()["report_date"][0]
    assert ZeroReport.objects.get().items.count() == 0


def test_a_correction_keeps_the_first_filer_and_records_the_corrector_and_the_old_content(
    tree, api, first_filer, second_filer
):
    report = zero_report_file(
        unit=tree.station,
        report_date=DAY,
        actor=first_filer,
        items=[{"kind": "health", "description": "一人感冒"}],
        now=at(9),
    )
    response = api(second_filer).post(
        f"/api/reports/zero-reports/{report.pk}/correct/",
        {
            "reason": "漏报一项",
            "items": [{"kind": "safety", "description": "车辆剐蹭", "people_affected": 0}],
            "note": "补报",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["filed_by_name"] == "张一"
    assert [c["corrected_by_name"] for c in body["corrections"]] == ["李二"]
    assert body["corrections"][0]["previous_items"][0]["description"] == "一人感冒"
    report.refresh_from_db()
    assert report.filed_by == first_filer and report.note == "补报"
    assert list(report.items.values_list("kind", flat=True)) == ["safety"]
    assert report.history.first().history_user == second_filer


def test_a_correction_without_a_reason_is_refused(tree, api, first_filer):
    report = zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    response = api(first_filer).post(
        f"/api/reports/zero-reports/{report.pk}/correct/", {"reason": ""}, format="json"
    )
    assert response.status_code == 400
    assert not ZeroReportCorrection.objects.exists()


def test_a_correction_out_of_scope_is_404_and_a_viewer_gets_403(tree, api, first_filer):
    report = zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    outsider = user_with_role("unit_admin", tree.station3)
    assert (
        api(outsider).post(f"/api/reports/zero-reports/{report.pk}/correct/", {"reason": "x"}).status_code
        == 404
    )
    viewer = user_with_role("viewer", tree.station)
    assert (
        api(viewer).post(f"/api/reports/zero-reports/{report.pk}/correct/", {"reason": "x"}).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        zero_report_correct(report=report, actor=viewer, reason="x")
    assert not ZeroReportCorrection.objects.exists()


def _admin_payload(**extra):
    return {
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        **extra,
    }


def test_the_admin_refuses_a_second_filing_of_the_day_with_the_message(
    tree, client, first_filer, second_filer
):
    zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    client.force_login(second_filer)
    assert client.get("/admin/reports/zeroreport/add/").status_code == 200
    response = client.post(
        "/admin/reports/zeroreport/add/",
        _admin_payload(unit=tree.station.pk, report_date=DAY.isoformat(), note="重报"),
    )
    assert response.status_code == 200
    assert "已报送" in response.content.decode()
    assert ZeroReport.objects.get().note == ""


def test_the_admin_files_a_report_with_its_items_in_one_service_call(tree, client, first_filer):
    client.force_login(first_filer)
    response = client.post(
        "/admin/reports/zeroreport/add/",
        _admin_payload(
            unit=tree.station.pk,
            report_date=DAY.isoformat(),
            note="",
            **{
                "items-TOTAL_FORMS": "1",
                "items-0-kind": "health",
                "items-0-description": "一人感冒",
                "items-0-people_affected": "1",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    report = ZeroReport.objects.get()
    assert report.filed_by == first_filer and not report.nothing_to_report and report.items.count() == 1


def test_the_admin_change_page_is_a_correction_that_needs_a_reason(tree, client, first_filer, second_filer):
    report = zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    client.force_login(second_filer)
    url = f"/admin/reports/zeroreport/{report.pk}/change/"
    assert client.get(url).status_code == 200
    refused = client.post(url, _admin_payload(note="改", correction_reason=""))
    assert refused.status_code == 200 and "更正原因" in refused.content.decode()
    ok = client.post(url, _admin_payload(note="改", correction_reason="备注写错"))
    assert ok.status_code == 302
    report.refresh_from_db()
    assert report.note == "改" and report.filed_by == first_filer
    assert ZeroReportCorrection.objects.get().corrected_by == second_filer


def test_the_admin_change_page_of_a_report_out_of_scope_is_not_reachable(tree, client, first_filer):
    report = zero_report_file(unit=tree.station, report_date=DAY, actor=first_filer, now=at(9))
    client.force_login(user_with_role("unit_admin", tree.station3))
    url = f"/admin/reports/zeroreport/{report.pk}/change/"
    assert client.get(url).status_code in (302, 404)
    assert client.post(url, _admin_payload(note="越权", correction_reason="x")).status_code in (302, 404)
    report.refresh_from_db()
    assert report.note == ""


# ---------------------------------------------------------------- dissolved units


def test_dissolved_units_are_not_offered_in_the_zero_report_form_nor_accepted_by_the_api(tree, client, api):
    old = unit_dissolve(unit=make_unit(tree.bat, "station", "旧站"), on=datetime.date(2026, 1, 1))
    user = user_with_role("unit_admin", tree.bat)
    client.force_login(user)
    form = client.get("/admin/reports/zeroreport/add/").context["adminform"].form
    assert old not in form.fields["unit"].queryset and tree.station in form.fields["unit"].queryset
    response = api(user).post(
        "/api/reports/zero-reports/", {"unit": old.pk, "report_date": DAY.isoformat()}, format="json"
    )
    assert response.status_code == 400 and "已撤销" in response.json()["unit"][0]


# ---------------------------------------------------------------- weekly reports through the service


@pytest.fixture
def group(tree):
    branch = make_org(tree.station, "branch", name="甲站党支部")
    return make_org(tree.squad, "party_group", parent=branch, name="一班党小组")


def test_a_weekly_report_filed_through_the_api_is_filed_by_the_caller(tree, api, group):
    user = user_with_role("unit_admin", tree.station)
    payload = {"group": group.pk, "week_start": "2026-11-02", "work_done": "学习"}
    response = api(user).post("/api/reports/group-weekly/", payload, format="json")
    assert response.status_code == 201, response.content
    assert GroupWeeklyReport.objects.get().filed_by == user
    again = api(user).post("/api/reports/group-weekly/", payload, format="json")
    assert again.status_code == 400 and "本周已填报" in again.json()["week_start"][0]


def test_a_weekly_report_for_a_group_out_of_scope_is_refused(tree, api):
    branch = make_org(tree.station3, "branch", name="丙站党支部")
    other = make_org(tree.squad3, "party_group", parent=branch, name="丙站党小组")
    user = user_with_role("unit_admin", tree.station)
    payload = {"group": other.pk, "week_start": "2026-11-02", "work_done": "学习"}
    assert api(user).post("/api/reports/group-weekly/", payload, format="json").status_code == 400
    assert not GroupWeeklyReport.objects.exists()


def test_the_admin_files_a_weekly_report_under_the_users_name(tree, client, group):
    user = user_with_role("unit_admin", tree.station)
    client.force_login(user)
    assert client.get("/admin/reports/groupweeklyreport/add/").status_code == 200
    response = client.post(
        "/admin/reports/groupweeklyreport/add/",
        {"group": group.pk, "week_start": "2026-11-02", "work_done": "学习", "next_week_plan": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert GroupWeeklyReport.objects.get().filed_by == user
