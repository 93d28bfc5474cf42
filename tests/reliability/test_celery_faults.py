"""Faults against a real Redis and a real Celery worker (subprocesses started here).

* a worker killed with SIGKILL mid-task: the task is delivered again and its effect happens once;
* a rolled-back transaction enqueues nothing (tasks are sent on commit);
* a Redis restart (with the append-only file production must enable) keeps queued work.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings
from django.db import connection, transaction

from apps.core.tasks import reliability_probe
from apps.notifications.models import Notification
from orgportal.celery import app as celery_app
from tests.factories.units import make_user

REDIS_HOST = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the worker shares the test database: PostgreSQL only"
    ),
]


def _redis_up(url) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def broker(worker_id):
    """A Redis database of its own per xdist worker, emptied before and after."""
    index = 10 + (int(worker_id[2:]) if worker_id.startswith("gw") else 0)
    url = f"{REDIS_HOST}/{index}"
    if not _redis_up(url):
        pytest.skip(f"no Redis at {url}")
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()


def start_worker(broker_url):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": broker_url,
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_RESTORE_INTERVAL": "1",
        "AXES_ENABLED": "0",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "orgportal",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(worker, sig=signal.SIGTERM):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def send(broker_url, *args):
    with celery_app.connection_for_write(broker_url) as conn:
        reliability_probe.apply_async(args=args, connection=conn)


def wait_for(predicate, timeout=45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def test_a_worker_killed_mid_task_leaves_the_task_to_run_again_once(broker):
    user = make_user("probe_target")
    token = uuid.uuid4().hex
    runs = redis.Redis.from_url(broker)
    worker = start_worker(broker)
    try:
        send(broker, user.pk, token, 4)
        assert wait_for(lambda: runs.get(f"probe-runs:{token}") == b"1"), "the task never started"
        stop(worker, signal.SIGKILL)  # the whole process group, mid-sleep: no ack was sent
        assert not Notification.objects.filter(body=token).exists()
        worker = start_worker(broker)
        assert wait_for(lambda: Notification.objects.filter(body=token).exists()), (
            "the task was not redelivered"
        )
        assert int(runs.get(f"probe-runs:{token}")) >= 2
        send(broker, user.pk, token, 0)  # a duplicate delivery changes nothing
        assert wait_for(lambda: int(runs.get(f"probe-runs:{token}")) >= 3)
        assert Notification.objects.filter(body=token).count() == 1
    finally:
        stop(worker)


def test_a_rolled_back_transaction_enqueues_nothing(broker):
    user = make_user("probe_rollback")
    queue = redis.Redis.from_url(broker)
    with pytest.raises(RuntimeError), transaction.atomic():
        transaction.on_commit(lambda: send(broker, user.pk, "rolled-back", 0))
        raise RuntimeError("the request failed")
    assert queue.llen("celery") == 0
    with transaction.atomic():
        transaction.on_commit(lambda: send(broker, user.pk, "committed", 0))
    assert queue.llen("celery") == 1


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server not installed")
def test_queued_work_survives_a_redis_restart_with_the_append_only_file(tmp_path):
    port = _free_port()
    args = [
        "redis-server",
        "--port",
        str(port),
        "--dir",
        str(tmp_path),
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        assert wait_for(lambda: _redis_up(url), 10)
        user = make_user("probe_restart")
        send(url, user.pk, "after-restart", 0)
        server.terminate()
        server.wait(10)
        server = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        assert wait_for(lambda: _redis_up(url), 10)
        assert redis.Redis.from_url(url).llen("celery") == 1
        worker = start_worker(url)
        try:
            assert wait_for(lambda: Notification.objects.filter(body="after-restart").exists())
        finally:
            stop(worker)
    finally:
        server.terminate()
        server.wait(10)


def test_every_periodic_task_is_registered():
    """The beat schedule is static configuration (settings), not state kept in Redis."""
    celery_app.loader.import_default_modules()
    missing = [
        entry["task"]
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] not in celery_app.tasks
    ]
    assert not missing
