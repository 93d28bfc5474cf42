"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "party-close-expired-temporary-branches": {
        "task": "apps.party.tasks.close_expired_temporary_branches",
        "schedule": crontab(hour=0, minute=10),
    },
    "party-remind-temporary-branches-ending": {
        "task": "apps.party.tasks.remind_temporary_branches_ending",
        "schedule": crontab(hour=8, minute=0),
    },
    "party-remind-probationary-conversions": {
        "task": "apps.party.tasks.remind_probationary_conversions",
        "schedule": crontab(hour=8, minute=5),
    },
}
