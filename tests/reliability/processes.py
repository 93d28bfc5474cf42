"""Real processes for the fault tests: Celery workers, ``bin/serve``, a private redis-server.

Isolation on a shared Redis: every test gets ``REDIS_URL``'s own database (never a
hard-coded one) and a key prefix of its own (``REDIS_KEY_PREFIX``: queues, unacknowledged
messages, cache entries and the beat lock all carry it), and deletes only its own keys.
Two runs on one Redis, or two xdist workers, never touch each other's queues.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from kombu import Connection

ROOT = Path(settings.BASE_DIR)
BASE_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@dataclasses.dataclass
class Broker:
    """A Redis database (``REDIS_URL``'s) and a key prefix of this test's own."""

    url: str
    prefix: str

    @classmethod
    def new(cls, url: str = BASE_REDIS_URL) -> Broker:
        return cls(url=url, prefix=f"test-{uuid.uuid4().hex[:12]}:")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2)

    def env(self) -> dict[str, str]:
        return {"REDIS_URL": self.url, "REDIS_KEY_PREFIX": self.prefix}

    def queue_length(self, name: str = "celery") -> int:
        return self.client().llen(self.prefix + name)

    def connection(self) -> Connection:
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": self.prefix}
        return Connection(self.url, transport_options=options)

    def send(self, task, *args) -> None:
        with self.connection() as conn:
            task.apply_async(args=args, connection=conn)

    def clean(self) -> None:
        with contextlib.suppress(redis.RedisError):
            client = self.client()
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
            if keys:
                client.delete(*keys)


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def base_env(broker: Broker, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        **broker.env(),
        "AXES_ENABLED": "0",
        "CELERY_VISIBILITY_TIMEOUT": "2",
        "CELERY_RESTORE_INTERVAL": "1",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def worker_argv(concurrency: int = 1) -> list[str]:
    return [
        sys.executable,
        *("-m", "celery", "-A", "orgportal", "worker", "--pool=prefork"),
        f"--concurrency={concurrency}",
        *("--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"),
    ]


def start(argv: list[str], env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    out = log.open("w") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        argv, cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=subprocess.STDOUT
    )
    process.log = log
    return process


def start_worker(broker: Broker, log: Path | None = None, concurrency: int = 1, **extra: str):
    return start(worker_argv(concurrency), base_env(broker, **extra), log)


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 40) -> None:
    if process is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(predicate, timeout: float = 45, every: float = 0.3) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    """``(status, content type, body)``; never raises on an HTTP error status."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, "", b""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def json_of(body: bytes):
    return json.loads(body.decode("utf-8"))


class RedisServer:
    """A redis-server of this test's own on a free port, to stop and start at will."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--dir", str(self.directory)]
        argv += ["--appendonly", "yes", "--appendfsync", "always", "--save", ""]
        self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, start_new_session=True)
        assert wait_for(lambda: redis_up(self.url), 10), "redis-server did not start"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
