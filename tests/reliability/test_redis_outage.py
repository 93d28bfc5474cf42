"""Redis unreachable under ``bin/serve``: the health check says so, the API answers in JSON,
the admin works, a big import is accepted and kept pending, and it runs once Redis is back
(the job row is its own outbox; beat's ``requeue_stale_jobs`` sends it again)."""

import uuid
from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from openpyxl import Workbook
from rest_framework.authtoken.models import Token

from apps.people.imports import COLUMNS
from apps.people.models import ImportJob, Person
from tests.factories.people import valid_id_number
from tests.factories.units import user_with_role

from .processes import (
    ROOT,
    Broker,
    RedisServer,
    base_env,
    free_port,
    http,
    json_of,
    start,
    stop,
    wait_for,
)

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the processes share the test database"),
    pytest.mark.skipif(not RedisServer.available(), reason="redis-server not installed"),
]


ROWS = 501  # one more than apps.people.imports.TASK_THRESHOLD: imported by a task


def roster_bytes(unit_code: str, count: int) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([title for _, title in COLUMNS])
    for i in range(count):
        sheet.append(
            [f"断线{i}", "男", valid_id_number(), unit_code, "指战员", "战斗员", "消防士", "", "群众", "", ""]
        )
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def multipart(fields: dict[str, str], file_field: str, filename: str, content: bytes):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_with_redis_down_the_api_answers_json_and_a_pending_import_runs_once_redis_is_back(tree, tmp_path):
    server = RedisServer(tmp_path)  # not started: Redis is unreachable
    broker = Broker.new(server.url)
    user = user_with_role("unit_admin", tree.det, "outage_admin")
    token = Token.objects.create(user=user).key
    browser = Client()
    browser.force_login(user)
    session = browser.cookies["sessionid"].value
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = base_env(
        broker,
        SERVE_PREPARE="0",
        SERVE_PID_DIR=str(tmp_path / "pids"),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
        CELERY_BEAT_SCHEDULE_FILE=str(tmp_path / "beat-schedule"),
        CELERY_BEAT_LOCK_TIMEOUT="3",
        JOB_REQUEUE_AFTER="1",
        JOB_REQUEUE_INTERVAL="1",
    )
    log = tmp_path / "serve.log"
    serve = start([str(ROOT / "bin" / "serve")], env, log)
    try:
        assert wait_for(lambda: http(f"{base}/livez")[0] == 200, 90), log.read_text()

        status, _, body = http(f"{base}/healthz")
        assert status == 503
        assert json_of(body)["database"] == "ok" and json_of(body)["broker"].startswith("error")

        auth = {"Authorization": f"Token {token}"}
        status, content_type, body = http(f"{base}/api/people/", headers=auth)
        assert (status, content_type) == (200, "application/json"), body[:500]

        data, content_type = multipart(
            {"unit": str(tree.det.pk)}, "file", "花名册.xlsx", roster_bytes(tree.station.code, ROWS)
        )
        status, answered_as, body = http(
            f"{base}/api/people/imports/",
            method="POST",
            headers={**auth, "Content-Type": content_type},
            data=data,
        )
        assert (status, answered_as) == (201, "application/json"), body[:1000]
        job = ImportJob.objects.get(pk=json_of(body)["id"])
        assert job.status == ImportJob.Status.PENDING

        status, content_type, body = http(f"{base}/admin/", headers={"Cookie": f"sessionid={session}"})
        assert status == 200 and content_type.startswith("text/html"), body[:500]

        server.start()  # Redis is back: beat re-queues the pending job, the worker runs it
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE, 150), (
            log.read_text()[-4000:]
        )
        assert Person.objects.filter(unit=tree.station).count() == ROWS
        assert wait_for(lambda: http(f"{base}/healthz")[0] == 200, 30)
        assert "not queued" in log.read_text()
    finally:
        stop(serve)
        server.stop()
