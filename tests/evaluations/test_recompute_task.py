"""The debounced re-computation: a burst of edits enqueues one task; running it twice is safe."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction

from apps.evaluations import tasks
from apps.evaluations.debounce import DEBOUNCE_SECONDS, flag_key
from apps.evaluations.models import Evaluation
from apps.evaluations.services import evaluation_create, scores_submit
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def burst(tree, hq):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    evaluations = [
        evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
        for _ in range(5)
    ]
    return scheme, evaluations


def test_a_burst_of_edits_in_one_request_enqueues_one_task(burst, hq, django_capture_on_commit_callbacks):
    scheme, evaluations = burst
    with (
        mock.patch.object(tasks.recompute_period, "apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        for i, evaluation in enumerate(evaluations * 3):
            scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 50 + i))
    assert len(callbacks) == 1
    enqueue.assert_called_once_with(args=[scheme.pk, 2026, 0, ""], countdown=DEBOUNCE_SECONDS)
    assert cache.get(flag_key(scheme.pk, 2026)) == 1


def test_edits_in_later_requests_ride_on_the_pending_task(burst, hq, django_capture_on_commit_callbacks):
    scheme, evaluations = burst
    with mock.patch.object(tasks.recompute_period, "apply_async") as enqueue:
        for i, evaluation in enumerate(evaluations):
            with django_capture_on_commit_callbacks(execute=True):
                scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 60 + i))
        assert enqueue.call_count == 1
        # The task clears the flag before computing: the next edit enqueues a new run.
        tasks.recompute_period(scheme.pk, 2026, 0, "")
        assert cache.get(flag_key(scheme.pk, 2026)) is None
        with django_capture_on_commit_callbacks(execute=True):
            scores_submit(evaluation=evaluations[0], evaluator=hq, scores=sheet(scheme, 99))
        assert enqueue.call_count == 2


def test_a_rolled_back_edit_enqueues_nothing(burst, hq, django_capture_on_commit_callbacks):
    scheme, evaluations = burst
    with (
        mock.patch.object(tasks.recompute_period, "apply_async") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        try:
            with transaction.atomic():
                scores_submit(evaluation=evaluations[0], evaluator=hq, scores=sheet(scheme, 50))
                raise RuntimeError
        except RuntimeError:
            pass
    enqueue.assert_not_called()
    assert cache.get(flag_key(scheme.pk, 2026)) is None


def test_the_task_runs_eagerly_once_and_a_second_run_changes_nothing(
    burst, hq, django_capture_on_commit_callbacks
):
    scheme, evaluations = burst
    runs = []
    original = tasks.ranking.recompute_period
    with (
        mock.patch.object(
            tasks.ranking, "recompute_period", side_effect=lambda *a: runs.append(a) or original(*a)
        ),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for i, evaluation in enumerate(evaluations):
            scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, [70, 90, 70, 60, 80][i]))
    assert len(runs) == 1
    first = list(Evaluation.objects.order_by("pk").values_list("total", "grade", "rank_in_parent"))
    assert [r[0] for r in first] == [Decimal(v) for v in ("70.00", "90.00", "70.00", "60.00", "80.00")]
    assert [r[2] for r in first] == [3, 1, 3, 5, 2]
    tasks.recompute_period(scheme.pk, 2026, 0, "")
    tasks.recompute_period(scheme.pk, 2026, 0, "")
    assert list(Evaluation.objects.order_by("pk").values_list("total", "grade", "rank_in_parent")) == first
