"""党小组工作交流会: branches with party groups that skipped a month's exchange meeting,
on hand-built examples, through the selector, the API and the admin page."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from apps.reports.models import Meeting
from apps.reports.selectors import branches_without_exchange_meeting
from tests.factories.people import make_org
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
URL = "/api/reports/meetings/missing-exchange/"
PAGE = "/admin/reports/meeting/missing-exchange/"


def exchange(org, when, kind="group_exchange"):
    return Meeting.objects.create(organisation=org, kind=kind, starts_at=when, topic="交流")


@pytest.fixture
def orgs(tree):
    """甲站: held it (on the branch); 乙站: held it on a group; 特勤站: only a micro lesson;
    甲区大队: no groups (never flagged); 丙站 (other detachment): skipped; a closed group's
    branch and a branch established after the month are not flagged."""
    o = {}
    o["held"] = make_org(tree.station, "branch", name="甲站党支部")
    make_org(tree.station, "party_group", parent=o["held"], name="甲站一组")
    o["held_on_group"] = make_org(tree.station2, "branch", name="乙站党支部")
    group = make_org(tree.station2, "party_group", parent=o["held_on_group"], name="乙站一组")
    make_org(tree.station2, "party_group", parent=o["held_on_group"], name="乙站二组")
    o["skipped"] = make_org(tree.tqz, "branch", name="特勤站党支部")
    make_org(tree.tqz, "party_group", parent=o["skipped"], name="特勤一组")
    make_org(tree.tqz, "party_group", parent=o["skipped"], name="特勤二组")
    o["no_groups"] = make_org(tree.bat, "branch", name="甲区大队党支部")
    o["far"] = make_org(tree.station3, "branch", name="丙站党支部")
    make_org(tree.station3, "party_group", parent=o["far"], name="丙站一组")
    o["closed_groups"] = make_org(tree.det, "branch", name="支队机关党支部")
    make_org(tree.det, "party_group", parent=o["closed_groups"], closed_on=datetime.date(2026, 1, 1))
    o["new"] = make_org(tree.det, "branch", name="新成立党支部", established_on=datetime.date(2026, 11, 5))
    make_org(tree.det, "party_group", parent=o["new"])

    exchange(o["held"], datetime.datetime(2026, 10, 31, 23, 30, tzinfo=SH))  # last evening of October
    exchange(group, datetime.datetime(2026, 10, 15, 9, tzinfo=SH))
    exchange(o["skipped"], datetime.datetime(2026, 10, 15, 9, tzinfo=SH), kind="micro_lesson")
    exchange(o["skipped"], datetime.datetime(2026, 9, 20, 9, tzinfo=SH))  # September's
    exchange(o["skipped"], datetime.datetime(2026, 11, 1, 0, 10, tzinfo=SH))  # November's
    return o


def names(rows):
    return [r["organisation_name"] for r in rows]


def test_branches_that_skipped_the_month_are_listed(tree, orgs):
    hq = user_with_role("hq_admin", tree.corps)
    rows = branches_without_exchange_meeting(user=hq, root=tree.corps, year=2026, month=10)
    assert names(rows) == ["特勤站党支部", "丙站党支部"]
    skipped = rows[0]
    assert skipped["party_groups"] == 2 and skipped["unit_name"] == "特勤站"
    assert skipped["last_exchange_on"] == datetime.date(2026, 9, 20)
    assert rows[1]["last_exchange_on"] is None


def test_the_month_boundaries_are_beijing_time(tree, orgs):
    hq = user_with_role("hq_admin", tree.corps)
    november = branches_without_exchange_meeting(user=hq, root=tree.corps, year=2026, month=11)
    # 甲站's meeting at 23:30 on 31 October (15:30 UTC) belongs to October, not November;
    # 特勤站 met at 00:10 on 1 November (16:10 UTC on 31 October); the new branch existed in November
    assert names(november) == ["甲站党支部", "乙站党支部", "丙站党支部", "新成立党支部"]


def test_only_the_subtree_and_the_users_scope(tree, orgs):
    hq = user_with_role("hq_admin", tree.corps)
    assert names(branches_without_exchange_meeting(user=hq, root=tree.det, year=2026, month=10)) == [
        "特勤站党支部"
    ]
    station_admin = user_with_role("unit_admin", tree.tqz)
    assert names(
        branches_without_exchange_meeting(user=station_admin, root=tree.corps, year=2026, month=10)
    ) == ["特勤站党支部"]


def test_the_api_lists_them_and_refuses_bad_input(tree, orgs, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = client.get(URL, {"unit": tree.det.pk, "month": "2026-10"})
    assert response.status_code == 200
    assert response.json()["month"] == "2026-10"
    assert names(response.json()["branches"]) == ["特勤站党支部"]
    for bad in ("2026-13", "october", "2026-10-01", "1999-01", "9999-01"):
        assert client.get(URL, {"unit": tree.det.pk, "month": bad}).status_code == 400, bad
    assert client.get(URL, {"unit": tree.det2.pk, "month": "2026-10"}).status_code == 400  # out of scope


def test_the_api_denies_a_user_without_meeting_permissions(tree, orgs, api):
    response = api(user_with_role("talker", tree.det)).get(URL, {"unit": tree.det.pk, "month": "2026-10"})
    assert response.status_code == 403


def test_the_admin_page_shows_them(tree, orgs, client):
    client.force_login(user_with_role("hq_admin", tree.corps))
    assert "未开交流会的党支部" in client.get("/admin/reports/meeting/").content.decode()
    response = client.get(PAGE, {"unit": tree.corps.pk, "month": "2026-10"})
    assert response.status_code == 200
    assert names(response.context["rows"]) == ["特勤站党支部", "丙站党支部"]
    assert "特勤站党支部" in response.content.decode()
    bad = client.get(PAGE, {"unit": tree.corps2.pk, "month": "2026-13"})
    assert bad.status_code == 200 and "rows" not in bad.context
    assert "月份格式应为" in bad.content.decode() and "不在您的管辖范围内" in bad.content.decode()


def test_the_admin_page_is_denied_without_meeting_permissions(tree, orgs, client):
    client.force_login(user_with_role("talker", tree.corps))
    assert client.get(PAGE).status_code == 403
