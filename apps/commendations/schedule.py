"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "commendations-close-notices": {
        "task": "apps.commendations.tasks.close_public_notices",
        "schedule": crontab(hour=0, minute=20),
    },
    "commendations-escalate": {
        "task": "apps.commendations.tasks.escalate_waiting_nominations",
        "schedule": crontab(hour=8, minute=0),
    },
    "commendations-remind-waiting": {
        "task": "apps.commendations.tasks.remind_waiting_nominations",
        "schedule": crontab(hour=8, minute=30),
    },
}
