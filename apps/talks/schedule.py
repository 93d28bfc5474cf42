"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "talks-nightly-figures": {
        "task": "apps.talks.tasks.nightly_talk_figures",
        "schedule": crontab(hour=1, minute=30),
    },
}
