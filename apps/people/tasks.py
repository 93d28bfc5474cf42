from celery import shared_task

from .models import ImportJob


@shared_task(acks_late=True)
def run_import_job(job_id: int) -> str:
    """Import one roster file; a job already finished is not run again (idempotent)."""
    from .imports import import_job_run

    job = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportJob.Status.PENDING, ImportJob.Status.RUNNING]
    ).first()
    if job is None:
        return "skipped"
    return import_job_run(job).status
