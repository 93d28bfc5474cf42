"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

BEAT_SCHEDULE: dict = {
    # Each operation has its own deadline (default 20:00); a sweep every 15 minutes catches it.
    "operations-remind-missing-wartime-reports": {
        "task": "apps.operations.tasks.remind_missing_wartime_reports",
        "schedule": 15 * 60,
    },
}
