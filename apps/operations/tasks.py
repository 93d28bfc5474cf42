from celery import shared_task

from .services import daily_reports_remind


@shared_task(acks_late=True)
def remind_missing_wartime_reports() -> int:
    """Remind the reporters of running operations whose deadline has passed (idempotent)."""
    return daily_reports_remind()
