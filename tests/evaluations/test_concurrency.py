"""Races on the real PostgreSQL: the evaluation row lock serialises scoring and publishing."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from apps.evaluations.models import Evaluation, Score
from apps.evaluations.services import evaluation_create, evaluation_publish, scores_submit
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = [
    # Reference data is re-seeded after the flush by post_migrate (apps.py), so no
    # serialized rollback (which collides with the re-created content types).
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            call()
            outcomes[i] = "ok"
        except (ValidationError, PermissionDenied) as exc:
            outcomes[i] = exc
        except Exception as exc:  # an IntegrityError would be a 500
            outcomes[i] = repr(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_the_same_evaluator_submitting_twice_at_once_leaves_one_score_per_criterion(tree):
    hq = user_with_role("unit_admin", tree.corps)
    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    outcomes = race(
        lambda: scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 5, 5)),
        lambda: scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 6, 6)),
    )
    assert outcomes == ["ok", "ok"]
    assert Score.objects.filter(evaluation=evaluation).count() == 2
    assert len(set(Score.objects.values_list("value", flat=True))) == 1


def test_a_score_racing_a_publish_is_either_in_the_total_or_refused(tree):
    hq = user_with_role("unit_admin", tree.corps)
    other = user_with_role("secretary", tree.det)
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 60))
    outcomes = race(
        lambda: evaluation_publish(evaluation=evaluation, actor=hq),
        lambda: scores_submit(evaluation=evaluation, evaluator=other, scores=sheet(scheme, 100)),
    )
    assert outcomes[0] == "ok"
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    assert evaluation.status == "published"
    if outcomes[1] == "ok":
        assert evaluation.total == Decimal("80.00")
    else:
        assert isinstance(outcomes[1], ValidationError)
        assert evaluation.total == Decimal("60.00")
        assert Score.objects.filter(evaluation=evaluation).count() == 1
