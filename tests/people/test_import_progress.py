"""Roster import progress: it advances through validation and through the write phase (read
from the cache, outside the import's transaction), only goes up, reaches the total, and a
failure while writing leaves no one written."""

import datetime

import pytest

from apps.people import imports
from apps.people.models import ImportJob, Person, UnitMembership
from tests.factories.people import make_person, valid_id_number
from tests.factories.units import user_with_role
from tests.people.test_import import roster, row, upload

pytestmark = pytest.mark.django_db
ROWS = 1300  # over imports.TASK_THRESHOLD: a Celery task (eager in tests)
EXISTING = 260  # rows that update people already registered


@pytest.fixture
def big_file(tree):
    start = datetime.date(1980, 1, 1)
    existing = [
        make_person(
            tree.station, name=f"老队员{i}", id_number=valid_id_number(start + datetime.timedelta(days=i))
        )
        for i in range(EXISTING)
    ]
    rows = [row(tree.station.code, name=f"队员{i}", id_number=p.id_number) for i, p in enumerate(existing)]
    rows += [
        row(
            tree.station.code,
            name=f"新队员{i}",
            id_number=valid_id_number(start + datetime.timedelta(days=5000 + i)),
        )
        for i in range(ROWS - EXISTING)
    ]
    assert len(rows) > imports.TASK_THRESHOLD
    return roster(rows)


def watch(monkeypatch, client):
    """Every time progress is published, read the job through the API as a user would."""
    seen = []
    publish = imports._publish_progress

    def spy(job_id, **state):
        publish(job_id, **state)
        body = client.get(f"/api/people/imports/{job_id}/").json()
        seen.append({k: body[k] for k in ("status", "phase", "processed_rows", "written_rows", "progress")})

    monkeypatch.setattr(imports, "_publish_progress", spy)
    return seen


def test_progress_advances_through_validation_and_writing_and_reaches_the_total(
    tree, api, big_file, monkeypatch, django_capture_on_commit_callbacks
):
    client = api(user_with_role("unit_admin", tree.det))
    seen = watch(monkeypatch, client)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, tree.det, big_file)
    assert len(callbacks) == 1 and response.status_code == 201
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.created_count, job.updated_count) == ("done", ROWS - EXISTING, EXISTING)

    assert {s["status"] for s in seen} == {"running"}
    validating = [s for s in seen if s["phase"] == "validating"]
    writing = [s for s in seen if s["phase"] == "writing"]
    assert seen == validating + writing  # validation first, then writing
    assert [s["processed_rows"] for s in validating] == [250, 500, 750, 1000, 1250, ROWS]
    # the write phase advanced while its transaction was still open
    assert len({s["written_rows"] for s in writing}) >= ROWS // imports.PROGRESS_EVERY
    assert writing[-1]["written_rows"] == ROWS and all(s["processed_rows"] == ROWS for s in writing)
    steps = [s["processed_rows"] + s["written_rows"] for s in seen]
    percents = [s["progress"] for s in seen]
    assert steps == sorted(steps) and percents == sorted(percents)
    assert percents[-1] < 100 and steps[-1] == 2 * ROWS

    final = client.get(f"/api/people/imports/{job.pk}/").json()
    assert (final["phase"], final["processed_rows"], final["written_rows"], final["progress"]) == (
        "done",
        ROWS,
        ROWS,
        100,
    )
    assert Person.objects.filter(unit=tree.station).count() == ROWS


def test_a_failure_while_writing_leaves_no_one_written(
    tree, api, big_file, monkeypatch, django_capture_on_commit_callbacks
):
    client = api(user_with_role("unit_admin", tree.det))
    people_before = set(Person.objects.values_list("pk", "name"))
    memberships_before = UnitMembership.objects.count()
    seen = watch(monkeypatch, client)
    create = imports._create_chunk
    calls = []

    def failing(people, today):
        calls.append(len(people))
        if len(calls) == 3:  # two chunks of new people (and every update) are already written
            raise RuntimeError("disk full")
        create(people, today)

    monkeypatch.setattr(imports, "_create_chunk", failing)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, tree.det, big_file)
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    assert job.errors == [{"row": 0, "column": "", "message": imports.WRITE_FAILED}]
    assert max(s["written_rows"] for s in seen) >= EXISTING + 2 * imports.PROGRESS_EVERY
    assert set(Person.objects.values_list("pk", "name")) == people_before  # no new people, no renames
    assert UnitMembership.objects.count() == memberships_before
    body = client.get(f"/api/people/imports/{job.pk}/").json()
    assert (body["phase"], body["written_rows"], body["progress"]) == ("failed", 0, 100)


def test_progress_falls_back_to_the_job_row_when_the_cache_is_unavailable(tree, monkeypatch):
    job = ImportJob.objects.create(
        unit=tree.station,
        file="imports/x.xlsx",
        created_by=user_with_role("unit_admin", tree.station),
        status=ImportJob.Status.RUNNING,
        total_rows=1000,
        processed_rows=500,
    )

    class Broken:
        def get(self, *a, **k):
            raise ConnectionError("redis down")

        set = delete = get

    monkeypatch.setattr(imports, "cache", Broken())
    imports._publish_progress(job.pk, phase="writing", validated=1000, written=10, total=1000)  # no raise
    assert imports.job_progress(job) == {
        "phase": "validating",
        "validated": 500,
        "written": 0,
        "total": 1000,
        "percent": 25,
    }


def test_the_admin_shows_both_phases(tree, client, monkeypatch):
    job = ImportJob.objects.create(
        unit=tree.station,
        file="imports/x.xlsx",
        created_by=user_with_role("unit_admin", tree.station),
        status=ImportJob.Status.RUNNING,
        total_rows=1000,
        processed_rows=1000,
    )
    imports._publish_progress(job.pk, phase="writing", validated=1000, written=500, total=1000)
    client.force_login(user_with_role("unit_admin", tree.det))
    body = client.get("/admin/people/importjob/").content.decode()
    assert "75%（校验 1000/1000，写入 500/1000）" in body
