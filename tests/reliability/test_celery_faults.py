"""Faults against a real Redis and a real Celery worker (subprocesses started here).

* a worker killed with SIGKILL mid-task: the task is delivered again and its effect happens once;
* a rolled-back transaction enqueues nothing (tasks are sent on commit);
* a Redis restart (with the append-only file production must enable) keeps queued work.

Every test uses ``REDIS_URL``'s database with a key prefix of its own (``processes.Broker``):
nothing another run queued is read or deleted.
"""

import signal
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from apps.core.tasks import reliability_probe
from apps.notifications.models import Notification
from orgportal.celery import app as celery_app
from tests.factories.units import make_user

from .processes import Broker, RedisServer, redis_up, start_worker, stop, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker shares the test database: PostgreSQL only"
    ),
]


@pytest.fixture
def broker():
    """``REDIS_URL``'s database, keys under a prefix of this test's own, deleted afterwards."""
    broker = Broker.new()
    if not redis_up(broker.url):
        pytest.skip(f"no Redis at {broker.url}")
    yield broker
    broker.clean()


def probe_runs(broker, token) -> int:
    return int(redis.Redis.from_url(broker.url).get(f"probe-runs:{token}") or 0)


def test_a_worker_killed_mid_task_leaves_the_task_to_run_again_once(broker):
    user = make_user("probe_target")
    token = uuid.uuid4().hex
    worker = start_worker(broker)
    try:
        broker.send(reliability_probe, user.pk, token, 4)
        assert wait_for(lambda: probe_runs(broker, token) == 1), "the task never started"
        stop(worker, signal.SIGKILL)  # the whole process group, mid-sleep: no ack was sent
        assert not Notification.objects.filter(body=token).exists()
        worker = start_worker(broker)
        assert wait_for(lambda: Notification.objects.filter(body=token).exists()), (
            "the task was not redelivered"
        )
        assert probe_runs(broker, token) >= 2
        broker.send(reliability_probe, user.pk, token, 0)  # a duplicate delivery changes nothing
        assert wait_for(lambda: probe_runs(broker, token) >= 3)
        assert Notification.objects.filter(body=token).count() == 1
    finally:
        stop(worker)
        redis.Redis.from_url(broker.url).delete(f"probe-runs:{token}")


def test_a_rolled_back_transaction_enqueues_nothing(broker):
    user = make_user("probe_rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: broker.send(reliability_probe, user.pk, "rolled-back", 0))
        raise RuntimeError("the request failed")
    assert broker.queue_length() == 0
    with transaction.atomic():
        transaction.on_commit(lambda: broker.send(reliability_probe, user.pk, "committed", 0))
    assert broker.queue_length() == 1


def test_queued_work_survives_a_redis_restart_with_the_append_only_file(tmp_path):
    if not RedisServer.available():
        pytest.skip("redis-server not installed")
    server = RedisServer(tmp_path)
    server.start()
    broker = Broker.new(server.url)
    try:
        user = make_user("probe_restart")
        broker.send(reliability_probe, user.pk, "after-restart", 0)
        server.stop()
        server.start()
        assert broker.queue_length() == 1
        worker = start_worker(broker)
        try:
            assert wait_for(lambda: Notification.objects.filter(body="after-restart").exists())
        finally:
            stop(worker)
    finally:
        server.stop()


def test_every_periodic_task_is_registered():
    """The beat schedule is static configuration (settings), not state kept in Redis."""
    celery_app.loader.import_default_modules()
    missing = [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] not in celery_app.tasks
    ]
    assert not missing
