"""Roster import 花名册导入 and the roster export it round-trips with.

An .xlsx is read with openpyxl, every row validated, then all rows applied in one
transaction or none.

**Before parsing.** An .xlsx is a zip: a 1.6 MB upload can unpack to hundreds of MB and
hold a worker for minutes. The request only looks at the zip's directory (no XML is read):
it must be a workbook, at most ``MAX_UPLOAD_BYTES`` on disk and ``MAX_UNCOMPRESSED_BYTES``
once unpacked (the sum of the members' declared sizes; ``zipfile`` never inflates a member
beyond its declared size, so the declaration bounds the work). A file whose sheets unpack to
more than ``INLINE_UNCOMPRESSED_BYTES`` is queued for the Celery task without being parsed
in the request; a smaller one is parsed in the request and queued too when it has more than
``TASK_THRESHOLD`` rows. The task checks the sizes again before it parses.

**Progress** has two phases, validation then writing, each counting rows up to
``total_rows``. Validation progress is saved on the job row (``processed_rows``). The write
phase runs in one transaction, so its progress cannot go to the job row (nobody would see it
before the commit, and the job row would be locked meanwhile): it goes to the cache (Redis in
production, shared by the Celery worker and the web processes), keyed by job id, and
``job_progress`` merges both for the API and the admin. Progress is best-effort: a cache
that is down never fails an import.

**Round trip.** The export (``roster_export_rows``) writes the same columns the import reads,
so an export re-imports unchanged: rows are matched to people by ID number, and a masked ID
number (``5201**********1234``, what a user without ``people.view_personal_data`` exports)
means "this person, unchanged": it is matched among the people the importer may change by
name and the visible digits. A masked phone means "unchanged" too. A unit is named by its
code, by its full path of names joined by "/", or by its name when that is unique in the
importer's scope (an ambiguous name is refused naming the candidates); the export writes the
name, or the path when the name is not unique. Only people whose values actually change are
written (``updated_count``). Text read back has the export's formula neutraliser removed; a
name that starts like a formula is refused.
"""

import contextlib
import datetime
import logging
import zipfile
from dataclasses import dataclass, field
from io import BytesIO

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from apps.core.exports import FORMULA_LEADS, neutralise, unneutralise
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
    mask_id_number,
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
MB = 1024 * 1024
MAX_UPLOAD_BYTES = 20 * MB
MAX_UNCOMPRESSED_BYTES = 100 * MB  # a 30,000-person roster unpacks to about 15 MB
INLINE_UNCOMPRESSED_BYTES = 2 * MB  # about 500 rows: bigger files are never parsed in the request
MAX_MEMBERS = 1000
EXAMPLE_PREFIX = "示例"  # a row whose name starts so is the template's example: skipped
MASK_CHAR = "*"
UNREADABLE = "无法读取文件，请上传 .xlsx 格式的花名册。"

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


# --- the file before parsing ------------------------------------------------------------------


def inspect_workbook(file) -> int:
    """The unpacked size of an uploaded .xlsx, from the zip directory only (nothing parsed).

    ``ValidationError({"file": ...})`` when it is not a workbook, has too many members or
    unpacks to more than ``MAX_UNCOMPRESSED_BYTES``. The file is rewound afterwards."""
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValidationError({"file": UNREADABLE}) from exc
    finally:
        with contextlib.suppress(OSError, ValueError):
            file.seek(0)
    if "xl/workbook.xml" not in names:
        raise ValidationError({"file": UNREADABLE})
    if len(members) > MAX_MEMBERS:
        raise ValidationError({"file": "文件结构异常（包含的部件过多），请另存为普通 .xlsx 后重新上传。"})
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise ValidationError(
            {
                "file": f"文件解压后约 {unpacked // MB} MB，超过 {MAX_UNCOMPRESSED_BYTES // MB} MB 的上限，"
                "可能含有大量空白或异常内容。请删除多余内容或拆分后分批导入。"
            }
        )
    return unpacked


def read_rows(file) -> list[tuple[int, dict]]:
    """Rows as dicts keyed by field name; the header row maps Chinese titles to fields.

    Only the columns present in the file are keys (a column left out means "unchanged" for
    people already registered). The template's example row is skipped."""
    inspect_workbook(file)
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
        if record.get("name", "").startswith(EXAMPLE_PREFIX):
            continue
        result.append((number, record))
    workbook.close()
    return result


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unneutralise(str(value).strip())


# --- naming units and organisations ------------------------------------------------------------


def _path_names(units) -> dict[int, str]:
    """Each unit's full path of names from the root ("甲省总队/甲市支队/甲站"), two queries."""
    units = list(units)
    prefixes = {u.path[:i] for u in units for i in range(4, len(u.path) + 1, 4)}
    names = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {u.pk: "/".join(names.get(u.path[:i], "?") for i in range(4, len(u.path) + 1, 4)) for u in units}


def unit_labels(units, *, scope) -> dict[int, str]:
    """How the roster names each of ``units``: its name where that name is unique among the
    open units of ``scope`` (a queryset), else its full path of names."""
    units = list(units)
    ambiguous = set(
        scope.filter(dissolved_on__isnull=True, name__in={u.name for u in units})
        .order_by()
        .values("name")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("name", flat=True)
    )
    paths = _path_names([u for u in units if u.name in ambiguous])
    return {u.pk: paths[u.pk] if u.name in ambiguous else u.name for u in units}


# --- validation --------------------------------------------------------------------------------


class RosterValidator:
    """Checks every row against the importer's scope with a fixed number of queries."""

    def __init__(self, actor):
        self.actor = actor
        units = list(Unit.objects.visible_to(actor, "people.add_person").filter(dissolved_on__isnull=True))
        self.units_by_code = {u.code: u for u in units}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in units:
            self.units_by_name.setdefault(unit.name, []).append(unit)
        self.unit_paths = _path_names(units)
        self.units_by_name_path = {self.unit_paths[u.pk]: u for u in units}
        self.orgs = {}
        for org in (
            PartyOrganisation.objects.visible_to(actor, "view")
            .filter(closed_on__isnull=True)
            .select_related("unit")
        ):
            self.orgs.setdefault(org.name, []).append(org)

    def validate(self, rows: list[tuple[int, dict]], on_progress=None) -> list[ParsedRow]:
        parsed = [ParsedRow(row=n, values=v) for n, v in rows]
        for row in parsed:
            if "id_number" in row.values:
                row.values["id_number"] = row.values["id_number"].upper()
        masked = self._masked_matches(parsed)
        ids = [p.values.get("id_number", "") for p in parsed] + [p.id_number for p in masked.values()]
        existing = {p.id_number: p for p in Person.objects.filter(id_number__in=ids)}
        visible = set(
            Person.objects.visible_to(self.actor, "change")
            .filter(id_number__in=ids)
            .values_list("pk", flat=True)
        )
        seen: dict[str, int] = {}
        for index, row in enumerate(parsed, start=1):
            self._validate_row(row, existing, visible, seen, masked)
            if on_progress and index % PROGRESS_EVERY == 0:
                on_progress(index)
        return parsed

    def _masked_matches(self, parsed) -> dict[int, Person]:
        """Masked ID numbers resolved to the one person the importer may change with that name
        and those visible digits (one query); rows without exactly one match are left out."""
        rows = [p for p in parsed if MASK_CHAR in p.values.get("id_number", "")]
        if not rows:
            return {}
        candidates: dict[tuple, list[Person]] = {}
        for person in Person.objects.visible_to(self.actor, "change").filter(
            name__in={r.values.get("name", "") for r in rows}
        ):
            key = (person.name, mask_id_number(person.id_number))
            candidates.setdefault(key, []).append(person)
        found = {}
        for row in rows:
            matches = candidates.get((row.values.get("name", ""), row.values["id_number"]), [])
            row.values["_masked_matches"] = len(matches)
            if len(matches) == 1:
                found[row.row] = matches[0]
        return found

    def _error(self, row: ParsedRow, column: str, message: str) -> None:
        row.errors.append(RowError(row.row, dict(COLUMNS)[column], message))

    def _validate_row(self, row: ParsedRow, existing, visible, seen, masked) -> None:
        v = row.values
        for name in REQUIRED:
            if not v.get(name):
                self._error(row, name, "必填项为空。")
        if len(v.get("name", "")) > 50:
            self._error(row, "name", "姓名不能超过50个字。")
        if v.get("name", "").startswith(FORMULA_LEADS):
            self._error(row, "name", "姓名不能以 =、+、-、@ 或制表符开头。")
        id_number = v.get("id_number", "")
        if MASK_CHAR in id_number:
            matches = v.pop("_masked_matches", 0)
            if row.row in masked:
                id_number = v["id_number"] = masked[row.row].id_number
            elif matches > 1:
                self._error(
                    row, "id_number", "身份证号为脱敏显示，同名且号码相近的人员不止一位，请填写完整身份证号。"
                )
                id_number = ""
            else:
                self._error(
                    row, "id_number", "身份证号为脱敏显示，未找到对应的人员；新增人员请填写完整身份证号。"
                )
                id_number = ""
        elif id_number:
            try:
                validate_id_number(id_number)
            except ValidationError as exc:
                self._error(row, "id_number", exc.messages[0])
        if id_number:
            if id_number in seen:
                self._error(row, "id_number", f"与第{seen[id_number]}行的身份证号重复。")
            seen.setdefault(id_number, row.row)
            person = existing.get(id_number)
            if person is not None and person.pk not in visible:
                self._error(
                    row, "id_number", "该身份证号已登记在您管辖范围之外的单位，请联系上级单位办理调动。"
                )
            row.existing = person
        if MASK_CHAR in v.get("phone", "") and (
            row.existing is None or v["phone"] != mask_id_number(row.existing.phone)
        ):
            self._error(row, "phone", "联系电话为脱敏显示，请填写完整号码（原样保留脱敏值表示不修改）。")
        if v.get("unit"):
            row.unit = self._unit(row, v["unit"])
        for column, choices in (
            ("gender", GENDERS),
            ("category", CATEGORIES),
            ("political_status", STATUSES),
        ):
            if v.get(column) and v[column] not in choices:
                self._error(row, column, f"“{v[column]}”不是有效值，可选：{'、'.join(choices)}。")
        self._status_step(row)
        row.organisation = self._org(row, "party_organisation", exclude_kind=OrganisationKind.PARTY_GROUP)
        row.group = self._org(row, "party_group", kind=OrganisationKind.PARTY_GROUP, within=row.organisation)
        if row.group and row.organisation and not row.group.path.startswith(row.organisation.path):
            self._error(row, "party_group", "党小组不属于所填党组织。")
        if row.group and not row.organisation:
            self._error(row, "party_organisation", "填写党小组时须同时填写所在党组织。")

    def _unit(self, row: ParsedRow, text: str) -> Unit | None:
        unit = self.units_by_code.get(text) or self.units_by_name_path.get(text.strip("/"))
        if unit is not None:
            return unit
        named = self.units_by_name.get(text, [])
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            candidates = "、".join(sorted(self.unit_paths[u.pk] for u in named)[:10])
            self._error(
                row,
                "unit",
                f"单位名称“{text}”在您的管辖范围内不唯一（{candidates}），请填写单位编码或完整路径。",
            )
            return None
        self._error(row, "unit", f"单位“{text}”不存在、已撤销或不在您的管辖范围内。")
        return None

    def _status_step(self, row: ParsedRow) -> None:
        from .services import status_transition_check

        new = STATUSES.get(row.values.get("political_status", ""))
        person = row.existing
        if new is None or person is None or new == person.political_status:
            return
        try:
            status_transition_check(old=person.political_status, new=new)
        except ValidationError as exc:
            self._error(row, "political_status", exc.messages[0])

    def _org(self, row, column, kind=None, exclude_kind=None, within=None):
        name = row.values.get(column)
        if not name:
            return None
        candidates = [
            o for o in self.orgs.get(name, []) if (kind is None or o.kind == kind) and o.kind != exclude_kind
        ]
        if within is not None:
            candidates = [o for o in candidates if o.path.startswith(within.path)] or candidates
        if len(candidates) > 1 and row.unit is not None:
            # the organisation built on the person's unit or above it
            near = [o for o in candidates if row.unit.path.startswith(o.unit.path)]
            candidates = near or candidates
        if not candidates:
            self._error(row, column, f"党组织“{name}”不存在或不在您的管辖范围内。")
            return None
        if len(candidates) > 1:
            where = "、".join(sorted(self.unit_paths.get(o.unit_id, o.unit.name) for o in candidates)[:10])
            self._error(row, column, f"党组织名称“{name}”不唯一（所在单位：{where}），请联系管理员。")
            return None
        return candidates[0]


# --- writing -----------------------------------------------------------------------------------


def _fields_of(row: ParsedRow) -> dict:
    """The person's values named by this row: only the columns the file has; for someone
    already registered a blank gender, category or political status means "unchanged"."""
    v, new = row.values, row.existing is None
    fields = {"name": v["name"]}
    choice_columns = (
        ("gender", GENDERS, Gender.MALE),
        ("category", CATEGORIES, PersonCategory.COMMANDER),
        ("political_status", STATUSES, PoliticalStatus.MASSES),
    )
    for column, choices, default in choice_columns:
        if v.get(column):
            fields[column] = choices[v[column]]
        elif new:
            fields[column] = default
    for column in ("position", "rank"):
        if column in v:
            fields[column] = v[column]
    if "phone" in v:
        masked = not new and v["phone"] and v["phone"] == mask_id_number(row.existing.phone)
        if not masked:
            fields["phone"] = v["phone"]
    if "party_organisation" in v:
        fields["party_organisation"] = row.organisation
    if "party_group" in v:
        fields["party_group"] = row.group
    return fields


def roster_apply(parsed: list[ParsedRow], *, today: datetime.date, on_progress=None) -> tuple[int, int]:
    """Write every row (creating or updating by ID number); the caller holds the transaction.

    Returns (people created, people whose values changed). ``on_progress(written)`` is
    called every ``PROGRESS_EVERY`` rows and once at the end. New people are written in
    chunks of ``PROGRESS_EVERY`` (a fixed number of queries each).
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
        fields = _fields_of(row)
        if row.existing is None:
            birth = _birth_date(row.values["id_number"])
            new_people.append(
                Person(id_number=row.values["id_number"], unit=row.unit, birth_date=birth, **fields)
            )
        else:
            updated += _update_person(row.existing, row.unit, fields, today)
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


def _update_person(person: Person, unit: Unit, fields: dict, today) -> bool:
    """Apply one row to a registered person; nothing is written when nothing changes.

    The unit changes by a dated transfer, the political status by a dated step (the step was
    checked by the validator), the party organisation and group by dated memberships."""
    from .services import person_transfer

    changed = False
    if person.unit_id != unit.pk:
        person_transfer(person=person, to_unit=unit, on=today, note="花名册导入")
        person.refresh_from_db()
        changed = True
    status = fields.get("political_status", person.political_status)
    if person.political_status != status:
        PoliticalStatusChange.objects.create(
            person=person, status=status, effective_date=today, note="花名册导入"
        )
    for org_field in ("party_organisation", "party_group"):
        if org_field not in fields:
            continue
        new = fields[org_field]
        if getattr(person, f"{org_field}_id") != getattr(new, "pk", None):
            PartyMembership.objects.filter(
                person=person, organisation_id=getattr(person, f"{org_field}_id"), end_date__isnull=True
            ).update(end_date=today - datetime.timedelta(days=1))
            if new is not None:
                PartyMembership.objects.create(
                    person=person, organisation=new, start_date=today, note="花名册导入"
                )
    differs = [name for name, value in fields.items() if getattr(person, name) != value]
    if not differs:
        return changed
    for name in differs:
        setattr(person, name, fields[name])
    person.save()
    return True


# --- the job ---------------------------------------------------------------------------------


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
            errors=[{"row": 0, "column": "", "message": UNREADABLE}],
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
    """Check the upload (extension, size on disk and unpacked, from the zip directory only),
    store it, and import it: in the request only when it is small, else as a Celery task."""
    from django.core.exceptions import PermissionDenied

    from .tasks import run_import_job

    if not actor.has_perm("people.add_person", unit):
        raise PermissionDenied("您无权向该单位导入人员。")
    if unit.dissolved_on:
        raise ValidationError({"unit": f"单位“{unit.name}”已撤销，不能导入。"})
    name = getattr(file, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise ValidationError({"file": "请上传 .xlsx 格式的花名册。"})
    if getattr(file, "size", 0) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": f"文件不能超过 {MAX_UPLOAD_BYTES // MB} MB。"})
    unpacked = inspect_workbook(file)
    job = ImportJob.objects.create(unit=unit, file=file, created_by=actor)
    if unpacked > INLINE_UNCOMPRESSED_BYTES:
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
        return job
    with job.file.open("rb") as handle:
        try:
            rows = load_workbook(handle, read_only=True).worksheets[0].max_row or 0
        except Exception as exc:
            job.file.delete(save=False)
            job.delete()
            raise ValidationError({"file": UNREADABLE}) from exc
    if rows > TASK_THRESHOLD:
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
        return job
    return import_job_run(job)


def error_report_rows(job: ImportJob):
    return [[e["row"], e["column"], e["message"]] for e in job.errors]


def template_rows():
    return [title for _, title in COLUMNS]


# --- export and template -------------------------------------------------------------------------


def roster_export_rows(queryset, *, user):
    """Rows of the roster export, in ``COLUMNS`` order, re-importable as they are: the unit by
    name (its path where the name is ambiguous in the user's scope), the party organisation and
    group by name; ID numbers and phones masked where the row's ``pid_visible`` is false."""
    people = list(queryset.select_related("unit", "party_organisation", "party_group"))
    labels = unit_labels({p.unit for p in people}, scope=Unit.objects.visible_to(user, "view"))
    for p in people:
        visible = getattr(p, "pid_visible", False)
        yield [
            p.name,
            p.get_gender_display(),
            p.id_number if visible else mask_id_number(p.id_number),
            labels[p.unit_id],
            p.get_category_display(),
            p.position,
            p.rank,
            p.phone if visible else mask_id_number(p.phone),
            p.get_political_status_display(),
            p.party_organisation.name if p.party_organisation else "",
            p.party_group.name if p.party_group else "",
        ]


NOTES = {
    "name": "必填。姓名，不超过50字，不能以 =、+、-、@ 开头。以“示例”开头的行不会导入。",
    "gender": "男 或 女（下拉选择）。已登记人员留空表示不修改；新增人员留空按“男”。",
    "id_number": "必填。18位身份证号（按文本填写，末位可为X）。按身份证号匹配已登记人员：已有则更新，"
    "没有则新增。导出的脱敏号码（如 5201**********1234）表示该人员不修改身份证号。",
    "unit": "必填。单位名称（下拉选择，须在您的管辖范围内）、单位编码，或从最上级起用“/”连接的完整路径。"
    "名称重名时请填编码或完整路径。单位变化即登记调动。",
    "category": "指战员 / 政府专职消防员 / 文职人员（下拉选择）。",
    "position": "职务，可空。",
    "rank": "衔级，可空。",
    "phone": "联系电话，可空。导出的脱敏号码表示不修改。",
    "political_status": "政治面貌（下拉选择）。只能按 入党申请人→入党积极分子→预备党员→正式党员 的顺序向前变更，"
    "或改为群众/共青团员。已登记人员留空表示不修改。",
    "party_organisation": "所在党支部（或党总支、党委）名称，可空（下拉选择）。",
    "party_group": "所在党小组名称，可空；填写时须同时填写党组织。",
}


def roster_template(*, user) -> bytes:
    """The roster template: the header with a note (cell comment) on each column, one example
    row, and drop-down lists (data validation) of the allowed values, the units and party
    organisations of the user's scope included (on a hidden sheet "可选值")."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    lists = book.create_sheet("可选值")
    lists.sheet_state = "hidden"
    units = list(
        Unit.objects.visible_to(user, "people.add_person").filter(dissolved_on__isnull=True).order_by("path")
    )
    labels = unit_labels(units, scope=Unit.objects.visible_to(user, "people.add_person"))
    orgs = list(
        PartyOrganisation.objects.visible_to(user, "view").filter(closed_on__isnull=True).order_by("path")
    )
    choices = {
        "gender": [label for _, label in Gender.choices],
        "category": [label for _, label in PersonCategory.choices],
        "political_status": [label for _, label in PoliticalStatus.choices],
        "unit": [labels[u.pk] for u in units],
        "party_organisation": sorted(
            {o.name for o in orgs if o.kind != OrganisationKind.PARTY_GROUP}, key=lambda n: n
        ),
        "party_group": sorted({o.name for o in orgs if o.kind == OrganisationKind.PARTY_GROUP}),
    }
    strict = {"gender", "category", "political_status"}  # units and organisations also take codes/paths
    for index, (name, title) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=title)
        cell.font = Font(bold=True)
        cell.comment = Comment(NOTES[name], "党建工作平台", width=320, height=140)
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = 24 if name in ("id_number", "unit") else 14
        values = choices.get(name)
        if not values:
            continue
        list_column = lists.cell(row=1, column=index).column_letter
        lists.cell(row=1, column=index, value=title)
        for offset, value in enumerate(values, start=2):
            lists.cell(row=offset, column=index, value=neutralise(value))
        rule = DataValidation(
            type="list",
            formula1=f"'可选值'!${list_column}$2:${list_column}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=name in strict,
            errorTitle="无效的值",
            error=f"请从下拉列表中选择{title}。",
            promptTitle=title,
            prompt=NOTES[name][:255],
            showInputMessage=False,
        )
        rule.add(f"{letter}2:{letter}5000")
        sheet.add_data_validation(rule)
    example_unit = labels[units[0].pk] if units else "单位名称"
    example = {
        "name": f"{EXAMPLE_PREFIX}：张三（本行不会导入）",
        "gender": "男",
        "id_number": "11010519491231002X",
        "unit": example_unit,
        "category": "指战员",
        "position": "消防员",
        "rank": "四级消防士",
        "phone": "13800000000",
        "political_status": "正式党员",
        "party_organisation": "",
        "party_group": "",
    }
    for index, (name, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=2, column=index, value=neutralise(example[name]))
        cell.data_type = "s"
        cell.font = Font(italic=True, color="808080")
    sheet.column_dimensions["C"].number_format = "@"  # ID numbers as text, never 1.1e17
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
