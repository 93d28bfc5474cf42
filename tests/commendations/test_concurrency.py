"""Races on the real PostgreSQL: one decision per nomination, one award per last quota place."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from apps.commendations import services
from apps.commendations.models import Nomination, Quota
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(*calls):
    """Run the calls at the same moment in threads, each on its own connection."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "ok"
        except (ValidationError, PermissionDenied) as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_approvers_approving_at_once_give_one_decision(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)
    outcomes = race(
        lambda: services.nomination_approve(nomination=n, actor=crew.det),
        lambda: services.nomination_approve(nomination=n, actor=crew.det_b),
    )
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    n.refresh_from_db()
    assert n.status == Nomination.Status.NOTICE
    assert n.decisions.filter(action="approve", level=tree.det).count() == 1


def test_two_nominations_racing_for_the_last_place_give_one_award(tree, crew):
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=2026, limit=1)
    a = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)
    b = advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer, crew.bat
    )
    outcomes = race(
        lambda: services.nomination_approve(nomination=a, actor=crew.det),
        lambda: services.nomination_approve(nomination=b, actor=crew.det_b),
    )
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    refusal = next(o for o in outcomes if o != "ok")
    assert "名额" in str(refusal)
    assert Nomination.objects.filter(status=Nomination.Status.NOTICE).count() == 1


def test_two_drafters_nominating_the_same_person_at_once_give_one_nomination(tree, crew):
    other = user_with_role("unit_admin", tree.station, "second_drafter")
    outcomes = race(
        lambda: make_nomination(tree.station, crew.drafter, crew.hero),
        lambda: make_nomination(tree.station, other, crew.hero),
    )
    assert sorted(o == "ok" for o in outcomes) == [False, True]
    refusal = next(o for o in outcomes if o != "ok")
    assert isinstance(refusal, ValidationError) and "不能重复推荐" in str(refusal)
    assert Nomination.objects.filter(subject_person=crew.hero).count() == 1


def test_a_change_racing_a_submission_never_rewrites_a_submitted_nomination(tree, crew):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    stale = Nomination.objects.get(pk=n.pk)
    stale.deeds = "并发修改"
    outcomes = race(
        lambda: services.nomination_update(instance=stale, actor=crew.drafter),
        lambda: services.nomination_submit(nomination=n, actor=crew.drafter),
    )
    assert outcomes[1] == "ok"  # the submission always goes through
    n.refresh_from_db()
    assert n.status == Nomination.Status.SUBMITTED  # never reverted to a draft by the change
    if outcomes[0] == "ok":  # the change came first, on the draft
        assert n.history.filter(deeds="并发修改", status="draft").exists()
    else:
        assert isinstance(outcomes[0], ValidationError) and n.deeds != "并发修改"


def test_a_quota_raised_while_the_last_place_is_taken_is_counted_once(tree, crew):
    det_admin = user_with_role("unit_admin", tree.det, "quota_setter")
    quota = Quota.objects.create(unit=tree.bat, award_kind=kind(), year=2026, limit=0)
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)
    raised = Quota.objects.get(pk=quota.pk)
    raised.limit = 1
    outcomes = race(
        lambda: services.quota_update(instance=raised, actor=det_admin),
        lambda: services.nomination_approve(nomination=n, actor=crew.det),
    )
    assert outcomes[0] == "ok"
    n.refresh_from_db()
    # either the approval saw the raised limit (awarded) or refused on the old one (still waiting)
    assert (outcomes[1] == "ok") == (n.status == Nomination.Status.NOTICE)
    assert Nomination.objects.filter(status=Nomination.Status.NOTICE).count() <= 1
