"""pipeline_figures (the dashboard's contract) equals a brute-force count over what the user
may see, in a fixed number of queries."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.commendations import services
from apps.commendations.models import Nomination, Quota
from apps.commendations.selectors import pipeline_figures
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status
YEAR = 2026


def _spread(tree, crew, drafter3, reviewer3):
    """Nominations in several states, in 甲市支队 and 乙市支队, this year and last."""
    p = lambda unit: make_person(unit)  # noqa: E731
    make_nomination(tree.station, crew.drafter, p(tree.station))  # draft
    services.nomination_submit(
        nomination=make_nomination(tree.station, crew.drafter, p(tree.station)), actor=crew.drafter
    )
    advance(make_nomination(tree.station, crew.drafter, p(tree.station)), crew.reviewer)  # at bat
    advance(make_nomination(tree.station, crew.drafter, p(tree.station)), crew.reviewer, crew.bat)  # at det
    done = advance(
        make_nomination(tree.station, crew.drafter, p(tree.station)), crew.reviewer, crew.bat, crew.det
    )
    services.notices_close(today=done.notice_ends_on + datetime.timedelta(days=1))
    advance(make_nomination(tree.station, crew.drafter, p(tree.station)), crew.reviewer, crew.bat, crew.det)
    services.nomination_withdraw(
        nomination=make_nomination(tree.station, crew.drafter, p(tree.station)), actor=crew.drafter
    )
    advance(make_nomination(tree.station3, drafter3, p(tree.station3)), reviewer3)  # 乙市支队
    make_nomination(tree.station, crew.drafter, p(tree.station), year=YEAR - 1)  # last year
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=YEAR, limit=9)
    Quota.objects.create(unit=tree.bat2, award_kind=kind(), year=YEAR, period="H2", limit=2)
    # spread the waiting times
    for i, n in enumerate(Nomination.objects.filter(status__in=[S.SUBMITTED, S.APPROVING])):
        Nomination.objects.filter(pk=n.pk).update(
            waiting_since=timezone.now() - datetime.timedelta(days=2 + 3 * i)
        )


@pytest.fixture
def spread(tree, crew):
    drafter3 = user_with_role("unit_admin", tree.station3, "drafter3")
    reviewer3 = user_with_role("secretary", tree.station3, "reviewer3")
    _spread(tree, crew, drafter3, reviewer3)


@pytest.mark.parametrize("who,root", [("corps_hq", "corps"), ("det_admin", "det"), ("corps_hq", "bat2")])
def test_pipeline_figures_equal_a_brute_force_count(tree, crew, spread, who, root):
    user = user_with_role(
        "hq_admin" if who == "corps_hq" else "unit_admin",
        getattr(tree, "corps" if who == "corps_hq" else "det"),
        who,
    )
    root = getattr(tree, root)
    now = timezone.now()
    data = pipeline_figures(user=user, root=root, year=YEAR, now=now)
    visible = {n.pk for n in Nomination.objects.visible_to(user, "view")}
    mine = [
        n
        for n in Nomination.objects.select_related("unit", "current_level")
        if n.pk in visible and n.unit.path.startswith(root.path) and n.year == YEAR
    ]
    assert data["by_state"] == {code: sum(1 for n in mine if n.status == code) for code in S.values}
    waits: dict[str, list] = {}
    for n in mine:
        if n.status in (S.SUBMITTED, S.APPROVING):
            waits.setdefault(n.current_level.kind, []).append((now - n.waiting_since).total_seconds() / 86400)
    assert data["waiting_days_by_level"] == {k: round(sum(v) / len(v), 1) for k, v in waits.items()}
    expected_quotas = []
    for q in Quota.objects.select_related("unit", "award_kind").order_by("unit__path"):
        if not q.unit.path.startswith(root.path) or q.year != YEAR:
            continue
        a, b = q.months
        used = sum(
            1
            for n in Nomination.objects.all()
            if n.award_kind_id == q.award_kind_id
            and n.year == q.year
            and n.status in services.COUNTED
            and n.unit.path.startswith(q.unit.path)
            and a <= n.approved_on.month <= b
        )
        expected_quotas.append({"unit_id": q.unit_id, "quota": q.limit, "used": used, "period": q.period})
    assert [
        {k: r[k] for k in ("unit_id", "quota", "used", "period")} for r in data["quota_use"]
    ] == expected_quotas


def test_pipeline_figures_hide_what_the_user_cannot_see(tree, crew, spread):
    det_admin = user_with_role("unit_admin", tree.det, "det_only")
    data = pipeline_figures(user=det_admin, root=tree.corps, year=YEAR)  # asks wider than its scope
    assert (
        sum(data["by_state"].values())
        == Nomination.objects.filter(unit__path__startswith=tree.det.path, year=YEAR).count()
    )
    assert {r["unit_id"] for r in data["quota_use"]} == {tree.det.pk}
    assert sum(pipeline_figures(user=make_nobody(), root=tree.corps, year=YEAR)["by_state"].values()) == 0


def make_nobody():
    from tests.factories.units import make_user

    return make_user()


def test_pipeline_figures_run_a_fixed_number_of_queries(tree, crew):
    hq = user_with_role("hq_admin", tree.corps, "q_hq")
    make_nomination(tree.station, crew.drafter, crew.hero)
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=YEAR, limit=3)
    with CaptureQueriesContext(connection) as few:
        pipeline_figures(user=hq, root=tree.corps, year=YEAR)
    for i in range(6):
        advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
        Quota.objects.create(
            unit=tree.station3,
            award_kind=kind(),
            year=YEAR,
            period=f"Q{i % 4 + 1}" if i < 4 else "H1" if i == 4 else "H2",
            limit=1,
        )
    with CaptureQueriesContext(connection) as many:
        pipeline_figures(user=hq, root=tree.corps, year=YEAR)
    assert len(many) == len(few) <= 6  # three aggregates (+ the scoping layer's grant lookups)
