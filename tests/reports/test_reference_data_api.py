"""Reporting policies 零报告报送设置 and deliberation lists 必议事项清单 as API operations for
those entitled: policies are set by the level above the unit (``reporting_policy.manage``),
the lists are global and managed from the top of the tree (``deliberation_list.manage``);
both through the services, which the admin uses too. The overdue weekly-report list answers
the paged shape its schema declares."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.reports.models import Decision, DeliberationItem, DeliberationList, ReportingPolicy
from tests.factories.people import make_org
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db

POLICIES = "/api/reports/policies/"
LISTS = "/api/reports/deliberation-lists/"


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


# --- reporting policies -------------------------------------------------------------------------


def policy_state(policy):
    fresh = ReportingPolicy.objects.get(pk=policy.pk)
    return fresh.unit_id, fresh.must_report, fresh.deadline, fresh.history.count()


def test_the_battalion_sets_changes_and_removes_a_stations_policy(tree, api):
    bat_admin = user_with_role("unit_admin", tree.bat)
    client = api(bat_admin)
    created = client.post(
        POLICIES, {"unit": tree.station.pk, "must_report": True, "deadline": "17:00"}, format="json"
    )
    assert created.status_code == 201, created.content
    policy = ReportingPolicy.objects.get(unit=tree.station)
    assert policy.history.get().history_user == bat_admin
    changed = client.patch(f"{POLICIES}{policy.pk}/", {"deadline": "16:30"}, format="json")
    assert changed.status_code == 200 and changed.json()["deadline"] == "16:30:00"
    assert client.delete(f"{POLICIES}{policy.pk}/").status_code == 204
    assert not ReportingPolicy.objects.filter(unit=tree.station).exists()


def test_a_station_does_not_exempt_itself_from_the_zero_report(tree, api):
    policy = ReportingPolicy.objects.create(unit=tree.station)
    before = policy_state(policy)
    client = api(user_with_role("unit_admin", tree.station))
    assert client.get(f"{POLICIES}{policy.pk}/").status_code == 200
    refused = client.patch(f"{POLICIES}{policy.pk}/", {"must_report": False}, format="json")
    assert refused.status_code == 403 and "上级单位" in refused.json()["detail"]
    assert client.delete(f"{POLICIES}{policy.pk}/").status_code == 403
    assert policy_state(policy) == before
    squad = client.post(POLICIES, {"unit": tree.squad.pk, "must_report": False}, format="json")
    assert squad.status_code == 201, squad.content  # the station decides for the squad below it


def test_a_viewer_is_refused_and_another_battalions_policy_is_missing(tree, api):
    mine = ReportingPolicy.objects.create(unit=tree.station)
    theirs = ReportingPolicy.objects.create(unit=tree.station3)
    viewer = api(user_with_role("viewer", tree.station))
    assert viewer.patch(f"{POLICIES}{mine.pk}/", {"must_report": False}, format="json").status_code == 403
    assert viewer.post(POLICIES, {"unit": tree.squad.pk}, format="json").status_code == 403
    bat_admin = api(user_with_role("unit_admin", tree.bat))
    assert bat_admin.get(f"{POLICIES}{theirs.pk}/").status_code == 404
    assert (
        bat_admin.patch(f"{POLICIES}{theirs.pk}/", {"must_report": False}, format="json").status_code == 404
    )
    assert {row["id"] for row in bat_admin.get(POLICIES).json()["results"]} == {mine.pk}
    assert policy_state(theirs)[1] is True and policy_state(mine)[1] is True


def test_bad_policy_input_is_refused_in_chinese(tree, api):
    client = api(user_with_role("unit_admin", tree.bat))
    ReportingPolicy.objects.create(unit=tree.station)
    rows = ReportingPolicy.objects.count()
    twice = client.post(POLICIES, {"unit": tree.station.pk}, format="json")
    assert twice.status_code == 400 and "已有零报告报送设置" in twice.json()["unit"][0]
    bad_time = client.post(POLICIES, {"unit": tree.station2.pk, "deadline": "25:99"}, format="json")
    assert bad_time.status_code == 400 and "deadline" in bad_time.json()
    outside = client.post(POLICIES, {"unit": tree.station3.pk}, format="json")
    assert outside.status_code == 400 and "unit" in outside.json()
    assert ReportingPolicy.objects.count() == rows


def test_the_policy_list_runs_a_fixed_number_of_queries(tree, api):
    client = api(user_with_role("hq_admin", tree.corps))
    ReportingPolicy.objects.create(unit=tree.station)
    few = count_queries(client, POLICIES)
    for unit in (tree.station2, tree.bat, tree.det, tree.det2, tree.station3, tree.tqz):
        ReportingPolicy.objects.create(unit=unit)
    assert count_queries(client, POLICIES) == few


def test_the_policy_admin_goes_through_the_same_service(tree, client):
    policy = ReportingPolicy.objects.create(unit=tree.station)
    before = policy_state(policy)
    station_admin = user_with_role("unit_admin", tree.station)
    client.force_login(station_admin)
    response = client.post(
        f"/admin/reports/reportingpolicy/{policy.pk}/change/",
        {"unit": tree.station.pk, "must_report": "", "deadline": "18:00"},
    )
    assert response.status_code in (200, 403)
    assert policy_state(policy) == before
    bat_admin = user_with_role("unit_admin", tree.bat)
    client.force_login(bat_admin)
    saved = client.post(
        f"/admin/reports/reportingpolicy/{policy.pk}/change/",
        {"unit": tree.station.pk, "must_report": "", "deadline": "17:45"},
    )
    assert saved.status_code == 302, saved.content[:2000]
    policy.refresh_from_db()
    assert policy.must_report is False and policy.history.latest().history_user == bat_admin


# --- deliberation lists ---------------------------------------------------------------------------


@pytest.fixture
def hq(tree):
    return user_with_role("hq_admin", tree.root, "hq_top")


def test_hq_at_the_top_creates_updates_and_deletes_a_list_with_its_items(tree, api, hq):
    client = api(hq)
    created = client.post(
        LISTS,
        {
            "code": "sanbiyi",
            "name": "三必议",
            "unit_kinds": "station, battalion",
            "items": [{"order": 1, "text": "年度计划"}, {"order": 2, "text": "评先评优"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["unit_kinds"] == "station,battalion"
    assert [(i["order"], i["text"]) for i in body["items"]] == [(1, "年度计划"), (2, "评先评优")]
    lst = DeliberationList.objects.get(code="sanbiyi")
    first = lst.items.get(order=1)
    changed = client.patch(
        f"{LISTS}{lst.pk}/",
        {"items": [{"order": 1, "text": "年度工作计划"}, {"order": 3, "text": "经费使用"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert [(i["order"], i["text"]) for i in changed.json()["items"]] == [
        (1, "年度工作计划"),
        (3, "经费使用"),
    ]
    assert lst.items.get(order=1).pk == first.pk  # a kept 序号 keeps its row (decisions stay linked)
    assert client.delete(f"{LISTS}{lst.pk}/").status_code == 204
    assert not DeliberationList.objects.filter(pk=lst.pk).exists()


@pytest.mark.parametrize(
    "role,where", [("hq_admin", "corps"), ("unit_admin", "station"), ("viewer", "station")]
)
def test_below_the_top_deliberation_lists_are_read_only(tree, api, role, where):
    lst = DeliberationList.objects.create(code="l1", name="清单", unit_kinds="station")
    DeliberationItem.objects.create(list=lst, order=1, text="事项")
    rows, items = DeliberationList.objects.count(), DeliberationItem.objects.count()
    client = api(user_with_role(role, getattr(tree, where)))
    assert client.get(f"{LISTS}{lst.pk}/").status_code == 200
    body = {"code": "l2", "name": "新", "unit_kinds": "station", "items": []}
    assert client.post(LISTS, body, format="json").status_code == 403
    assert client.patch(f"{LISTS}{lst.pk}/", {"name": "改"}, format="json").status_code == 403
    assert client.delete(f"{LISTS}{lst.pk}/").status_code == 403
    lst.refresh_from_db()
    assert lst.name == "清单"
    assert (DeliberationList.objects.count(), DeliberationItem.objects.count()) == (rows, items)


def test_an_item_a_decision_cites_is_neither_dropped_nor_its_list_deleted(tree, api, hq):
    lst = DeliberationList.objects.create(code="cited", name="清单", unit_kinds="station")
    item = DeliberationItem.objects.create(list=lst, order=1, text="评先评优")
    Decision.objects.create(
        organisation=make_org(tree.station, "branch"),
        item=item,
        date=datetime.date(2026, 10, 1),
        matter="评先",
    )
    client = api(hq)
    dropped = client.patch(f"{LISTS}{lst.pk}/", {"items": [{"order": 2, "text": "其他"}]}, format="json")
    assert dropped.status_code == 400 and "议事决定引用" in dropped.json()["items"][0]
    assert list(lst.items.values_list("order", flat=True)) == [1]
    deleted = client.delete(f"{LISTS}{lst.pk}/")
    assert deleted.status_code == 400 and "不能删除" in deleted.json()["non_field_errors"][0]
    assert DeliberationList.objects.filter(pk=lst.pk).exists()


def test_bad_list_input_is_refused_in_chinese_and_nothing_is_written(tree, api, hq):
    client = api(hq)
    DeliberationList.objects.create(code="taken", name="已有", unit_kinds="station")
    rows, items = DeliberationList.objects.count(), DeliberationItem.objects.count()
    base = {"code": "new", "name": "新清单", "unit_kinds": "station", "items": [{"order": 1, "text": "事项"}]}
    cases = {
        "unit_kinds": {**base, "unit_kinds": "planet"},
        "code": {**base, "code": "taken"},
        "items": {**base, "items": [{"order": 1, "text": "甲"}, {"order": 1, "text": "乙"}]},
    }
    for field, body in cases.items():
        response = client.post(LISTS, body, format="json")
        assert response.status_code == 400, (field, response.content)
        message = str(response.json()[field])
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (field, message)
    assert (DeliberationList.objects.count(), DeliberationItem.objects.count()) == (rows, items)


def test_the_deliberation_list_runs_a_fixed_number_of_queries(tree, api):
    client = api(user_with_role("viewer", tree.station))
    few = count_queries(client, LISTS)
    for n in range(8):
        lst = DeliberationList.objects.create(code=f"q{n}", name=f"清单{n}", unit_kinds="station")
        DeliberationItem.objects.bulk_create(
            DeliberationItem(list=lst, order=i, text="事项") for i in (1, 2, 3)
        )
    assert count_queries(client, LISTS) == few


def test_the_deliberation_list_admin_goes_through_the_same_service(tree, client, hq):
    client.force_login(hq)
    added = client.post(
        "/admin/reports/deliberationlist/add/",
        {
            "code": "admin_list",
            "name": "后台清单",
            "unit_kinds": "station",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-order": "1",
            "items-0-text": "事项一",
        },
    )
    assert added.status_code == 302, added.content[:3000]
    lst = DeliberationList.objects.get(code="admin_list")
    assert lst.history.get().history_user == hq
    assert list(lst.items.values_list("text", flat=True)) == ["事项一"]
    client.force_login(user_with_role("unit_admin", tree.station))
    assert client.get("/admin/reports/deliberationlist/add/").status_code == 403


# --- the overdue weekly-report list ----------------------------------------------------------------


def test_the_overdue_weekly_report_list_answers_its_declared_paged_shape(tree, api):
    branch = make_org(tree.station, "branch")
    squad = make_unit(tree.station, "squad")
    for n in range(3):
        make_org(squad, "party_group", parent=branch, name=f"党小组{n}")
    client = api(user_with_role("unit_admin", tree.station))
    response = client.get("/api/reports/group-weekly/overdue/", {"branch": branch.pk, "page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    assert set(body["results"][0]) == {"group_id", "group_name", "week_start"}
    missing = client.get("/api/reports/group-weekly/overdue/", {"branch": 999999})
    assert missing.status_code == 400 and "branch" in missing.json()
