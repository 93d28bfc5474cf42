"""Roster import 花名册导入: read an .xlsx with openpyxl, validate every row, then apply all
rows in one transaction or none.

Progress has two phases, validation then writing, each counting rows up to ``total_rows``.
Validation progress is saved on the job row (``processed_rows``). The write phase runs in
one transaction, so its progress cannot go to the job row (nobody would see it before the
commit, and the job row would be locked meanwhile): it goes to the cache (Redis in
production, shared by the Celery worker and the web processes), keyed by job id, and
``job_progress`` merges both for the API and the admin. Progress is best-effort: a cache
that is down never fails an import.

Rows are matched to existing people by ID number, so importing the same file twice updates
instead of duplicating. A unit is named by its code or its full path of names joined by
"/" (``贵州省消防救援总队/遵义市消防救援支队/...``); it must lie in the importer's scope.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from openpyxl import load_workbook

from apps.party.models import OrganisationKind, PartyOrganisation
from apps.units.models import Unit

from .models import (
    Gender,
    ImportJob,
    PartyMembership,
    Person,
    PersonCategory,
    PoliticalStatus,
    PoliticalStatusChange,
    UnitMembership,
    validate_id_number,
)

COLUMNS = [
    ("name", "姓名"),
    ("gender", "性别"),
    ("id_number", "身份证号"),
    ("unit", "单位"),
    ("category", "人员类别"),
    ("position", "职务"),
    ("rank", "衔级"),
    ("phone", "联系电话"),
    ("political_status", "政治面貌"),
    ("party_organisation", "党组织"),
    ("party_group", "党小组"),
]
REQUIRED = {"name", "id_number", "unit"}
TASK_THRESHOLD = 500  # rows; larger files are imported by a Celery task with progress
PROGRESS_EVERY = 250

GENDERS = {label: code for code, label in Gender.choices}
CATEGORIES = {label: code for code, label in PersonCategory.choices}
STATUSES = {label: code for code, label in PoliticalStatus.choices}
PROGRESS_TTL = 24 * 3600  # seconds a job's live progress stays in the cache
WRITE_FAILED = "写入数据库时出错，本次未导入任何人员。请重新导入或联系管理员。"

logger = logging.getLogger(__name__)


def _progress_key(job_id: int) -> str:
    # the database name keeps installs (and parallel test databases) sharing one Redis apart
    return f"people:import-progress:{connection.settings_dict['NAME']}:{job_id}"


def _publish_progress(job_id: int, *, phase: str, validated: int, written: int, total: int) -> None:
    """Live progress of a running job, outside any database transaction."""
    try:
        cache.set(
            _progress_key(job_id),
            {"phase": phase, "validated": validated, "written": written, "total": total},
            PROGRESS_TTL,
        )
    except Exception:  # progress is best-effort; never fail an import over it
        logger.warning("import %s: progress not published", job_id, exc_info=True)


def _clear_progress(job_id: int) -> None:
    try:
        cache.delete(_progress_key(job_id))
    except Exception:
        logger.warning("import %s: progress not cleared", job_id, exc_info=True)


def job_progress(job: ImportJob) -> dict:
    """``{"phase", "validated", "written", "total", "percent"}`` for the API and the admin.

    ``percent`` counts validation as the first half and writing as the second, so it only
    goes up: pending 0, validating 0-50, writing 50-99, finished (done or failed) 100.
    """
    total = job.total_rows
    phase, validated, written = "pending", 0, 0
    if job.status == ImportJob.Status.DONE:
        phase, validated, written = "done", total, total
    elif job.status == ImportJob.Status.FAILED:
        phase, validated = "failed", job.processed_rows
    elif job.status == ImportJob.Status.RUNNING:
        phase, validated = "validating", job.processed_rows
        try:
            live = cache.get(_progress_key(job.pk))
        except Exception:
            live = None
        if live and live.get("total") == total:
            phase, validated, written = live["phase"], live["validated"], live["written"]
    if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        percent = 100  # finished (a failed job's errors say what went wrong)
    else:
        percent = min(99, (100 * (validated + written)) // (2 * total)) if total else 0
    return {"phase": phase, "validated": validated, "written": written, "total": total, "percent": percent}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    row: int
    values: dict
    unit: Unit | None = None
    organisation: PartyOrganisation | None = None
    group: PartyOrganisation | None = None
    existing: Person | None = None
    errors: list = field(default_factory=list)


def read_rows(file) -> list[tuple[int, dict]]:
    """Rows as dicts keyed by field name; the header row maps Chinese titles to fields."""
    workbook = load_workbook(file, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None) or ()
    by_title = {title: name for name, title in COLUMNS}
    positions = {
        i: by_title[str(h).strip()] for i, h in enumerate(header) if h and str(h).strip() in by_title
    }
    missing = [title for name, title in COLUMNS if name in REQUIRED and name not in positions.values()]
    if missing:
        raise ValidationError({"file": f"表头缺少必填列：{'、'.join(missing)}。"})
    result = []
    for number, values in enumerate(rows, start=2):
        if not values or all(v in (None, "") for v in values):
            continue
        record = {name: _text(values[i]) if i < len(values) else "" for i, name in positions.items()}
        result.append((number, record))
    workbook.close()
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RosterValidator:
    """Checks every row against the importer's scope with a fixed number of queries."""

    def __init__(self, actor):
        self.actor = actor
        units = list(Unit.objects.visible_to(actor, "people.add_person").filter(dissolved_on__isnull=True))
        by_path = {u.path: u for u in units}
        self.units_by_code = {u.code: u for u in units}
        self.units_by_name_path = {}
        all_names = dict(
            Unit.objects.filter(
                path__in={u.path[:i] for u in units for i in range(4, len(u.path) + 1, 4)}
            ).values_list("path", "name")
        )
        for unit in by_path.values():
            names = [all_names[unit.path[:i]] for i in range(4, len(unit.path) + 1, 4)]
            self.units_by_name_path["/".join(names)] = unit
        self.orgs = {}
        for org in PartyOrganisation.objects.visible_to(actor, "view").filter(closed_on__isnull=True):
            self.orgs.setdefault(org.name, []).append(org)
        self.org_paths = {o.pk: o.path for group in self.orgs.values() for o in group}

    def validate(self, rows: list[tuple[int, dict]], on_progress=None) -> list[ParsedRow]:
        parsed = [ParsedRow(row=n, values=v) for n, v in rows]
        ids = [p.values.get("id_number", "").upper() for p in parsed]
        existing = {p.id_number: p for p in Person.objects.filter(id_number__in=ids)}
        visible = set(
            Person.objects.visible_to(self.actor, "change")
            .filter(id_number__in=ids)
            .values_list("pk", flat=True)
        )
        seen: dict[str, int] = {}
        for index, row in enumerate(parsed, start=1):
            self._validate_row(row, existing, visible, seen)
            if on_progress and index % PROGRESS_EVERY == 0:
                on_progress(index)
        return parsed

    def _error(self, row: ParsedRow, column: str, message: str) -> None:
        row.errors.append(RowError(row.row, dict(COLUMNS)[column], message))

    def _validate_row(self, row: ParsedRow, existing, visible, seen) -> None:
        v = row.values
        for name in REQUIRED:
            if not v.get(name):
                self._error(row, name, "必填项为空。")
        if len(v.get("name", "")) > 50:
            self._error(row, "name", "姓名不能超过50个字。")
        id_number = v.get("id_number", "").upper()
        v["id_number"] = id_number
        if id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                self._error(row, "id_number", exc.messages[0])
            if id_number in seen:
                self._error(row, "id_number", f"与第{seen[id_number]}行的身份证号重复。")
            seen.setdefault(id_number, row.row)
            person = existing.get(id_number)
            if person is not None and person.pk not in visible:
                self._error(
                    row, "id_number", "该身份证号已登记在您管辖范围之外的单位，请联系上级单位办理调动。"
                )
            row.existing = person
        if v.get("unit"):
            row.unit = self.units_by_code.get(v["unit"]) or self.units_by_name_path.get(v["unit"].strip("/"))
            if row.unit is None:
                self._error(row, "unit", f"单位“{v['unit']}”不存在或不在您的管辖范围内。")
        for column, choices in (
            ("gender", GENDERS),
            ("category", CATEGORIES),
            ("political_status", STATUSES),
        ):
            if v.get(column) and v[column] not in choices:
                self._error(row, column, f"“{v[column]}”不是有效值，可选：{'、'.join(choices)}。")
        row.organisation = self._org(row, "party_organisation", exclude_kind=OrganisationKind.PARTY_GROUP)
        row.group = self._org(row, "party_group", kind=OrganisationKind.PARTY_GROUP)
        if row.group and row.organisation and not row.group.path.startswith(row.organisation.path):
            self._error(row, "party_group", "党小组不属于所填党组织。")
        if row.group and not row.organisation:
            self._error(row, "party_organisation", "填写党小组时须同时填写所在党组织。")

    def _org(self, row, column, kind=None, exclude_kind=None):
        name = row.values.get(column)
        if not name:
            return None
        candidates = [
            o for o in self.orgs.get(name, []) if (kind is None or o.kind == kind) and o.kind != exclude_kind
        ]
        if not candidates:
            self._error(row, column, f"党组织“{name}”不存在或不在您的管辖范围内。")
            return None
        if len(candidates) > 1:
            self._error(row, column, f"党组织名称“{name}”不唯一，请联系管理员。")
            return None
        return candidates[0]


def roster_apply(parsed: list[ParsedRow], *, today: datetime.date, on_progress=None) -> tuple[int, int]:
    """Write every row (creating or updating by ID number); the caller holds the transaction.

    ``on_progress(written)`` is called every ``PROGRESS_EVERY`` rows and once at the end.
    New people are written in chunks of ``PROGRESS_EVERY`` (a fixed number of queries each).
    """
    updated = 0
    new_people = []
    written = 0

    def tick(count, force=False):
        nonlocal written
        before, written = written, written + count
        if on_progress and (force or written // PROGRESS_EVERY > before // PROGRESS_EVERY):
            on_progress(written)

    for row in parsed:
        v = row.values
        fields = {
            "name": v["name"],
            "gender": GENDERS.get(v.get("gender"), "M") if v.get("gender") else "M",
            "category": CATEGORIES.get(v.get("category"), PersonCategory.COMMANDER),
            "position": v.get("position", ""),
            "rank": v.get("rank", ""),
            "phone": v.get("phone", ""),
            "political_status": STATUSES.get(v.get("political_status"), PoliticalStatus.MASSES),
            "party_organisation": row.organisation,
            "party_group": row.group,
        }
        if row.existing is None:
            birth = _birth_date(v["id_number"])
            new_people.append(Person(id_number=v["id_number"], unit=row.unit, birth_date=birth, **fields))
        else:
            _update_person(row.existing, row.unit, fields, today)
            updated += 1
            tick(1)
    for start in range(0, len(new_people), PROGRESS_EVERY):
        chunk = new_people[start : start + PROGRESS_EVERY]
        _create_chunk(chunk, today)
        tick(len(chunk))
    if on_progress and parsed:
        on_progress(written)
    return len(new_people), updated


def _create_chunk(people: list[Person], today: datetime.date) -> None:
    """Insert new people with their opening unit, status and party memberships (4 queries)."""
    Person.objects.bulk_create(people)
    UnitMembership.objects.bulk_create(
        [UnitMembership(person=p, unit=p.unit, start_date=today) for p in people]
    )
    PoliticalStatusChange.objects.bulk_create(
        [
            PoliticalStatusChange(
                person=p, status=p.political_status, effective_date=today, note="花名册导入"
            )
            for p in people
            if p.political_status != PoliticalStatus.MASSES
        ]
    )
    PartyMembership.objects.bulk_create(
        [
            PartyMembership(person=p, organisation=org, start_date=today, note="花名册导入")
            for p in people
            for org in (p.party_organisation, p.party_group)
            if org is not None
        ]
    )


def _birth_date(id_number: str):
    return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def _update_person(person: Person, unit: Unit, fields: dict, today) -> None:
    from .services import person_transfer

    if person.unit_id != unit.pk:
        person_transfer(person=person, to_unit=unit, on=today, note="花名册导入")
        person.refresh_from_db()
    if person.political_status != fields["political_status"]:
        PoliticalStatusChange.objects.create(
            person=person, status=fields["political_status"], effective_date=today, note="花名册导入"
        )
    for org_field in ("party_organisation", "party_group"):
        new = fields[org_field]
        if getattr(person, f"{org_field}_id") != getattr(new, "pk", None):
            PartyMembership.objects.filter(
                person=person, organisation_id=getattr(person, f"{org_field}_id"), end_date__isnull=True
            ).update(end_date=today - datetime.timedelta(days=1))
            if new is not None:
                PartyMembership.objects.create(
                    person=person, organisation=new, start_date=today, note="花名册导入"
                )
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()


def import_job_run(job: ImportJob) -> ImportJob:
    """Validate then apply one import job; the job row records progress and the outcome."""
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)
    try:
        with job.file.open("rb") as handle:
            rows = read_rows(handle)
    except ValidationError as exc:
        return _finish(
            job,
            ImportJob.Status.FAILED,
            errors=[{"row": 1, "column": "", "message": m} for m in exc.messages],
        )
    except Exception:  # a file openpyxl cannot read is bad input, not a crash
        return _finish(
            job,
            ImportJob.Status.FAILED,
            errors=[{"row": 0, "column": "", "message": "无法读取文件，请上传 .xlsx 格式的花名册。"}],
        )
    total = len(rows)
    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)

    def validated(n):
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=n)
        _publish_progress(job.pk, phase="validating", validated=n, written=0, total=total)

    parsed = RosterValidator(job.created_by).validate(rows, on_progress=validated)
    errors = [e.__dict__ for row in parsed for e in row.errors]
    if errors:
        return _finish(job, ImportJob.Status.FAILED, errors=errors, processed=total)
    validated(total)

    def written(n):
        _publish_progress(job.pk, phase="writing", validated=total, written=n, total=total)

    written(0)
    try:
        with transaction.atomic():
            created, updated = roster_apply(parsed, today=timezone.localdate(), on_progress=written)
    except Exception:  # rolled back as a whole: nothing was written
        logger.exception("import %s: the write phase failed and was rolled back", job.pk)
        return _finish(
            job,
            ImportJob.Status.FAILED,
            errors=[{"row": 0, "column": "", "message": WRITE_FAILED}],
            processed=total,
        )
    return _finish(job, ImportJob.Status.DONE, processed=total, created=created, updated=updated)


def _finish(job, status, errors=(), processed=None, created=0, updated=0):
    job.status = status
    job.errors = list(errors)
    job.processed_rows = processed if processed is not None else job.processed_rows
    job.created_count, job.updated_count = created, updated
    job.finished_at = timezone.now()
    job.save(
        update_fields=["status", "errors", "processed_rows", "created_count", "updated_count", "finished_at"]
    )
    _clear_progress(job.pk)
    return job


def roster_import_start(*, file, unit: Unit, actor) -> ImportJob:
    """Store the upload and import it: in-process for small files, as a Celery task for big ones."""
    from django.core.exceptions import PermissionDenied

    from .tasks import run_import_job

    if not actor.has_perm("people.add_person", unit):
        raise PermissionDenied("您无权向该单位导入人员。")
    name = getattr(file, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError({"file": "请上传 .xlsx 格式的花名册。"})
    if getattr(file, "size", 0) > 20 * 1024 * 1024:
        raise ValidationError({"file": "文件不能超过 20 MB。"})
    job = ImportJob.objects.create(unit=unit, file=file, created_by=actor)
    with job.file.open("rb") as handle:
        try:
            rows = load_workbook(handle, read_only=True).worksheets[0].max_row or 0
        except Exception as exc:
            job.delete()
            raise ValidationError({"file": "无法读取文件，请上传 .xlsx 格式的花名册。"}) from exc
    if rows > TASK_THRESHOLD:
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
        return job
    return import_job_run(job)


def error_report_rows(job: ImportJob):
    return [[e["row"], e["column"], e["message"]] for e in job.errors]


def template_rows():
    return [title for _, title in COLUMNS]
