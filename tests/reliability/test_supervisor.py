"""``bin/serve`` under faults: a crashed child is restarted alone, the others keep serving."""

import os
import signal
import uuid

import pytest
import redis
from django.db import connection

from apps.core.tasks import reliability_probe
from apps.notifications.models import Notification
from tests.factories.units import make_user

from .processes import ROOT, Broker, base_env, free_port, http, json_of, redis_up, start, stop, wait_for

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes share the test database"),
]


@pytest.fixture
def broker():
    broker = Broker.new()
    if not redis_up(broker.url):
        pytest.skip(f"no Redis at {broker.url}")
    yield broker
    broker.clean()


def read_pid(path) -> int | None:
    try:
        return int(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def test_killing_the_workers_main_process_restarts_the_worker_alone_and_the_task_completes_once(
    broker, tmp_path
):
    user = make_user("supervised_probe")
    token = uuid.uuid4().hex
    port = free_port()
    pids = tmp_path / "pids"
    env = base_env(
        broker,
        SERVE_PREPARE="0",
        SERVE_PID_DIR=str(pids),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
    )
    base = f"http://127.0.0.1:{port}"
    serve = start([str(ROOT / "bin" / "serve")], env, tmp_path / "serve.log")
    try:
        assert wait_for(lambda: http(f"{base}/livez")[0] == 200, 90), (tmp_path / "serve.log").read_text()
        web_pid, worker_pid = read_pid(pids / "web.pid"), read_pid(pids / "worker.pid")

        broker.send(reliability_probe, user.pk, token, 3)
        runs = redis.Redis.from_url(broker.url)
        assert wait_for(lambda: runs.get(f"probe-runs:{token}") == b"1", 60), "the task never started"
        os.kill(worker_pid, signal.SIGKILL)  # the main process only, mid-task

        status, content_type, body = http(f"{base}/healthz")
        assert status == 200 and json_of(body)["database"] == "ok", body
        assert wait_for(lambda: read_pid(pids / "worker.pid") not in (None, worker_pid), 30)
        assert wait_for(lambda: Notification.objects.filter(body=token).exists(), 90), (
            tmp_path / "serve.log"
        ).read_text()[-3000:]
        assert Notification.objects.filter(body=token).count() == 1
        assert read_pid(pids / "web.pid") == web_pid, "the web was restarted too"
        assert http(f"{base}/livez")[0] == 200
        assert "worker exited" in (tmp_path / "serve.log").read_text()
    finally:
        stop(serve)
        redis.Redis.from_url(broker.url).delete(f"probe-runs:{token}")
    assert serve.returncode == 0
    assert not list(pids.glob("*.pid")), "a child was left behind"
