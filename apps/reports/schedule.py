"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

BEAT_SCHEDULE: dict = {
    # Deadlines differ per unit (default 18:00); a sweep every 15 minutes catches each one.
    "reports-zero-report-deadline-sweep": {
        "task": "apps.reports.tasks.sweep_zero_report_deadlines",
        "schedule": 15 * 60,
    },
}
