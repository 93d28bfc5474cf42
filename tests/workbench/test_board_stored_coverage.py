"""The HQ board and the admin index show tonight's stored coverage when it means the same as
the live figure (the user sees every person and talk under the root, today's rows exist for
the root and every live child), with the time it was computed; otherwise they count live."""

import datetime

import pytest
from django.utils import timezone

from apps.talks.models import CoverageSnapshot
from apps.talks.selectors import coverage_tree, period_bounds, stored_coverage_tree
from apps.talks.tasks import coverage_snapshots_store
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def talked(tree):
    talker = user_with_role("secretary", tree.corps, "snap_sec")
    for unit in (tree.station, tree.station3, tree.tqz):
        make_talk(make_person(unit), talker, date=timezone.localdate())
    make_person(tree.station2)
    return tree


def _bounds(root):
    start, end = period_bounds("quarter", timezone.localdate())
    return {"root": root, "period_start": start, "period_end": end, "today": timezone.localdate()}


def test_stored_figures_equal_the_live_statement(talked):
    hq = user_with_role("hq_admin", talked.corps, "snap_hq")
    assert stored_coverage_tree(user=hq, **_bounds(talked.corps)) is None  # nothing stored yet
    coverage_snapshots_store(today=timezone.localdate())
    stored = stored_coverage_tree(user=hq, **_bounds(talked.corps))
    live = coverage_tree(user=hq, **_bounds(talked.corps))
    assert stored["total"] == live["total"] and stored["children"] == live["children"]
    assert stored["computed_at"] is not None


def test_the_board_shows_the_stored_figure_and_its_time(talked, client):
    hq = user_with_role("hq_admin", talked.corps, "snap_hq2")
    client.force_login(hq)
    assert "coverage-computed-at" not in client.get("/board/").content.decode()  # live
    coverage_snapshots_store(today=timezone.localdate())
    CoverageSnapshot.objects.filter(unit=talked.corps).update(covered=0)  # proves the row is read
    text = client.get("/board/").content.decode()
    assert "已谈 0 / 应谈" in text and 'id="coverage-computed-at"' in text and "夜间统计" in text


def test_yesterdays_rows_or_a_missing_child_row_mean_live_figures(talked):
    hq = user_with_role("hq_admin", talked.corps, "snap_hq3")
    coverage_snapshots_store(today=timezone.localdate())
    CoverageSnapshot.objects.filter(unit=talked.det2).delete()
    assert stored_coverage_tree(user=hq, **_bounds(talked.corps)) is None
    coverage_snapshots_store(today=timezone.localdate())
    CoverageSnapshot.objects.update(computed_at=timezone.now() - datetime.timedelta(days=1))
    assert stored_coverage_tree(user=hq, **_bounds(talked.corps)) is None


def test_a_user_who_may_not_see_every_talk_under_the_root_gets_live_figures(talked):
    """An approver reads no talk records: the stored figure (every talk counted) is not
    theirs; the live statement counts what they may see."""
    coverage_snapshots_store(today=timezone.localdate())
    approver = user_with_role("approver", talked.corps, "snap_approver")
    assert stored_coverage_tree(user=approver, **_bounds(talked.corps)) is None
    secretary = user_with_role("secretary", talked.det, "snap_det_sec")
    assert stored_coverage_tree(user=secretary, **_bounds(talked.corps)) is None  # granted below the root
    assert stored_coverage_tree(user=secretary, **_bounds(talked.det)) is not None
