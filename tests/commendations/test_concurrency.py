"""Races on the real PostgreSQL: one decision per nomination, one award per last quota place."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from apps.commendations import services
from apps.commendations.models import Nomination, Quota
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person

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
