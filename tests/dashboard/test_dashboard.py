"""The admin index as a dashboard: scoped, equal to the selectors, bounded queries."""

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from apps.people.selectors import membership_figures
from apps.reports.selectors import compliance_per_child
from apps.talks.selectors import coverage_per_child, period_bounds
from apps.units.models import Unit
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db


def figures(response):
    return {f["key"]: f for f in response.context["dashboard"]["figures"]}


def test_hq_dashboard_figures_equal_the_selectors(tree, client):
    hq = user_with_role("hq_admin", tree.corps, "hq")
    talker = user_with_role("secretary", tree.corps, "sec")
    for unit in (tree.station, tree.tqz, tree.station3):
        make_talk(make_person(unit), talker, date=timezone.localdate() - datetime.timedelta(days=1))
    make_person(tree.station2, status="masses")
    client.force_login(hq)
    response = client.get("/admin/")
    assert response.status_code == 200
    shown = figures(response)
    people = membership_figures(user=hq, root=tree.corps)["per_child"]
    assert shown["membership"]["rows"] == [[r["unit_name"], r["people"], r["party_members"]] for r in people]
    start, end = period_bounds("quarter", timezone.localdate())
    talks = coverage_per_child(user=hq, root=tree.corps, period_start=start, period_end=end)
    assert [row[:3] for row in shown["talks"]["rows"]] == [
        [r["unit_name"], r["people"], r["covered"]] for r in talks
    ]
    today = timezone.localdate()
    reports = compliance_per_child(
        user=hq,
        root=tree.corps,
        start=today - datetime.timedelta(days=30),
        end=today - datetime.timedelta(days=1),
    )
    assert [row[0] for row in shown["reports"]["rows"]] == [r["unit_name"] for r in reports]
    assert "chart.umd.min.js" in response.content.decode()


def test_station_admin_sees_only_the_station_and_cannot_pick_another_unit(tree, client):
    make_person(tree.station3, name="外站人员")
    client.force_login(user_with_role("unit_admin", tree.station, "station"))
    response = client.get("/admin/", {"unit": tree.det2.pk})
    assert response.context["dashboard"]["root"] == tree.station
    body = response.content.decode()
    assert "丙站" not in body and "乙市支队" not in body


def test_drilling_down_to_a_detachment(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps, "hq2"))
    response = client.get("/admin/", {"unit": tree.det.pk})
    assert response.context["dashboard"]["root"] == tree.det
    assert [u.pk for u in response.context["dashboard"]["children"]] == [tree.bat.pk, tree.tqz.pk]


def test_each_figure_downloads_as_xlsx(tree, client):
    make_person(tree.station)
    client.force_login(user_with_role("hq_admin", tree.corps, "hq3"))
    response = client.get("/dashboard/export/membership.xlsx", {"unit": tree.det.pk})
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("单位", "人数", "党员（含预备）")
    assert rows[1][0] == "甲区大队" and rows[1][1] == 1
    assert client.get("/dashboard/export/nope.xlsx").status_code == 404


def test_approver_sees_the_inbox_first(tree, client):
    from tests.factories.commendations import advance, make_nomination

    drafter = user_with_role("unit_admin", tree.station, "drafter")
    reviewer = user_with_role("secretary", tree.station, "reviewer")
    approver = user_with_role("approver", tree.bat, "approver")
    n = advance(
        make_nomination(tree.station, drafter, make_person(tree.station, name="待审批对象")), reviewer
    )
    client.force_login(approver)
    body = client.get("/admin/").content.decode()
    assert body.index("inbox-panel") < body.index("dashboard-title")
    assert "待审批对象" in body and f"/admin/commendations/nomination/{n.pk}/decide/" in body


def _grow(tree, factor):
    """``factor`` new stations, each with a person, a talk, a published grade and a nomination,
    so that every section has rows to aggregate."""
    from apps.evaluations.models import Scheme
    from apps.evaluations.selectors import ANNUAL_SCHEME_CODE
    from tests.factories.commendations import make_nomination

    scheme = Scheme.objects.get(code=ANNUAL_SCHEME_CODE)
    talker = user_with_role("secretary", tree.corps, f"grow{factor}")
    drafter = user_with_role("unit_admin", tree.bat, f"drafter{factor}")
    for i in range(factor):
        station = make_unit(tree.bat, "station", f"新站{factor}-{i}")
        person = make_person(station)
        make_talk(person, talker, date=timezone.localdate())
        _published(scheme, station, 80 + i, "称职", timezone.localdate().year)
        make_nomination(station, drafter, person, year=timezone.localdate().year)


def _queries(client):
    client.get("/admin/")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/admin/")
    return len(ctx)


def test_dashboard_query_count_does_not_grow_with_units(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps, "hq4"))
    _grow(tree, 3)
    few = _queries(client)
    _grow(tree, 9)
    assert _queries(client) == few


def _published(scheme, unit, total, grade, year):
    from apps.evaluations.models import Evaluation

    return Evaluation.objects.create(
        scheme=scheme,
        year=year,
        subject_kind="person",
        person=make_person(unit),
        unit=unit,
        status="published",
        total=Decimal(total),
        grade=grade,
    )


def test_evaluation_figure_equals_the_selector_for_the_picked_year(tree, client):
    from apps.evaluations.models import Scheme
    from apps.evaluations.selectors import ANNUAL_SCHEME_CODE, grade_distribution_per_child

    scheme = Scheme.objects.get(code=ANNUAL_SCHEME_CODE)
    _published(scheme, tree.station, 92, "优秀", 2025)
    _published(scheme, tree.station, 80, "称职", 2025)
    _published(scheme, tree.station3, 70, "基本称职", 2025)
    _published(scheme, tree.station3, 95, "优秀", 2024)  # another year: not shown
    hq = user_with_role("hq_admin", tree.corps, "hq5")
    client.force_login(hq)
    response = client.get("/admin/", {"year": "2025"})
    shown = figures(response)["evaluations"]
    expected = grade_distribution_per_child(user=hq, root=tree.corps, year=2025)
    by_name = {row[0]: row for row in shown["rows"]}
    grades = shown["columns"][1:-1]
    for r in expected:
        assert by_name[r["unit_name"]][1:-1] == [r["grades"].get(g, 0) for g in grades]
        assert by_name[r["unit_name"]][-1] == r["mean_total"]
    # brute force: three published 2025 grades in all
    assert sum(sum(row[1:-1]) for row in shown["rows"]) == 3
    assert shown["extra"]["平均分前三"] == ["甲市支队 86.00", "乙市支队 70.00"]
    assert shown["extra"]["平均分后三"] == []  # two ranked units: never listed twice
    assert shown["columns"][1:4] == ["优秀", "称职", "基本称职"]
    assert "year=2025" in shown["admin_url"] and f"unit_subtree={tree.corps.pk}" in shown["admin_url"]


def test_period_picker_changes_the_talk_period_and_survives_garbage(tree, client):
    client.force_login(user_with_role("hq_admin", tree.corps, "hq6"))
    month = client.get("/admin/", {"period": "month", "year": "2024"})
    assert month.context["dashboard"]["year"] == 2024
    assert figures(month)["talks"]["title"] == "谈心谈话覆盖率（2024年12月01日至2024年12月31日）"
    for garbage in ({"year": "abc", "period": "x"}, {"year": "1900"}, {"unit": "abc"}, {"unit": "999999"}):
        response = client.get("/admin/", garbage)
        assert response.status_code == 200
        assert response.context["dashboard"]["root"] == tree.corps
        assert response.context["dashboard"]["period"] == "quarter"
    xlsx = client.get(
        "/dashboard/export/talks.xlsx", {"unit": tree.det.pk, "period": "month", "year": "2024"}
    )
    assert xlsx.status_code == 200


def test_xlsx_of_an_unit_outside_the_scope_falls_back_to_the_own_unit(tree, client):
    make_person(tree.station3, name="外站人员")
    make_person(tree.station)
    client.force_login(user_with_role("unit_admin", tree.station, "station2"))
    response = client.get("/dashboard/export/membership.xlsx", {"unit": tree.corps.pk})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert all("丙站" not in str(r) and "乙市支队" not in str(r) for r in rows)


def test_anonymous_users_cannot_download(client):
    response = client.get("/dashboard/export/membership.xlsx")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_commendation_and_report_figures_equal_brute_force_counts(tree, client):
    from apps.commendations.models import Nomination
    from tests.factories.commendations import advance, make_nomination

    year = timezone.localdate().year
    drafter = user_with_role("unit_admin", tree.corps, "c_drafter")
    reviewer = user_with_role("secretary", tree.corps, "c_reviewer")
    for unit in (tree.station, tree.station, tree.station3):
        make_nomination(unit, drafter, make_person(unit), year=year)
    advance(make_nomination(tree.tqz, drafter, make_person(tree.tqz), year=year), reviewer)
    make_nomination(tree.station, drafter, make_person(tree.station), year=year - 1)  # other year
    det_admin = user_with_role("hq_admin", tree.det, "c_det")
    client.force_login(det_admin)
    response = client.get("/admin/")
    shown = figures(response)
    in_det = [n for n in Nomination.objects.all() if n.unit.path.startswith(tree.det.path) and n.year == year]
    expected = {
        label: sum(1 for n in in_det if n.status == code) for code, label in Nomination.Status.choices
    }
    assert dict(map(tuple, shown["commendations"]["rows"])) == expected
    assert sum(expected.values()) == 3  # 乙市支队's and last year's are not counted
    today = timezone.localdate()
    reports = compliance_per_child(
        user=det_admin,
        root=tree.det,
        start=today - datetime.timedelta(days=30),
        end=today - datetime.timedelta(days=1),
    )
    assert shown["reports"]["rows"] == [
        [r["unit_name"], r["expected"], r["filed"], r["late"], r["compliance_pct"]] for r in reports
    ]


def test_talk_coverage_reads_tonights_stored_snapshots_and_they_equal_live_sql(tree, client):
    from apps.talks.models import CoverageSnapshot
    from apps.talks.tasks import coverage_snapshots_store

    talker = user_with_role("secretary", tree.corps, "s_sec")
    for unit in (tree.station, tree.station3, tree.station3):
        make_talk(make_person(unit), talker, date=timezone.localdate())
    hq = user_with_role("hq_admin", tree.corps, "s_hq")
    client.force_login(hq)
    live = figures(client.get("/admin/"))["talks"]["rows"]
    coverage_snapshots_store(today=timezone.localdate())
    stored = figures(client.get("/admin/"))["talks"]["rows"]
    assert stored == live
    CoverageSnapshot.objects.filter(unit=tree.det).update(covered=0)  # proves the stored row is read
    marked = figures(client.get("/admin/"))["talks"]["rows"]
    assert marked[0][0] == tree.det.name and marked[0][2] == 0 and live[0][2] == 1


def test_each_figure_links_to_an_admin_list_that_understands_its_filters(tree, client):
    make_person(tree.station)
    client.force_login(user_with_role("hq_admin", tree.corps, "l_hq"))
    shown = figures(client.get("/admin/", {"unit": tree.det.pk}))
    assert set(shown) == {"membership", "talks", "evaluations", "commendations", "reports"}
    for key, f in shown.items():
        response = client.get(f["admin_url"])
        assert response.status_code == 200, (key, f["admin_url"], response.status_code)


def test_membership_figures_read_the_people_once_and_equal_a_plain_count(tree, django_assert_num_queries):
    from apps.people.models import PARTY_MEMBER_STATUSES, Person, PersonCategory, PoliticalStatus

    hq = user_with_role("hq_admin", tree.corps, "memb_q")
    for unit, status in [
        (tree.station, "full_member"),
        (tree.tqz, "probationary"),
        (tree.station2, "masses"),
    ]:
        make_person(unit, status=status)
    with django_assert_num_queries(3):  # the grants, the children, one grouped statement
        figures = membership_figures(user=hq, root=tree.corps)
    for unit in (tree.station, tree.station3, tree.det2):
        make_person(unit, status="probationary")
    with django_assert_num_queries(3):
        figures = membership_figures(user=hq, root=tree.corps)
    people = Person.objects.filter(is_active=True, unit__path__startswith=tree.corps.path)
    for row in figures["per_child"]:
        child = people.filter(unit__path__startswith=Unit.objects.get(pk=row["unit_id"]).path)
        assert (row["people"], row["party_members"]) == (
            child.count(),
            child.filter(political_status__in=PARTY_MEMBER_STATUSES).count(),
        )
    assert figures["by_category"] == {
        label: people.filter(category=code).count() for code, label in PersonCategory.choices
    }
    assert figures["by_status"] == {
        label: people.filter(political_status=code).count() for code, label in PoliticalStatus.choices
    }
    assert sum(figures["by_status"].values()) == people.count() > 0
