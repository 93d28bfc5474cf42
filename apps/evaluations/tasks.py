"""The re-computation task: thin, takes the period key, idempotent (it recomputes from the
scores, so a second run stores the same figures)."""

from celery import shared_task

from . import ranking
from .debounce import flag_clear


@shared_task(name="evaluations.recompute_period", acks_late=True)
def recompute_period(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> None:
    # Clear the flag first: an edit committed while this runs enqueues a fresh run, so no
    # edit is ever left out of the figures.
    flag_clear(scheme_id, year, period_number, period_label)
    ranking.recompute_period(scheme_id, year, period_number, period_label)


@shared_task(name="evaluations.recompute_open_periods")
def recompute_open_periods() -> int:
    """Nightly: re-rank every period of this year and last year that still has a live row,
    so that a unit moved to another detachment or corps is ranked where it now stands.
    Idempotent (figures are recomputed from the scores; published totals stay locked)."""
    from django.utils import timezone

    from .models import LIVE_VERSION, Evaluation

    this_year = timezone.localdate().year
    periods = (
        Evaluation.objects.filter(LIVE_VERSION, year__gte=this_year - 1)
        .order_by()
        .values_list("scheme_id", "year", "period_number", "period_label")
        .distinct()
    )
    count = 0
    for key in periods:
        ranking.recompute_period(*key)
        count += 1
    return count


@shared_task(name="evaluations.notify_published")
def notify_published(evaluation_id: int) -> bool:
    """Tell an assessed person (if they have a login) their published result. Idempotent:
    the dedupe key is the evaluation, so a second run sends nothing."""
    from apps.notifications.services import notification_send

    from .models import Evaluation

    evaluation = (
        Evaluation.objects.select_related("scheme", "person__user")
        .filter(pk=evaluation_id, status="published")
        .first()
    )
    if evaluation is None or evaluation.person is None or evaluation.person.user is None:
        return False
    sent = notification_send(
        recipient=evaluation.person.user,
        title=f"{evaluation.year}年{evaluation.scheme.name}结果已发布：{evaluation.grade or '—'}",
        body=f"总分 {evaluation.total}，等次 {evaluation.grade}。"
        + (f"（更正：{evaluation.correction_reason}）" if evaluation.correction_reason else ""),
        link=f"/api/evaluations/evaluations/{evaluation.pk}/",
        category="evaluations",
        dedupe_key=f"evaluation-published:{evaluation.pk}",
    )
    return sent is not None
