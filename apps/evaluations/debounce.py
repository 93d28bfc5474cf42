"""Debounced re-computation of a period's totals, grades and ranks.

A score edit calls :func:`request_recompute` inside its transaction. Two layers keep a
burst of edits down to one task:

1. Within one transaction (one request, an import, a whole score sheet) only the first
   call registers a ``transaction.on_commit`` callback for a given period; later calls see
   it already queued (rolled-back savepoints drop their callbacks, so nothing is lost).
2. Across requests, the callback does ``cache.add(flag)``: only the caller that sets the
   flag enqueues the task, with ``countdown=DEBOUNCE_SECONDS``; edits committed while the
   flag is set are picked up by that pending run. The task deletes the flag before it
   computes, so an edit committed during or after the computation enqueues a new run.
   The flag expires on its own (``FLAG_TTL``) should a worker lose the task.
"""

from django.core.cache import cache
from django.db import connection, transaction

from .ranking import period_key

DEBOUNCE_SECONDS = 30
FLAG_TTL = DEBOUNCE_SECONDS + 300


def flag_key(scheme_id, year, period_number=0, period_label="") -> str:
    key = period_key(scheme_id, year, period_number, period_label)
    return "evaluations:recompute:{}:{}:{}:{}".format(*key)


def flag_clear(scheme_id, year, period_number=0, period_label="") -> None:
    """The running task's first step: an edit committed from now on enqueues a fresh run."""
    cache.delete(flag_key(scheme_id, year, period_number, period_label))


class _Enqueue:
    def __init__(self, key: tuple):
        self.key = key
        self.fired = False

    def __call__(self):
        self.fired = True
        if cache.add(flag_key(*self.key), 1, timeout=FLAG_TTL):
            from apps.core.jobs import send_or_log

            from .tasks import recompute_period

            send_or_log(recompute_period, args=self.key, countdown=DEBOUNCE_SECONDS)


def _already_queued(key: tuple) -> bool:
    for entry in getattr(connection, "run_on_commit", []):
        func = entry[1]
        if isinstance(func, _Enqueue) and func.key == key and not func.fired:
            return True
    return False


def request_recompute(scheme_id, year, period_number=0, period_label="") -> None:
    key = period_key(scheme_id, year, period_number, period_label)
    if connection.in_atomic_block and _already_queued(key):
        return
    transaction.on_commit(_Enqueue(key))
