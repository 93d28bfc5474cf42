"""Roster import: all or nothing, errors reported by row and column, scoped, idempotent."""

import datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from apps.people.imports import COLUMNS
from apps.people.models import ImportJob, Person, UnitMembership
from tests.factories.people import make_org, valid_id_number
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
HEADER = [title for _, title in COLUMNS]


def roster(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("花名册.xlsx", buffer.getvalue())


def row(unit_code, name="张三", id_number=None, status="正式党员", org="", group=""):
    return [
        name,
        "男",
        id_number or valid_id_number(),
        unit_code,
        "指战员",
        "战斗员",
        "消防士",
        "",
        status,
        org,
        group,
    ]


def upload(client, unit, file):
    return client.post("/api/people/imports/", {"unit": unit.pk, "file": file}, format="multipart")


def test_one_bad_row_imports_nothing_and_reports_that_row(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    rows = [row(tree.station.code, name=f"人{i}") for i in range(5)]
    rows[3][2] = "520102199506010011"  # wrong check digit
    response = upload(client, tree.det, roster(rows))
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(5, "身份证号")]
    assert "校验位" in body["errors"][0]["message"]
    assert Person.objects.count() == 0
    report = client.get(body["error_report"])
    sheet = load_workbook(BytesIO(report.content)).active
    assert list(sheet.iter_rows(values_only=True))[1][:2] == (5, "身份证号")


def test_a_unit_outside_the_importers_scope_is_refused(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, roster([row(tree.station.code), row(tree.station3.code)]))
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [(3, "单位")]
    assert Person.objects.count() == 0


def test_reimporting_the_same_file_updates_instead_of_duplicating(tree, api):
    branch = make_org(tree.station, "branch", name="甲站党支部")
    client = api(user_with_role("unit_admin", tree.det))
    ids = [valid_id_number(datetime.date(1990, 1, i + 1)) for i in range(3)]
    path = "消防救援局/甲省总队/甲市支队/甲区大队/甲站"
    rows = [row(path, name=f"队员{i}", id_number=ids[i], org="甲站党支部") for i in range(3)]
    assert upload(client, tree.det, roster(rows)).status_code == 201
    rows[0][0] = "队员零"
    second = upload(client, tree.det, roster(rows)).json()
    assert (second["created_count"], second["updated_count"]) == (0, 1)  # only 队员零 changed
    assert Person.objects.count() == 3
    assert Person.objects.get(id_number=ids[0]).name == "队员零"
    assert Person.objects.get(id_number=ids[1]).party_organisation == branch
    assert UnitMembership.objects.count() == 3


def test_a_5000_row_file_is_imported_completely_by_a_task(tree, api, django_capture_on_commit_callbacks):
    client = api(user_with_role("unit_admin", tree.det))
    start = datetime.date(1980, 1, 1)
    rows = [
        row(tree.station.code, name=f"队员{i}", id_number=valid_id_number(start + datetime.timedelta(days=i)))
        for i in range(5000)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(client, tree.det, roster(rows))
    assert len(callbacks) == 1  # a big file goes to a Celery task
    assert response.status_code == 201, response.content[:500]
    job = ImportJob.objects.get(pk=response.json()["id"])
    assert (job.status, job.created_count, job.processed_rows, job.progress) == ("done", 5000, 5000, 100)
    assert Person.objects.filter(unit=tree.station).count() == 5000
    status = client.get(f"/api/people/imports/{job.pk}/").json()
    assert status["progress"] == 100


def test_import_jobs_of_other_units_are_invisible(tree, api):
    upload(api(user_with_role("unit_admin", tree.det2)), tree.det2, roster([row(tree.station3.code)]))
    job = ImportJob.objects.get()
    client = api(user_with_role("unit_admin", tree.det))
    assert client.get(f"/api/people/imports/{job.pk}/").status_code == 404
    assert client.get("/api/people/imports/").json()["count"] == 0


def test_a_file_that_is_not_xlsx_is_a_400(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert response.status_code == 400
    assert "file" in response.json()
