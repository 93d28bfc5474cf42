"""Periodic tasks of this app, merged into CELERY_BEAT_SCHEDULE by orgportal/settings.py."""

BEAT_SCHEDULE: dict = {}
