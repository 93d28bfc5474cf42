"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    # Deadlines differ per unit (default 18:00); a sweep every 15 minutes catches each one.
    "reports-zero-report-deadline-sweep": {
        "task": "apps.reports.tasks.sweep_zero_report_deadlines",
        "schedule": 15 * 60,
    },
    # Reminders run daily; each notice is deduplicated per subject and period, so a day the
    # worker was down is caught up the next day and nobody is told twice.
    "reports-remind-overdue-weekly-reports": {
        "task": "apps.reports.tasks.remind_overdue_weekly_reports",
        "schedule": crontab(hour=9, minute=0),
    },
    "reports-remind-missed-exchange-meetings": {
        "task": "apps.reports.tasks.remind_missed_exchange_meetings",
        "schedule": crontab(hour=9, minute=5),
    },
    "reports-remind-overdue-responsibilities": {
        "task": "apps.reports.tasks.remind_overdue_responsibilities",
        "schedule": crontab(hour=9, minute=10),
    },
}
