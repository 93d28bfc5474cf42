"""This week's party-group report 党小组周报 on the workbench: group and week filled in, filed
through the reports service, "已报送 08:12" once done; scoped; bad input writes nothing."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.reports.models import GroupWeeklyReport
from tests.factories.people import make_org

pytestmark = pytest.mark.django_db
URL = "/reports/weekly/new/"


def monday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday())


def _data(wb, **extra):
    data = {
        "group": wb.group.pk,
        "week_start": monday().isoformat(),
        "work_done": "组织学习一次，开展训练。",
        "members_state_of_mind": "思想稳定。",
        "difficulties": "",
        "next_week_plan": "迎检准备。",
    }
    data.update(extra)
    return data


@pytest.fixture
def other_group(wb):
    return make_org(wb.tree.station3, "party_group", make_org(wb.tree.station3), name="丙站党小组")


def test_the_form_has_the_group_and_this_weeks_monday_filled_in(wb, login):
    text = login(wb.station_admin).get(f"{URL}?group={wb.group.pk}").content.decode()
    assert f'value="{monday():%Y-%m-%d}"' in text
    assert f'<option value="{wb.group.pk}" selected>甲站一班党小组</option>' in text


def test_the_station_home_links_to_the_form_and_shows_the_time_once_filed(wb, login):
    client = login(wb.station_admin)
    assert f"{URL}?group={wb.group.pk}" in client.get("/").content.decode()
    response = client.post(URL, _data(wb))
    assert response.status_code == 302 and response["Location"] == "/"
    report = GroupWeeklyReport.objects.get()
    assert report.filed_by == wb.station_admin and report.week_start == monday()
    assert report.members_state_of_mind == "思想稳定。"
    text = client.get("/").content.decode()
    assert f"已报送 {timezone.localtime(report.filed_at):%H:%M}" in text and "未报送，去填写" not in text


def test_htmx_filing_answers_with_the_done_card(wb, login):
    response = login(wb.station_admin).post(URL, _data(wb), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and 'id="weekly-done"' in text and "已报送" in text
    assert "<html" not in text


def test_another_units_group_gives_404_and_is_refused_on_post(wb, login, other_group):
    client = login(wb.station_admin)
    assert client.get(f"{URL}?group={other_group.pk}").status_code == 404
    assert client.get(f"{URL}?group=x").status_code == 404
    response = client.post(URL, _data(wb, group=other_group.pk))
    assert response.status_code == 400 and "请从列表中选择本单位的党小组" in response.content.decode()
    assert "丙站党小组" not in response.content.decode()
    assert not GroupWeeklyReport.objects.exists()


def test_without_work_done_the_form_comes_back_in_chinese(wb, login):
    response = login(wb.station_admin).post(URL, _data(wb, work_done="  "))
    assert response.status_code == 400 and "请填写本周工作" in response.content.decode()
    assert not GroupWeeklyReport.objects.exists()


def test_htmx_bad_input_swaps_the_form_back_with_the_message(wb, login):
    response = login(wb.station_admin).post(URL, _data(wb, work_done=""), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and 'id="weekly-form"' in text and "请填写本周工作" in text
    assert not GroupWeeklyReport.objects.exists()


def test_a_day_that_is_not_a_monday_or_a_future_week_is_refused(wb, login):
    client = login(wb.station_admin)
    tuesday = monday() - datetime.timedelta(days=6)
    response = client.post(URL, _data(wb, week_start=tuesday.isoformat()))
    assert response.status_code == 400 and "请填写该周的周一日期" in response.content.decode()
    later = monday() + datetime.timedelta(days=7)
    response = client.post(URL, _data(wb, week_start=later.isoformat()))
    assert response.status_code == 400 and "不能填报以后几周的周报" in response.content.decode()
    assert not GroupWeeklyReport.objects.exists()


def test_a_second_report_for_the_week_gets_the_services_message(wb, login):
    client = login(wb.station_admin)
    client.post(URL, _data(wb))
    response = client.post(URL, _data(wb, work_done="又一份"))
    text = response.content.decode()
    assert response.status_code == 400 and "本周已填报周报" in text and "已于" in text
    assert GroupWeeklyReport.objects.get().work_done == "组织学习一次，开展训练。"


def test_a_user_who_may_see_but_not_file_is_told_so_and_nothing_written(wb, login):
    from .data import named_user

    viewer = named_user("wb_viewer", "查", "看", ("viewer", wb.tree.station))
    response = login(viewer).post(URL, _data(wb))
    assert response.status_code == 400 and "您无权为该党小组填报周报" in response.content.decode()
    assert not GroupWeeklyReport.objects.exists()


def test_users_without_a_station_get_404(wb, login):
    assert login(wb.approver).get(URL).status_code == 404
    assert login(wb.approver).post(URL, _data(wb)).status_code == 404
    assert not GroupWeeklyReport.objects.exists()


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_with_more_groups_and_reports(wb, login):
    from apps.reports.services import weekly_report_create

    client = login(wb.station_admin)
    url = f"{URL}?group={wb.group.pk}"
    _count(client, url)
    small, home = _count(client, url), _count(client, "/")
    branch = wb.group.get_parent()
    for i in range(6):
        group = make_org(wb.tree.squad, "party_group", branch, name=f"甲站{i}组")
        weekly_report_create(
            instance=GroupWeeklyReport(group=group, week_start=monday(), work_done="学习"),
            actor=wb.station_admin,
        )
    assert _count(client, url) == small and _count(client, "/") == home
