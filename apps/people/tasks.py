"""Roster imports as Celery tasks, claimed once (see ``apps.core.jobs``).

The ``ImportJob`` row is the outbox: a message that could not be sent, or a worker that died
mid-import, leaves the row pending or running under an expired claim, and the beat task
``apps.core.tasks.requeue_stale_jobs`` sends it again. A redelivered or duplicated message finds the job
claimed or finished and does nothing.
"""

from celery import shared_task
from django.utils import timezone

from apps.core import jobs

from .models import ImportJob


def _fail(rows, reason: str) -> None:
    rows.update(
        status=ImportJob.Status.FAILED,
        errors=[{"row": 0, "column": "", "message": reason}],
        finished_at=timezone.now(),
    )


IMPORT_JOBS = jobs.register(
    jobs.Outbox(
        kind="people.importjob",
        model=ImportJob,
        task_name="apps.people.tasks.run_import_job",
        pending=ImportJob.Status.PENDING,
        running=ImportJob.Status.RUNNING,
        fail=_fail,
    )
)


@shared_task(bind=True, base=jobs.OutboxTask, outbox_kind=IMPORT_JOBS.kind, acks_late=True)
def run_import_job(self, job_id: int) -> str:
    """Import one roster file, once: a job finished, or held by a live worker, is skipped."""
    from .imports import import_job_run

    claim = jobs.claim(IMPORT_JOBS, job_id)
    if claim is None:
        return "skipped"
    try:
        with claim.heartbeat(enabled=not self.request.is_eager):
            job = ImportJob.objects.get(pk=job_id)
            return import_job_run(job).status
    finally:
        claim.release()
