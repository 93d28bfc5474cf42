"""The Celery application. Tasks are discovered in every app's ``tasks.py``.

Beat runs :class:`SingletonScheduler`: only the beat that holds a Redis lock sends periodic
tasks, so a second ``celery beat`` started by mistake (or as a standby) waits instead of
double-sending, and takes over once the first one dies and its lock expires.
"""

import contextlib
import logging
import os
import socket

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orgportal.settings")

logger = logging.getLogger("orgportal.beat")

app = Celery("orgportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_scheduler = "orgportal.celery:SingletonScheduler"

#: seconds after which a standby beat has taken over from a dead one (the README's promise).
#: The takeover takes the lock's time to live plus at most one standby poll, so the lock
#: lives ``BEAT_LOCK_TIMEOUT - BEAT_STANDBY_POLL`` seconds and the holder renews it every
#: third of that. (It used to live the whole timeout while the standby polled every
#: timeout/3: a takeover after 75-78 s for a promised 60.)
BEAT_LOCK_TIMEOUT = float(os.environ.get("CELERY_BEAT_LOCK_TIMEOUT", "60"))
BEAT_STANDBY_POLL = min(5.0, max(BEAT_LOCK_TIMEOUT / 12, 0.2))
BEAT_LOCK_TTL = BEAT_LOCK_TIMEOUT - BEAT_STANDBY_POLL
BEAT_LOCK_KEY = os.environ.get(
    "CELERY_BEAT_LOCK_KEY", os.environ.get("REDIS_KEY_PREFIX", "") + "orgportal:celery-beat-lock"
)

# Test-only: a fast periodic entry so the reliability tests can watch which beat sends.
if os.environ.get("CELERY_BEAT_PROBE_SECONDS"):
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        "reliability-beat-probe": {
            "task": "apps.core.tasks.reliability_probe",
            "schedule": float(os.environ["CELERY_BEAT_PROBE_SECONDS"]),
            "args": (0, "beat-probe", 0),
            "options": {"queue": os.environ.get("CELERY_BEAT_PROBE_QUEUE", "beat-probe")},
        },
    }


class SingletonScheduler(PersistentScheduler):
    """A ``PersistentScheduler`` that schedules only while it holds a Redis lock.

    The lock (redis-py ``Lock``, ``BEAT_LOCK_TTL`` seconds) is taken or renewed on every
    tick before anything is sent; a beat that cannot take it sends nothing and retries every
    ``BEAT_STANDBY_POLL`` seconds. A holder killed with SIGKILL leaves the lock to expire, so
    a standby sends within ``BEAT_LOCK_TIMEOUT`` seconds; one stopped normally releases it.

    Kept instead of celery-redbeat: redbeat would move the schedule itself into Redis (it is
    static configuration here, and must not vanish with a flushed Redis), adds a dependency,
    and its lock works the same way (a TTL renewed by the holder, default 25 minutes unless
    tuned); this lock is a page of code with a process-level test of its takeover time.
    Without Redis (development: in-memory broker) there is nothing to share and no lock.
    """

    def __init__(self, *args, **kwargs):
        self._lock = None
        self._holding = False
        self._waiting_logged = False
        super().__init__(*args, **kwargs)
        broker = self.app.conf.broker_url or ""
        if broker.startswith(("redis://", "rediss://", "unix://")):
            import redis

            client = redis.Redis.from_url(broker, socket_timeout=5, socket_connect_timeout=5)
            self._lock = client.lock(BEAT_LOCK_KEY, timeout=BEAT_LOCK_TTL, thread_local=False)

    @property
    def _renew_every(self) -> float:
        return max(BEAT_LOCK_TTL / 3, 0.2)

    def _hold_lock(self) -> bool:
        """Take the lock or renew it; False when another beat holds it (or Redis is away)."""
        import redis
        from redis.exceptions import LockError

        try:
            if self._holding:
                try:
                    self._lock.reacquire()
                    return True
                except LockError:
                    self._holding = False
                    logger.warning("beat: lost the scheduler lock %s; no longer sending", BEAT_LOCK_KEY)
            if self._lock.acquire(blocking=False):
                self._holding = True
                self._waiting_logged = False
                logger.info("beat: holding the scheduler lock %s on %s", BEAT_LOCK_KEY, socket.gethostname())
                return True
        except redis.RedisError as exc:
            self._holding = False
            logger.warning("beat: cannot reach Redis for the scheduler lock (%s); not sending", exc)
            return False
        if not self._waiting_logged:
            logger.info("beat: another beat holds the scheduler lock %s; waiting", BEAT_LOCK_KEY)
            self._waiting_logged = True
        return False

    def tick(self, *args, **kwargs):
        if self._lock is None:
            return super().tick(*args, **kwargs)
        if not self._hold_lock():
            return BEAT_STANDBY_POLL
        return min(super().tick(*args, **kwargs), self._renew_every)

    def close(self):
        try:
            super().close()
        finally:
            if self._lock is not None and self._holding:
                # Expired already, or Redis is gone: either way the lock times out.
                with contextlib.suppress(Exception):
                    self._lock.release()
                self._holding = False
