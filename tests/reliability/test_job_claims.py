"""Import jobs are claimed once, their rows are their outbox, and abandoned work is sent again.

In-process tests of ``apps.core.jobs`` against the database, then one on a real worker: the
same import delivered twice (sent twice and redelivered by a visibility timeout shorter than
the import) runs once.
"""

import datetime
import signal
from io import BytesIO

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from apps.core import jobs
from apps.core.models import JobClaim
from apps.people.imports import COLUMNS
from apps.people.models import ImportJob, Person
from apps.people.tasks import IMPORT_JOBS, run_import_job
from orgportal.celery import app as celery_app
from tests.factories.people import valid_id_number
from tests.factories.units import user_with_role

from .processes import Broker, base_env, redis_up, start, start_worker, stop, wait_for, worker_argv

Status = ImportJob.Status


BORN = datetime.date(1975, 1, 1)  # one birthday per row: the ID numbers' serial wraps at 1,000


def roster_file(unit_code: str, count: int) -> ContentFile:
    book = Workbook()
    sheet = book.active
    sheet.append([title for _, title in COLUMNS])
    for i in range(count):
        sheet.append(
            [
                f"测试{i}",
                "男",
                valid_id_number(birth=BORN + datetime.timedelta(days=i)),
                unit_code,
                "指战员",
                "战斗员",
                "消防士",
                "",
                "群众",
                "",
                "",
            ]
        )
    buffer = BytesIO()
    book.save(buffer)
    return ContentFile(buffer.getvalue(), name="花名册.xlsx")


def make_job(tree, rows: int = 3, **fields) -> ImportJob:
    user = user_with_role("unit_admin", tree.det, f"importer_{ImportJob.objects.count()}")
    return ImportJob.objects.create(
        unit=tree.det, file=roster_file(tree.station.code, rows), created_by=user, **fields
    )


def age(job: ImportJob, seconds: float) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


@pytest.mark.django_db
class TestClaims:
    def test_a_pending_job_is_claimed_and_a_second_delivery_finds_it_held(self, tree):
        job = make_job(tree)
        first = jobs.claim(IMPORT_JOBS, job.pk, owner="worker-a")
        assert first is not None
        job.refresh_from_db()
        assert job.status == Status.RUNNING
        assert jobs.claim(IMPORT_JOBS, job.pk, owner="worker-b") is None
        assert JobClaim.objects.get(kind=IMPORT_JOBS.kind, object_id=job.pk).owner == "worker-a"

    def test_a_finished_job_is_never_claimed_again(self, tree):
        job = make_job(tree, status=Status.DONE)
        assert jobs.claim(IMPORT_JOBS, job.pk) is None
        assert run_import_job.apply(args=[job.pk]).get() == "skipped"

    def test_a_claim_whose_worker_stopped_heartbeating_is_taken_over(self, tree, settings):
        settings.JOB_CLAIM_LEASE = 30
        job = make_job(tree)
        assert jobs.claim(IMPORT_JOBS, job.pk, owner="dead-worker")
        JobClaim.objects.filter(object_id=job.pk).update(
            heartbeat_at=timezone.now() - datetime.timedelta(seconds=31)
        )
        taken = jobs.claim(IMPORT_JOBS, job.pk, owner="live-worker")
        assert taken is not None and taken.attempts == 2
        assert taken.renew()

    def test_a_live_claim_is_renewed_by_its_heartbeat_and_lost_to_no_one(self, tree):
        job = make_job(tree)
        held = jobs.claim(IMPORT_JOBS, job.pk, owner="worker-a")
        assert held.renew()
        assert jobs.claim(IMPORT_JOBS, job.pk, owner="worker-b") is None

    def test_a_job_abandoned_too_often_is_failed_with_a_chinese_reason(self, tree, settings):
        settings.JOB_MAX_ATTEMPTS = 2
        job = make_job(tree)
        for owner in ("w1", "w2"):
            assert jobs.claim(IMPORT_JOBS, job.pk, owner=owner)
            JobClaim.objects.filter(object_id=job.pk).update(heartbeat_at=None)
        assert jobs.claim(IMPORT_JOBS, job.pk, owner="w3") is None
        job.refresh_from_db()
        assert job.status == Status.FAILED
        assert "多次中断" in job.errors[0]["message"]

    def test_an_import_task_runs_the_import_and_releases_its_claim(self, tree):
        job = make_job(tree, rows=3)
        assert run_import_job.apply(args=[job.pk]).get() == Status.DONE
        assert Person.objects.count() == 3
        claim = JobClaim.objects.get(kind=IMPORT_JOBS.kind, object_id=job.pk)
        assert claim.attempts == 1 and claim.heartbeat_at is None

    def test_jobs_pending_past_the_threshold_are_stale_and_fresh_or_recently_sent_ones_are_not(
        self, tree, settings
    ):
        settings.JOB_REQUEUE_AFTER = 60
        fresh = make_job(tree)
        forgotten = make_job(tree)
        age(forgotten, 120)
        resent = make_job(tree)
        age(resent, 120)
        JobClaim.objects.create(kind=IMPORT_JOBS.kind, object_id=resent.pk, enqueued_at=timezone.now())
        done = make_job(tree, status=Status.DONE)
        age(done, 120)
        assert list(jobs.stale(IMPORT_JOBS)) == [forgotten.pk]
        assert fresh.pk not in jobs.stale(IMPORT_JOBS)

    def test_a_running_job_whose_claim_expired_is_stale_and_a_live_one_is_not(self, tree, settings):
        settings.JOB_CLAIM_LEASE = 30
        settings.JOB_REQUEUE_AFTER = 60
        live, dead = make_job(tree), make_job(tree)
        jobs.claim(IMPORT_JOBS, live.pk, owner="a")
        jobs.claim(IMPORT_JOBS, dead.pk, owner="b")
        JobClaim.objects.filter(object_id=dead.pk).update(
            heartbeat_at=timezone.now() - datetime.timedelta(seconds=40)
        )
        assert list(jobs.stale(IMPORT_JOBS)) == [dead.pk]

    def test_the_beat_task_runs_a_forgotten_job(self, tree, settings):
        settings.JOB_REQUEUE_AFTER = 60
        job = make_job(tree, rows=2)
        age(job, 120)
        from apps.core.tasks import requeue_stale_jobs

        assert requeue_stale_jobs.apply().get()[IMPORT_JOBS.kind] == 1
        job.refresh_from_db()
        assert job.status == Status.DONE

    def test_a_message_that_cannot_be_sent_leaves_the_job_pending_without_an_error(self, tree, caplog):
        job = make_job(tree)
        previous = celery_app.conf.task_always_eager, celery_app.conf.broker_url
        celery_app.conf.task_always_eager = False
        try:
            with celery_app.connection_for_write("redis://127.0.0.1:1/0") as conn:
                assert run_import_job.apply_async(args=[job.pk], connection=conn) is None
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.broker_url = previous
        job.refresh_from_db()
        assert job.status == Status.PENDING
        assert "not queued" in caplog.text


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the test database")
def test_an_import_delivered_twice_while_it_runs_is_imported_once(tree, tmp_path):
    broker = Broker.new()
    if not redis_up(broker.url):
        pytest.skip(f"no Redis at {broker.url}")
    rows = 600
    job = make_job(tree, rows=rows)
    log = tmp_path / "worker.log"
    # a visibility timeout of one second: Redis hands the message out again mid-import
    worker = start_worker(broker, log=log, concurrency=2, CELERY_VISIBILITY_TIMEOUT="1")
    try:
        broker.send(run_import_job, job.pk)
        broker.send(run_import_job, job.pk)  # and a duplicate message
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == Status.DONE, 120), log.read_text()[
            -3000:
        ]
        assert wait_for(lambda: log.read_text().count("'skipped'") >= 1, 30), log.read_text()[-3000:]
        # the job is DONE in the database a moment before its task returns and logs it: on a busy
        # machine stopping the worker in that moment lost the log line (WorkerLostError)
        done = f"'{Status.DONE.value}'"
        assert wait_for(lambda: log.read_text().count(done) >= 1, 30), log.read_text()[-3000:]
    finally:
        stop(worker)
        broker.clean()
    job.refresh_from_db()
    assert (job.created_count, job.updated_count) == (rows, 0), "a second run overwrites the counts"
    assert Person.objects.count() == rows
    assert log.read_text().count(f"'{Status.DONE.value}'") == 1
    assert JobClaim.objects.get(kind=IMPORT_JOBS.kind, object_id=job.pk).attempts == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker shares the test database")
def test_an_import_whose_worker_died_is_taken_over_long_before_the_visibility_timeout(tree, tmp_path):
    broker = Broker.new()
    if not redis_up(broker.url):
        pytest.skip(f"no Redis at {broker.url}")
    # enough rows that the import runs for seconds on a fast, quiet machine (1,500 took about
    # 0.4 s, and a 0.3-s poll could miss the running state altogether), watched closely
    rows = 5000
    job = make_job(tree, rows=rows)
    # the message is not redelivered for an hour: only the expired claim brings the job back
    settings_env = {"CELERY_VISIBILITY_TIMEOUT": "3600", "JOB_CLAIM_LEASE": "2", "JOB_REQUEUE_AFTER": "1"}
    first = start_worker(broker, log=tmp_path / "first.log", **settings_env)
    second = None
    try:
        broker.send(run_import_job, job.pk)
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == Status.RUNNING, 60, every=0.05)
        stop(first, signal.SIGKILL)  # mid-import: the claim is no longer renewed
        assert ImportJob.objects.get(pk=job.pk).status == Status.RUNNING
        second = start(
            [*worker_argv(), "--beat", "--schedule", str(tmp_path / "beat-schedule")],
            base_env(broker, JOB_REQUEUE_INTERVAL="1", CELERY_BEAT_LOCK_TIMEOUT="3", **settings_env),
            tmp_path / "second.log",
        )
        assert wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == Status.DONE, 150), (
            ImportJob.objects.filter(pk=job.pk).values("status", "errors")[0]
        )
    finally:
        stop(first, signal.SIGKILL)
        stop(second)
        broker.clean()
    assert Person.objects.count() == rows
    assert JobClaim.objects.get(kind=IMPORT_JOBS.kind, object_id=job.pk).attempts == 2
    assert "taking over the claim" in (tmp_path / "second.log").read_text()
