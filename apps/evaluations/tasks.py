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
