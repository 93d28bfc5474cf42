"""The HQ board's figures read once (issues 17 and 19): one coverage statement equal to the two
coverage selectors, shared by the board and the admin index's chart, the oldest stuck
nominations first."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.commendations.models import Nomination
from apps.talks.selectors import coverage_for_unit, coverage_per_child, coverage_tree, period_bounds
from apps.talks.services import talk_record_void
from apps.units.models import Unit
from apps.workbench.selectors import board
from tests.factories.commendations import make_nomination
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_unit, user_with_role

pytestmark = pytest.mark.django_db

COVERAGE_STATEMENT = 'g."covered"'


@pytest.fixture
def talks(tree):
    """Talks and follow-ups spread over the corps: some at the corps itself, under a dissolved
    detachment, voided, before the period, with overdue and not yet due follow-ups."""
    today = timezone.localdate()
    talker = user_with_role("secretary", tree.corps, "cov_sec")
    gone = make_unit(tree.corps, "detachment", "撤销支队")
    people = [make_person(u) for u in (tree.station, tree.station, tree.tqz, tree.station3, tree.corps, gone)]
    make_person(tree.station2)
    make_person(tree.det2, is_active=False)
    overdue = [{"owner": talker, "due_date": today - datetime.timedelta(days=3)}]
    not_due = [{"owner": talker, "due_date": today + datetime.timedelta(days=3)}]
    before = today - datetime.timedelta(days=5)  # a follow-up is due after its talk
    make_talk(people[0], talker, date=before, followups=overdue)
    make_talk(people[0], talker, date=today, followups=not_due)
    make_talk(people[2], talker, date=before, followups=overdue + overdue)
    make_talk(people[4], talker, date=before, followups=overdue)
    make_talk(people[5], talker, date=before, followups=overdue)
    talk_record_void(record=make_talk(people[3], talker, date=today), actor=talker, reason="录错")
    make_talk(people[1], talker, date=today - datetime.timedelta(days=400))
    Unit.objects.filter(pk=gone.pk).update(dissolved_on=today)
    return today


@pytest.mark.parametrize(
    "who, where, root", [("hq", "corps", "corps"), ("hq", "corps", "det"), ("det", "det", "det")]
)
def test_coverage_tree_equals_the_unit_and_per_child_selectors(tree, talks, who, where, root):
    user = user_with_role("hq_admin" if who == "hq" else "secretary", getattr(tree, where), f"cov_{who}")
    root = Unit.objects.get(pk=getattr(tree, root).pk)
    start, end = period_bounds("quarter", talks)
    figures = coverage_tree(user=user, root=root, period_start=start, period_end=end, today=talks)
    assert figures["total"] == coverage_for_unit(
        user=user, unit=root, period_start=start, period_end=end, today=talks
    )
    assert figures["children"] == coverage_per_child(
        user=user, root=root, period_start=start, period_end=end, today=talks
    )
    assert figures["total"]["overdue_followups"] > 0 and figures["total"]["covered"] > 0


@pytest.mark.parametrize(
    "who, where, root", [("hq", "corps", "corps"), ("det", "det", "det"), ("det", "det", "corps")]
)
def test_each_child_row_equals_the_coverage_of_that_childs_subtree(tree, talks, who, where, root):
    """``coverage_per_child`` is ``coverage_tree``'s children: check each row against the plain
    ORM count of that child (``coverage_for_unit``), not against the tree itself."""
    user = user_with_role("hq_admin" if who == "hq" else "secretary", getattr(tree, where), f"cc_{who}")
    root = Unit.objects.get(pk=getattr(tree, root).pk)
    start, end = period_bounds("quarter", talks)
    rows = coverage_per_child(user=user, root=root, period_start=start, period_end=end, today=talks)
    children = Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    ).order_by("path")
    assert [r["unit_id"] for r in rows] == [c.pk for c in children]
    for row, child in zip(rows, children, strict=True):
        expected = coverage_for_unit(user=user, unit=child, period_start=start, period_end=end, today=talks)
        assert row == expected


def test_coverage_statement_count_does_not_grow_with_people_or_talks(tree, talks, django_assert_num_queries):
    hq = user_with_role("hq_admin", tree.corps, "cov_grow")
    talker = user_with_role("secretary", tree.corps, "cov_grow_sec")
    start, end = period_bounds("quarter", talks)

    def run():
        return coverage_per_child(user=hq, root=tree.corps, period_start=start, period_end=end, today=talks)

    with django_assert_num_queries(2):  # the grants, then one grouped statement
        before = run()
    for station in (tree.station, tree.station2, tree.station3):
        for _ in range(3):
            make_talk(make_person(station), talker, date=talks)
    with django_assert_num_queries(2):
        after = run()
    assert sum(r["people"] for r in after) == sum(r["people"] for r in before) + 9
    assert sum(r["covered"] for r in after) == sum(r["covered"] for r in before) + 9


def test_coverage_tree_of_a_user_who_sees_nothing_of_it(tree, talks):
    outsider = user_with_role("secretary", tree.corps2, "cov_out")
    start, end = period_bounds("quarter", talks)
    figures = coverage_tree(user=outsider, root=tree.corps, period_start=start, period_end=end, today=talks)
    assert figures["total"] == coverage_for_unit(
        user=outsider, unit=tree.corps, period_start=start, period_end=end, today=talks
    )
    assert [r["people"] for r in figures["children"]] == [0, 0]


def test_board_tiles_equal_the_coverage_of_the_whole_subtree(tree, talks):
    hq = user_with_role("hq_admin", tree.corps, "cov_hq2")
    shown = board(hq, tree.corps)["tiles"]
    start, end = period_bounds("quarter", talks)
    expected = coverage_for_unit(user=hq, unit=tree.corps, period_start=start, period_end=end, today=talks)
    assert (shown["people"], shown["covered"], shown["coverage_pct"], shown["overdue_followups"]) == (
        expected["people"],
        expected["covered"],
        expected["coverage_pct"],
        expected["overdue_followups"],
    )


def test_admin_index_reads_the_coverage_once_for_the_board_and_the_chart(tree, talks, client):
    client.force_login(user_with_role("hq_admin", tree.corps, "cov_hq3"))
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")
    assert response.status_code == 200
    assert response.context["board"] is not None
    assert len([q for q in ctx.captured_queries if COVERAGE_STATEMENT in q["sql"]]) == 1


def test_stuck_nominations_are_the_ten_oldest_waiting(tree, client):
    from tests.factories.commendations import advance

    drafter = user_with_role("unit_admin", tree.station, "cov_drafter")
    reviewer = user_with_role("secretary", tree.station, "cov_reviewer")
    now = timezone.now()
    for days in range(15, 28):
        nomination = make_nomination(tree.station, drafter, make_person(tree.station))
        advance(nomination, reviewer)
        Nomination.objects.filter(pk=nomination.pk).update(waiting_since=now - datetime.timedelta(days=days))
    fresh = advance(make_nomination(tree.station, drafter, make_person(tree.station)), reviewer)
    hq = user_with_role("hq_admin", tree.corps, "cov_hq4")
    stuck = board(hq, tree.corps, now=now)["stuck"]
    expected = list(
        Nomination.objects.filter(
            status__in=["submitted", "approving"], waiting_since__lt=now - datetime.timedelta(days=14)
        )
        .order_by("waiting_since", "pk")
        .values_list("pk", flat=True)[:10]
    )
    assert [n.pk for n in stuck] == expected and len(expected) == 10
    assert fresh.pk not in expected


@pytest.mark.parametrize("who", ["hq", "battalion"])
def test_units_missing_today_equals_missing_today(tree, who):
    from apps.reports.models import ReportingPolicy
    from apps.reports.selectors import missing_today, units_missing_today
    from apps.reports.services import zero_report_file

    filer = user_with_role("unit_admin", tree.station, "miss_filer")
    zero_report_file(unit=tree.station, report_date=timezone.localdate(), actor=filer)
    ReportingPolicy.objects.create(unit=tree.squad, must_report=True, deadline=datetime.time(7, 0))
    ReportingPolicy.objects.create(
        unit=tree.bat2, must_report=False, deadline=datetime.time(9, 0)
    )  # excuses 丙站
    ReportingPolicy.objects.create(unit=tree.tqz, must_report=False, deadline=datetime.time(9, 0))
    user = user_with_role("hq_admin", tree.corps if who == "hq" else tree.bat, f"miss_{who}")
    for root in (tree.corps, tree.bat, tree.station):
        if who == "battalion" and root == tree.corps:
            continue
        assert units_missing_today(user=user, root=root) == missing_today(user=user, root=root)
    assert "甲站一班" in [r["unit_name"] for r in units_missing_today(user=user, root=tree.bat)]
    if who == "hq":
        names = [r["unit_name"] for r in units_missing_today(user=user, root=tree.corps)]
        assert "丙站" not in names and "特勤站" not in names and "乙站" in names


def test_admin_index_app_list_is_the_stock_one_and_built_once(tree, client):
    from django.contrib import admin
    from django.test import RequestFactory

    hq = user_with_role("hq_admin", tree.corps, "cov_apps")
    client.force_login(hq)
    response = client.get("/admin/")
    request = RequestFactory().get("/admin/")
    request.user = hq
    stock = admin.site.get_app_list(request)  # no memo outside the index
    assert response.context["app_list"] == stock
    assert response.context["available_apps"] == stock
