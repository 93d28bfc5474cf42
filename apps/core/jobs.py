"""Background jobs that are never lost and never run twice at once.

A job row (``ImportJob``, ...) is its own outbox: while its status says work is owed
(pending, or running under a claim nobody renews) the work is owed whatever happened to the
task message. Three pieces keep that promise:

* :class:`OutboxTask` — a task whose message could not be sent (the broker is down) logs and
  leaves the row pending instead of failing the request that committed it; a sent message
  records ``JobClaim.enqueued_at``.
* :func:`claim` — a task first takes the job under a row lock
  (``select_for_update(skip_locked=True)``): pending → running with this worker as owner.
  A task that finds the job finished, locked by a concurrent claimer, or held by a live
  owner does nothing, so a redelivered or duplicated message runs nothing twice. A claim
  whose heartbeat is older than ``JOB_CLAIM_LEASE`` (its worker died) is taken over.
* :func:`requeue_stale` — run by beat: sends a new message for jobs pending longer than
  ``JOB_REQUEUE_AFTER`` and for jobs whose claim expired, at most once per
  ``JOB_REQUEUE_AFTER`` each; after ``JOB_MAX_ATTEMPTS`` claims a job is failed instead
  (a file that kills its worker every time must not loop forever).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from celery import Task
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import JobClaim

logger = logging.getLogger("orgportal.jobs")

#: exceptions a publish raises when the broker cannot be reached
try:
    from kombu.exceptions import OperationalError as _KombuOperationalError
    from redis.exceptions import RedisError as _RedisError

    BROKER_ERRORS: tuple[type[BaseException], ...] = (_KombuOperationalError, _RedisError, OSError)
except ImportError:  # pragma: no cover - both ship with celery[redis]
    BROKER_ERRORS = (OSError,)


def lease_seconds() -> float:
    return float(getattr(settings, "JOB_CLAIM_LEASE", 60))


def requeue_after_seconds() -> float:
    return float(getattr(settings, "JOB_REQUEUE_AFTER", 120))


def max_attempts() -> int:
    return int(getattr(settings, "JOB_MAX_ATTEMPTS", 3))


@dataclasses.dataclass(frozen=True)
class Outbox:
    """How one kind of job row says what it owes.

    ``fail`` marks a job failed after too many attempts (it receives the queryset of that
    one row and the reason) — the app decides what a failed job looks like.
    """

    kind: str
    model: type
    task_name: str
    pending: str
    running: str
    fail: object = None
    status_field: str = "status"
    created_field: str = "created_at"
    #: a job running with no claim at all (run in-process by a request) is presumed
    #: abandoned after this long
    unclaimed_running_after: float = 1800.0

    def rows(self):
        return self.model._default_manager.all()

    def claims(self):
        return JobClaim.objects.filter(kind=self.kind)


_OUTBOXES: dict[str, Outbox] = {}


def register(outbox: Outbox) -> Outbox:
    """Declare a kind of job (at import of the app's ``tasks.py``)."""
    _OUTBOXES[outbox.kind] = outbox
    return outbox


def outboxes() -> list[Outbox]:
    return list(_OUTBOXES.values())


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _mark_enqueued(kind: str, object_id: int) -> None:
    JobClaim.objects.update_or_create(
        kind=kind, object_id=object_id, defaults={"enqueued_at": timezone.now()}
    )


class OutboxTask(Task):
    """A task whose first argument is the id of a job row of ``outbox_kind``.

    Sending never fails the caller: with the broker unreachable the job row stays pending
    (it is the outbox) and :func:`requeue_stale` sends it once the broker is back.
    """

    abstract = True
    outbox_kind: str = ""

    def apply_async(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, **options)
        job_id = (args or [None])[0]
        try:
            result = super().apply_async(args, kwargs, **options)
        except BROKER_ERRORS as exc:
            logger.warning(
                "%s %s not queued, the broker is unreachable (%s: %s); the job stays pending "
                "and is sent again by requeue_stale_jobs once the broker is back",
                self.outbox_kind,
                job_id,
                exc.__class__.__name__,
                exc,
            )
            return None
        if job_id is not None:
            try:
                _mark_enqueued(self.outbox_kind, job_id)
            except Exception:  # noqa: BLE001 - bookkeeping only; the message is sent
                logger.warning("%s %s: enqueue time not recorded", self.outbox_kind, job_id, exc_info=True)
        return result


@dataclasses.dataclass
class Claim:
    """This worker's hold on one job; renew it with :meth:`heartbeat` while working."""

    outbox: Outbox
    object_id: int
    owner: str
    attempts: int

    def renew(self) -> bool:
        """Heartbeat once; False when another worker took the job over."""
        return bool(
            JobClaim.objects.filter(kind=self.outbox.kind, object_id=self.object_id, owner=self.owner).update(
                heartbeat_at=timezone.now()
            )
        )

    @contextlib.contextmanager
    def heartbeat(self, enabled: bool = True):
        """Renew the claim every third of the lease from a thread while the body runs.

        The thread uses its own database connection and closes it when done. Disabled for
        eager (in-process) runs: nothing can redeliver them.
        """
        if not enabled:
            yield self
            return
        stop = threading.Event()
        interval = max(lease_seconds() / 3, 0.2)

        def beat():
            try:
                while not stop.wait(interval):
                    try:
                        if not self.renew():
                            logger.warning(
                                "%s %s: the claim was taken over", self.outbox.kind, self.object_id
                            )
                            return
                    except Exception:  # noqa: BLE001 - the database blinked; try next time
                        logger.warning(
                            "%s %s: heartbeat failed", self.outbox.kind, self.object_id, exc_info=True
                        )
                        close_old_connections()
            finally:
                connection.close()

        thread = threading.Thread(target=beat, name=f"claim-{self.outbox.kind}-{self.object_id}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join(timeout=10)

    def release(self) -> None:
        """The job is finished: the claim stays as a record (attempts), without a live owner."""
        JobClaim.objects.filter(kind=self.outbox.kind, object_id=self.object_id, owner=self.owner).update(
            heartbeat_at=None
        )


def claim(outbox: Outbox, object_id: int, owner: str | None = None) -> Claim | None:
    """Take the job for this worker, or None when there is nothing to do here.

    Under the job row's lock: finished → None; locked by a concurrent claimer → None
    (``skip_locked``); running under a live claim → None; pending, or running under an
    expired claim (its worker died) → taken. The ``JOB_MAX_ATTEMPTS``-th failed takeover
    fails the job instead.
    """
    owner = owner or worker_name()
    now = timezone.now()
    with transaction.atomic():
        job = (
            outbox.rows()
            .select_for_update(skip_locked=True)
            .filter(pk=object_id)
            .values(outbox.status_field, outbox.created_field)
            .first()
        )
        if job is None:
            return None  # gone, or another delivery is claiming it right now
        status = job[outbox.status_field]
        if status not in (outbox.pending, outbox.running):
            return None  # finished
        row, _ = JobClaim.objects.select_for_update().get_or_create(kind=outbox.kind, object_id=object_id)
        if status == outbox.running and _alive(row, job[outbox.created_field], outbox, now):
            return None
        if row.attempts >= max_attempts():
            logger.error("%s %s: abandoned %s times, failed", outbox.kind, object_id, row.attempts)
            if outbox.fail is not None:
                outbox.fail(
                    outbox.rows().filter(pk=object_id), "任务多次中断未能完成，请重新提交或联系管理员。"
                )
            row.heartbeat_at = None
            row.save(update_fields=["heartbeat_at"])
            return None
        if status == outbox.running:
            logger.warning(
                "%s %s: taking over the claim of %s", outbox.kind, object_id, row.owner or "a request"
            )
        row.owner, row.heartbeat_at, row.attempts = owner, now, row.attempts + 1
        row.save(update_fields=["owner", "heartbeat_at", "attempts"])
        outbox.rows().filter(pk=object_id).update(**{outbox.status_field: outbox.running})
    return Claim(outbox=outbox, object_id=object_id, owner=owner, attempts=row.attempts)


def _alive(row: JobClaim, created_at, outbox: Outbox, now) -> bool:
    """Whether a running job's current holder may still be at work."""
    if row.heartbeat_at is not None:
        return row.heartbeat_at > now - timedelta(seconds=lease_seconds())
    if row.owner:
        return False  # released without finishing: a worker stopped mid-way
    # Running without any claim: started in-process by a request; give it a long while.
    return created_at > now - timedelta(seconds=outbox.unclaimed_running_after)


def stale(outbox: Outbox):
    """Job ids owed work that no message is about to deliver (see the module docstring)."""
    now = timezone.now()
    quiet = now - timedelta(seconds=requeue_after_seconds())
    expired = now - timedelta(seconds=lease_seconds())
    claims = outbox.claims().filter(object_id=OuterRef("pk"))
    recently_sent = claims.filter(enqueued_at__gt=quiet)
    live = claims.filter(heartbeat_at__gt=expired)
    claimed_ever = claims.exclude(owner="")
    status = outbox.status_field
    pending = Q(**{status: outbox.pending, f"{outbox.created_field}__lt": quiet})
    running = (
        Q(**{status: outbox.running})
        & ~Q(Exists(live))
        & (
            Q(Exists(claimed_ever))
            | Q(**{f"{outbox.created_field}__lt": now - timedelta(seconds=outbox.unclaimed_running_after)})
        )
    )
    return (
        outbox.rows()
        .filter(pending | running)
        .exclude(Exists(recently_sent))
        .order_by(outbox.created_field)
        .values_list("pk", flat=True)
    )


def requeue_stale(limit: int = 200) -> dict[str, int]:
    """Send a task message again for every stale job of every registered kind."""
    from celery import current_app

    sent: dict[str, int] = {}
    for outbox in outboxes():
        task = current_app.tasks[outbox.task_name]
        count = 0
        for object_id in list(stale(outbox)[:limit]):
            if task.apply_async(args=[object_id]) is not None:
                count += 1
        if count:
            logger.warning("%s: re-queued %s job(s) left pending or abandoned", outbox.kind, count)
        sent[outbox.kind] = count
    return sent


def send_or_log(task, *, args=(), **options) -> bool:
    """Send ``task`` now; with the broker unreachable, log it and carry on (the caller's write
    has committed; the work is a notice or a recomputation that a later edit or beat redoes),
    instead of raising after the commit into a request that already succeeded."""
    try:
        task.apply_async(args=list(args), **options)
    except BROKER_ERRORS as exc:
        logger.warning("broker unreachable, %s not sent: %s", task.name, exc.__class__.__name__)
        return False
    return True
