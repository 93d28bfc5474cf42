"""A probe task: run it to check that a worker, the broker and the database work together.

It records its start in Redis (when ``REDIS_URL`` is set), waits ``seconds``, then sends one
notification with a dedupe key, so however many times it is delivered its effect happens
once. The reliability tests use it to kill a worker mid-task.
"""

import time

from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True)
def reliability_probe(user_id: int, token: str, seconds: float = 0) -> str:
    from django.contrib.auth import get_user_model

    from apps.notifications.services import notification_send

    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).incr(f"probe-runs:{token}")
    time.sleep(seconds)
    user = get_user_model().objects.get(pk=user_id)
    sent = notification_send(
        recipient=user, title="系统自检", body=token, category="probe", dedupe_key=f"probe:{token}"
    )
    return "sent" if sent else "already sent"


@shared_task
def requeue_stale_jobs() -> dict:
    """Beat: send again every job left pending (the broker was down when it was committed) or
    running under an expired claim (its worker died). See ``apps.core.jobs``."""
    from .jobs import requeue_stale

    return requeue_stale()
