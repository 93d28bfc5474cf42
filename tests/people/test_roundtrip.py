"""Issue 21 item 2 and issue 16 item 15 on rosters: an export re-imports unchanged (masked ID
numbers mean "unchanged"), units by name within the scope, a template with notes, an example
row and drop-down lists, and an upload that unpacks to too much is refused before parsing."""

import datetime
import zipfile
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from apps.party.models import OrganisationKind
from apps.people import imports, services
from apps.people.models import ImportJob, PartyMembership, Person, PoliticalStatusChange, UnitMembership
from tests.factories.people import make_org, make_person, valid_id_number
from tests.factories.units import make_unit, user_with_role
from tests.people.test_import import roster, row, upload

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def staffed(tree):
    """People across units whose names repeat (two squads called 一班), with branches and groups."""
    squad_a = make_unit(tree.station, "squad", "一班")
    squad_b = make_unit(tree.station2, "squad", "一班")
    branch = make_org(tree.station, OrganisationKind.BRANCH, name="甲站党支部")
    group = make_org(squad_a, OrganisationKind.PARTY_GROUP, parent=branch, name="一班党小组")
    branch2 = make_org(tree.station2, OrganisationKind.BRANCH, name="乙站党支部")
    group2 = make_org(squad_b, OrganisationKind.PARTY_GROUP, parent=branch2, name="一班党小组")
    people = [
        make_person(tree.station, name="陈遵明", phone="13800001111", position="站长", rank="三级指挥员"),
        make_person(squad_a, name="李四", position="=SUM(A1)", rank="-"),
        make_person(squad_b, name="王五", phone="+8613900002222"),
        make_person(tree.tqz, name="赵六", status="activist"),
    ]
    for person, (org, grp) in zip(people[1:3], [(branch, group), (branch2, group2)], strict=True):
        services.person_join_organisation(person=person, organisation=org, on=D(2024, 1, 1))
        services.person_join_organisation(person=person, organisation=grp, on=D(2024, 1, 2))
    return people


def snapshot():
    return (
        sorted(Person.objects.values_list()),
        UnitMembership.objects.count(),
        PartyMembership.objects.count(),
        PoliticalStatusChange.objects.count(),
        Person.history.count(),
    )


def reimport(client, unit, content: bytes):
    return upload(client, unit, SimpleUploadedFile("人员名单.xlsx", content))


@pytest.mark.parametrize("role", ["hq_admin", "unit_admin"])  # full ID numbers / masked ones
def test_an_api_export_reimports_with_no_errors_and_no_changes(tree, api, staffed, role):
    client = api(user_with_role(role, tree.det))
    exported = client.get("/api/people/export/")
    assert exported.status_code == 200
    before = snapshot()
    response = reimport(client, tree.det, exported.content)
    body = response.json()
    assert response.status_code == 201, body["errors"]
    assert (body["errors"], body["created_count"], body["updated_count"]) == ([], 0, 0)
    assert snapshot() == before


def test_the_export_names_units_by_name_or_by_path_where_the_name_repeats(tree, api, staffed):
    client = api(user_with_role("unit_admin", tree.det))
    sheet = load_workbook(BytesIO(client.get("/api/people/export/").content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["陈遵明"][3] == "甲站"
    assert rows["李四"][3].endswith("甲站/一班") and rows["王五"][3].endswith("乙站/一班")
    assert "*" in rows["陈遵明"][2]  # masked for a unit administrator
    assert rows["李四"][5] == "'=SUM(A1)"  # neutralised, and read back as it was


def test_an_admin_export_reimports_through_the_admin_with_no_changes(tree, client, staffed):
    client.force_login(user_with_role("unit_admin", tree.det))
    exported = client.post(
        "/admin/people/person/",
        {"action": "export_people_xlsx", "_selected_action": [p.pk for p in staffed], "index": 0},
    )
    assert exported.status_code == 200
    before = snapshot()
    response = client.post(
        "/admin/people/person/import/",
        {"unit": tree.det.pk, "file": SimpleUploadedFile("人员名单.xlsx", exported.content)},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.status, job.errors, job.created_count, job.updated_count) == ("done", [], 0, 0)
    assert snapshot() == before


def test_a_unit_is_accepted_by_its_name_within_the_scope(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, roster([row("特勤站", name="按名称")]))
    assert response.status_code == 201, response.json()
    assert Person.objects.get(name="按名称").unit == tree.tqz


def test_an_ambiguous_unit_name_is_refused_naming_the_candidates(tree, api):
    make_unit(tree.station, "squad", "二班")
    make_unit(tree.station2, "squad", "二班")
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, roster([row("二班")]))
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["column"] == "单位" and "不唯一" in error["message"]
    assert "甲站/二班" in error["message"] and "乙站/二班" in error["message"]


def test_a_masked_id_number_of_no_known_person_is_an_error(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, roster([row(tree.station.code, id_number="5201**********1234")]))
    assert response.status_code == 400
    assert response.json()["errors"][0]["column"] == "身份证号"


def test_an_imported_name_starting_like_a_formula_is_refused(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    for name in ("=HYPERLINK(1)", "+1", "-1", "@A1"):
        response = upload(client, tree.det, roster([row(tree.station.code, name=name)]))
        assert response.status_code == 400, name
        assert response.json()["errors"][0]["column"] == "姓名"
    assert not Person.objects.exists()


def test_an_import_cannot_move_political_status_backwards(tree, api):
    person = make_person(tree.station, status="full_member")
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(
        client, tree.det, roster([row(tree.station.code, id_number=person.id_number, status="预备党员")])
    )
    assert response.status_code == 400
    assert [e["column"] for e in response.json()["errors"]] == ["政治面貌"]
    person.refresh_from_db()
    assert person.political_status == "full_member"


# --- the template ------------------------------------------------------------------------------


def test_the_template_has_notes_an_example_row_and_drop_down_lists(tree, api):
    tree.station2.dissolved_on = D(2025, 1, 1)
    tree.station2.save(update_fields=["dissolved_on"])
    client = api(user_with_role("unit_admin", tree.det))
    response = client.get("/api/people/imports/template/")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    sheet = book["花名册"]
    header = [c.value for c in sheet[1]]
    assert header == imports.template_rows()
    assert all(c.comment is not None and c.comment.text for c in sheet[1])
    assert sheet["A2"].value.startswith(imports.EXAMPLE_PREFIX)
    by_column = {}
    for rule in sheet.data_validations.dataValidation:
        for rng in rule.sqref.ranges:
            by_column[header[rng.min_col - 1]] = rule
    assert set(by_column) >= {"性别", "人员类别", "政治面貌", "单位"}
    lists = book["可选值"]
    assert lists.sheet_state == "hidden"

    def allowed(title):
        rule = by_column[title]
        sheet_name, cells = rule.formula1.split("!")
        return [c.value for (c,) in book[sheet_name.strip("'")][cells.replace("$", "")]]

    assert allowed("性别") == ["男", "女"]
    assert "正式党员" in allowed("政治面貌") and by_column["政治面貌"].showErrorMessage
    units = allowed("单位")
    assert "甲站" in units and "乙站" not in units and "丙站" not in units  # dissolved, out of scope


def test_a_filled_template_imports_its_rows_but_not_the_example(tree, api):
    client = api(user_with_role("unit_admin", tree.det))
    book = load_workbook(BytesIO(client.get("/api/people/imports/template/").content))
    sheet = book["花名册"]
    sheet.append(["新队员", "男", valid_id_number(), "甲站", "指战员", "", "", "", "群众", "", ""])
    buffer = BytesIO()
    book.save(buffer)
    response = upload(client, tree.det, SimpleUploadedFile("花名册.xlsx", buffer.getvalue()))
    assert response.status_code == 201, response.json()
    assert list(Person.objects.values_list("name", flat=True)) == ["新队员"]


# --- size before parsing -----------------------------------------------------------------------


def zip_bomb(unpacked_mb: int) -> bytes:
    """A small .xlsx-looking zip whose sheet unpacks to ``unpacked_mb`` MB of blanks."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                sheet.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_parsed(tree, api, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(imports, "load_workbook", never)
    content = zip_bomb(imports.MAX_UNCOMPRESSED_BYTES // imports.MB + 1)
    assert len(content) < 2 * imports.MB
    client = api(user_with_role("unit_admin", tree.det))
    response = upload(client, tree.det, SimpleUploadedFile("花名册.xlsx", content))
    assert response.status_code == 400
    assert "解压后" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


def test_a_large_roster_is_queued_without_being_parsed_in_the_request(
    tree, api, monkeypatch, django_capture_on_commit_callbacks
):
    parsed = []
    original = imports.load_workbook

    def spy(*args, **kwargs):
        parsed.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(imports, "load_workbook", spy)
    monkeypatch.setattr(imports, "INLINE_UNCOMPRESSED_BYTES", 1)  # every file counts as large
    client = api(user_with_role("unit_admin", tree.det))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = upload(client, tree.det, roster([row(tree.station.code)]))
    assert response.status_code == 201 and response.json()["status"] == "pending"
    assert parsed == [] and len(queued) == 1
    queued[0]()  # the task (eager in tests) parses it
    assert parsed and ImportJob.objects.get().status == "done"


def test_the_task_refuses_a_stored_file_that_unpacks_to_too_much(tree):
    job = ImportJob.objects.create(
        unit=tree.station,
        file=SimpleUploadedFile("r.xlsx", zip_bomb(imports.MAX_UNCOMPRESSED_BYTES // imports.MB + 1)),
        created_by=user_with_role("unit_admin", tree.det),
    )
    imports.import_job_run(job)
    job.refresh_from_db()
    assert job.status == "failed" and "解压后" in job.errors[0]["message"]


def test_the_roster_export_takes_as_many_queries_for_many_people_as_for_few(tree, api, staffed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(user_with_role("unit_admin", tree.det))
    client.get("/api/people/export/")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/people/export/")
    for i in range(30):
        make_person(make_unit(tree.station2, "squad", f"队{i}") if i % 2 else tree.tqz)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/people/export/")
    assert len(load_workbook(BytesIO(response.content)).active["A"]) == 1 + len(staffed) + 30
    assert len(many) == len(few)
