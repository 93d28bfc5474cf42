"""The board's figures are grouped SQL; here they are checked against a plain Python count
over every row of a hand-built operation, per drill-down row and in total, and their query
count is checked to stay the same when the operation grows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.operations import selectors, services
from apps.operations.models import (
    CareAction,
    CommendedPerson,
    CoveredUnit,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
)
from apps.party.models import TeamMembership
from apps.talks.models import TalkRecord

from .helpers import group_reporting, populate

pytestmark = pytest.mark.django_db

CARE_TALKS = {
    "talk": "wartime",
    "home_visit": "home_visit",
    "solidarity": "solidarity_visit",
    "isolation": "isolation_talk",
}


def brute_force(op, root, now):
    """Every figure counted row by row in Python, keyed by the drill-down prefix."""
    today = timezone.localdate(now)
    step = len(root.path) + 4
    rows = {}

    def add(path, name, value=1):
        if not path.startswith(root.path):
            return
        row = rows.setdefault(path[:step], dict.fromkeys(selectors.FIGURES, 0))
        row[name] += value

    visited = {v.unit_id for v in InspectionVisit.objects.filter(operation=op)}
    for c in CoveredUnit.objects.filter(operation=op).select_related("unit"):
        add(c.unit.path, "covered_units")
        if c.unit.kind != "squad" and c.unit_id not in visited:
            add(c.unit.path, "unvisited_units")
    for o in OperationOrganisation.objects.filter(operation=op).select_related("organisation__unit"):
        add(o.organisation.unit.path, "temporary_organisations")
    teams = list(OperationTeam.objects.filter(operation=op).select_related("team__unit"))
    for o in teams:
        add(o.team.unit.path, "teams")
    for m in TeamMembership.objects.filter(team__in=[o.team for o in teams]).select_related("team__unit"):
        add(m.team.unit.path, "team_members")
    for p in Pledge.objects.filter(operation=op).select_related("unit"):
        add(p.unit.path, "pledges")
        add(p.unit.path, "volunteers", int(p.volunteer))
    last_day = op.closed_on or today
    for f in FrontlinePerson.objects.filter(operation=op).select_related("unit"):
        add(f.unit.path, "frontline")
        done = set(CareAction.objects.filter(operation=op, person=f.person).values_list("item", flat=True))
        for item, kind in CARE_TALKS.items():
            if TalkRecord.objects.filter(
                person=f.person, kind=kind, date__range=(op.start_date, last_day)
            ).exists():
                done.add(item)
        need = {"talk", "home_visit", "solidarity", "difficulty"} | ({"isolation"} if f.isolated else set())
        add(f.unit.path, "care_complete", int(need <= done))
    first, last = selectors.reporting_window(op, now)
    days = max((last - first).days + 1, 0)
    filed_due = {}
    for r in DailyReport.objects.filter(operation=op).select_related("unit"):
        if r.report_date > last_day:
            continue
        add(r.unit.path, "reports_filed")
        add(r.unit.path, "reports_late", int(r.is_late))
        add(r.unit.path, "difficulties_raised", r.difficulties_raised)
        add(r.unit.path, "difficulties_solved", r.difficulties_solved)
        add(r.unit.path, "suggestions", len([x for x in r.suggestions.splitlines() if x.strip()]))
        if first <= r.report_date <= last:
            key = r.unit.path[:step]
            filed_due[key] = filed_due.get(key, 0) + 1
    for e in selectors.expected_reporters(operation=op):
        from apps.units.models import Unit

        add(Unit.objects.get(pk=e["unit_id"]).path, "reports_expected", days)
    for key, row in rows.items():
        row["reports_missing"] = max(row["reports_expected"] - filed_due.get(key, 0), 0)
    for v in InspectionVisit.objects.filter(operation=op).select_related("unit"):
        add(v.unit.path, "visits")
    for o in Observation.objects.filter(operation=op).select_related("unit"):
        add(o.unit.path, "observations")
    seen = set()
    for e in CommendedPerson.objects.filter(commendation__operation=op).select_related("unit"):
        key = (e.unit.path[:step], e.person_id)
        if key not in seen:
            seen.add(key)
            add(e.unit.path, "commended")
    return rows


def _by_prefix(board, root):
    from apps.units.models import Unit

    paths = dict(Unit.objects.values_list("pk", "path"))
    return {paths[r["unit_id"]]: {k: r[k] for k in selectors.FIGURES} for r in board["rows"]}


@pytest.mark.parametrize("drill", ["det", "bat"])
def test_the_board_equals_a_brute_force_count(ops, active, drill):
    populate(ops, active, scale=2)
    root = getattr(ops.tree, drill)
    now = timezone.now()
    board = selectors.board(operation=active, user=ops.admin, root=root, now=now)
    expected = brute_force(active, root, now)
    assert _by_prefix(board, root) == expected
    assert board["total"] == {name: sum(row[name] for row in expected.values()) for name in selectors.FIGURES}
    assert board["total"]["reports_missing"] > 0
    # the isolated person lacks the isolation talk; the 特勤站 person has all five
    assert board["total"]["care_complete"] == (2 if drill == "det" else 0)


def test_the_board_of_a_closed_operation_still_equals_the_brute_force_count(ops, active):
    populate(ops, active)
    services.operation_close(operation=active, actor=ops.secretary)
    active.refresh_from_db()
    now = timezone.now()
    board = selectors.board(operation=active, user=ops.admin, now=now)
    assert _by_prefix(board, ops.tree.det) == brute_force(active, ops.tree.det, now)
    assert board["total"]["teams"] == 1


def test_party_group_reporting_expects_one_report_per_group_per_day(ops, operation):
    group_reporting(ops)
    services.operation_update(operation=operation, actor=ops.admin, report_level="party_group")
    op = services.operation_activate(operation=operation, actor=ops.secretary)
    services.daily_report_file(
        operation=op, party_group=ops.group, report_date=ops.start, on_duty=5, actor=ops.admin
    )
    now = timezone.now()
    board = selectors.board(operation=op, user=ops.admin, now=now)
    assert _by_prefix(board, ops.tree.det) == brute_force(op, ops.tree.det, now)
    days = board["report_days"]
    assert board["total"]["reports_expected"] == 2 * days
    assert board["total"]["reports_missing"] == 2 * days - 1
    names = {m["name"] for m in selectors.missing_reporters(operation=op, day=ops.start)}
    assert names == {"甲站二班党小组"}


def test_the_board_takes_the_same_number_of_queries_for_a_small_and_a_large_operation(ops, active):
    populate(ops, active, scale=1, seed=1)
    with CaptureQueriesContext(connection) as small:
        selectors.board(operation=active, user=ops.admin)
    populate(ops, active, scale=3, seed=2)
    with CaptureQueriesContext(connection) as large:
        board = selectors.board(operation=active, user=ops.admin)
    assert board["total"]["pledges"] == 8 * 4
    assert len(small) == len(large) <= 16


def test_a_user_sees_only_figures_of_records_in_scope(ops, active):
    populate(ops, active)
    from tests.operations.conftest import user_on

    station_viewer = user_on("ops_viewer", ops.tree.station)
    board = selectors.board(operation=active, user=station_viewer, root=ops.tree.det)
    assert board["total"]["pledges"] == 4  # 甲站 and its squad
    assert board["total"]["temporary_organisations"] == 0
