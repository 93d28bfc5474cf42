"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "evaluations-nightly-reranking": {
        "task": "evaluations.recompute_open_periods",
        "schedule": crontab(hour=2, minute=10),
    },
}
