from celery import shared_task

from .services import deadline_sweep


@shared_task(acks_late=True)
def sweep_zero_report_deadlines() -> int:
    return len(deadline_sweep())
