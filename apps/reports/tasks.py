from celery import shared_task

from . import reminders
from .services import deadline_sweep


@shared_task(acks_late=True)
def sweep_zero_report_deadlines() -> int:
    return len(deadline_sweep())


@shared_task(acks_late=True)
def remind_overdue_weekly_reports() -> int:
    return reminders.weekly_reports_remind_overdue()


@shared_task(acks_late=True)
def remind_missed_exchange_meetings() -> int:
    return reminders.exchange_meetings_remind_missed()


@shared_task(acks_late=True)
def remind_overdue_responsibilities() -> int:
    return reminders.responsibilities_remind_overdue()
