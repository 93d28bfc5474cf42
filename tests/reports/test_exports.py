""".xlsx exports of 六责 items and party-group weekly reports: API actions filtered like the
list, admin actions, scoped, a fixed number of queries."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.reports.exports import GROUP_WEEKLY_HEADERS, RESPONSIBILITY_HEADERS
from apps.reports.models import GroupWeeklyReport, ResponsibilityItem
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
MONDAY = datetime.date(2026, 11, 2)


def sheet(response):
    assert response.status_code == 200, response.content[:300]
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    return rows[0], rows[1:]


@pytest.fixture
def orgs(tree):
    branches = {}
    for unit in (tree.station, tree.tqz, tree.station3):
        branch = make_org(unit, "branch", name=f"{unit.name}党支部")
        branches[unit.pk] = (branch, make_org(unit, "party_group", parent=branch, name=f"{unit.name}一组"))
    return branches


def items(tree, orgs, n=1, year=2026):
    for unit in (tree.station, tree.tqz, tree.station3):
        person = make_person(unit, name=f"{unit.name}责任人")
        for i in range(n):
            ResponsibilityItem.objects.create(
                organisation=orgs[unit.pk][0],
                year=year,
                kind="supervise" if i % 2 else "clarify",
                description=f"{unit.name}事项{i}",
                assignee=person,
                due_date=datetime.date(2020, 1, 1),
                completed_on=datetime.date(2020, 1, 1) if i % 2 else None,
            )


def weekly(tree, orgs, weeks=1, user=None):
    user = user or user_with_role("secretary", tree.corps)
    for unit in (tree.station, tree.tqz, tree.station3):
        for w in range(weeks):
            GroupWeeklyReport.objects.create(
                group=orgs[unit.pk][1],
                week_start=MONDAY - datetime.timedelta(weeks=w),
                work_done=f"{unit.name}第{w}周工作",
                filed_by=user,
            )


def test_responsibility_export_is_scoped_and_filtered_like_the_list(tree, orgs, api):
    items(tree, orgs, n=2)
    items(tree, orgs, n=1, year=2025)
    client = api(user_with_role("unit_admin", tree.det))
    header, rows = sheet(client.get("/api/reports/responsibilities/export/", {"year": 2026}))
    assert list(header) == RESPONSIBILITY_HEADERS
    assert sorted(r[1] for r in rows) == ["特勤站党支部"] * 2 + ["甲站党支部"] * 2  # not 丙站 (det2)
    first = next(r for r in rows if r[4] == "甲站事项0")
    assert first[:4] == (2026, "甲站党支部", "甲站", "明责") and first[5] == "甲站责任人"
    assert first[8] == "已逾期"
    assert next(r for r in rows if r[4] == "甲站事项1")[8] == "已完成"
    listed = client.get(
        "/api/reports/responsibilities/", {"year": 2026, "unit": tree.bat.pk, "kind": "clarify"}
    )
    _, filtered = sheet(
        client.get(
            "/api/reports/responsibilities/export/", {"year": 2026, "unit": tree.bat.pk, "kind": "clarify"}
        )
    )
    assert [r[4] for r in filtered] == [i["description"] for i in listed.json()["results"]] == ["甲站事项0"]
    _, done = sheet(client.get("/api/reports/responsibilities/export/", {"completed": "true"}))
    assert {r[8] for r in done} == {"已完成"}


def test_group_weekly_export_is_scoped_and_filtered_like_the_list(tree, orgs, api):
    weekly(tree, orgs, weeks=2)
    client = api(user_with_role("unit_admin", tree.det))
    header, rows = sheet(client.get("/api/reports/group-weekly/export/"))
    assert list(header) == GROUP_WEEKLY_HEADERS
    assert len(rows) == 4 and {r[3] for r in rows} == {"甲站", "特勤站"}
    row = next(r for r in rows if r[1] == "甲站一组" and r[0] == datetime.datetime(2026, 11, 2))
    assert row[2] == "甲站党支部" and row[4] == "甲站第0周工作"
    branch = orgs[tree.tqz.pk][0]
    _, by_branch = sheet(
        client.get("/api/reports/group-weekly/export/", {"branch": branch.pk, "week_from": "2026-11-01"})
    )
    assert [(r[1], r[0].date()) for r in by_branch] == [("特勤站一组", MONDAY)]
    _, out_of_scope = sheet(client.get("/api/reports/group-weekly/export/", {"unit": tree.det2.pk}))
    assert out_of_scope == []


@pytest.mark.parametrize(
    "url", ["/api/reports/responsibilities/export/", "/api/reports/group-weekly/export/"]
)
def test_exports_are_denied_without_the_view_permission(tree, orgs, api, url):
    assert api(user_with_role("talker", tree.det)).get(url).status_code == 403
    assert api().get(url).status_code in (401, 403)


@pytest.mark.parametrize(
    "url,params",
    [
        ("/api/reports/responsibilities/export/", {"year": "abc"}),
        ("/api/reports/responsibilities/export/", {"kind": "nope"}),
        ("/api/reports/group-weekly/export/", {"week_from": "2026-13-01"}),
        ("/api/reports/group-weekly/export/", {"branch": "x"}),
    ],
)
def test_bad_filters_are_400(tree, orgs, api, url, params):
    assert api(user_with_role("unit_admin", tree.det)).get(url, params).status_code == 400


@pytest.mark.parametrize(
    "url,make",
    [
        ("/api/reports/responsibilities/export/", lambda t, o, n: items(t, o, n=n)),
        ("/api/reports/group-weekly/export/", lambda t, o, n: weekly(t, o, weeks=n)),
    ],
)
def test_exports_run_the_same_number_of_queries_for_few_and_many_rows(tree, orgs, api, url, make):
    client = api(user_with_role("unit_admin", tree.corps))

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    make(tree, orgs, 1)
    count()  # warm the user's permission cache
    few = count()
    ResponsibilityItem.objects.all().delete()
    GroupWeeklyReport.objects.all().delete()
    make(tree, orgs, 12)
    assert count() == few


@pytest.mark.parametrize(
    "model,make,headers",
    [
        ("responsibilityitem", lambda t, o: items(t, o, n=2), RESPONSIBILITY_HEADERS),
        ("groupweeklyreport", lambda t, o: weekly(t, o, weeks=2), GROUP_WEEKLY_HEADERS),
    ],
)
def test_the_admin_export_action_uses_the_same_columns_and_the_scope(
    tree, orgs, client, model, make, headers
):
    make(tree, orgs)
    client.force_login(user_with_role("unit_admin", tree.det))
    url = f"/admin/reports/{model}/"
    listed = client.get(url, {"unit_subtree": tree.bat.pk})
    ids = [str(o.pk) for o in listed.context["cl"].result_list]
    assert len(ids) == 2
    header, rows = sheet(client.post(url, {"action": "export_xlsx", "_selected_action": ids}))
    assert list(header) == headers and len(rows) == 2
    assert all("甲站" in str(cell) for row in rows for cell in row[1:2])


def test_the_admin_export_action_never_exports_rows_outside_the_scope(tree, orgs, client):
    items(tree, orgs, n=1)
    far = ResponsibilityItem.objects.filter(organisation__unit=tree.station3).values_list("pk", flat=True)
    near = ResponsibilityItem.objects.filter(organisation__unit=tree.station).values_list("pk", flat=True)
    client.force_login(user_with_role("unit_admin", tree.det))
    url = "/admin/reports/responsibilityitem/"
    response = client.post(url, {"action": "export_xlsx", "_selected_action": [str(far[0]), str(near[0])]})
    _, rows = sheet(response)
    assert [r[2] for r in rows] == ["甲站"]
    _, none = sheet(client.post(url, {"action": "export_xlsx", "_selected_action": [str(far[0])]}))
    assert none == []
