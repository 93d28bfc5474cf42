"""The re-computation task: thin, takes the period key, idempotent (it recomputes from the
scores, so a second run stores the same figures)."""

from celery import shared_task
from django.core.cache import cache

from . import ranking
from .debounce import flag_key


@shared_task(name="evaluations.recompute_period", acks_late=True)
def recompute_period(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> None:
    # Clear the flag first: an edit committed while this runs enqueues a fresh run, so no
    # edit is ever left out of the figures.
    cache.delete(flag_key(scheme_id, year, period_number, period_label))
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
