"""Whole operations through the app's own selectors and services: talk coverage for the
corps, the evaluation ranking re-computation, the zero-report deadline sweep, moving a
detachment with its subtree, and importing a 5,000-row roster. (The corps dashboard, the
admin index, is timed with the other pages in ``bench.pages``.)

Operations that write (ranking, sweep, move, import) run inside a transaction that is
rolled back, so the bench can run again on the same data.
"""

import datetime
import time
from contextlib import contextmanager
from io import BytesIO

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from apps.people.imports import COLUMNS, import_job_run
from apps.people.models import ImportJob, id_number_check_digit
from apps.units.models import Unit

from .common import QueryCounter, bench_user, count_queries, timed
from .report import figure


class Rollback(Exception):
    pass


@contextmanager
def rolled_back():
    """Run the block in a transaction and undo everything it wrote."""
    try:
        with transaction.atomic():
            yield
            raise Rollback
    except Rollback:
        pass


def once(fn):
    """(milliseconds, queries, result) of one run of ``fn`` inside a rolled-back transaction."""
    with rolled_back(), QueryCounter() as counter:
        start = time.perf_counter()
        result = fn()
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, counter.count, result


def last_full_quarter(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    from apps.talks.selectors import period_bounds

    start, _ = period_bounds("quarter", today)
    return period_bounds("quarter", start - datetime.timedelta(days=1))


def coverage(corps: Unit, repeat: int) -> list[dict]:
    from apps.talks.selectors import coverage_per_child

    user = bench_user("corps", corps)
    start, end = last_full_quarter(timezone.localdate())

    def run():
        return coverage_per_child(user=user, root=corps, period_start=start, period_end=end)

    t = timed(run, repeat)
    queries = count_queries(run)
    rows = run()
    people, covered = sum(r["people"] for r in rows), sum(r["covered"] for r in rows)
    limits = []
    if queries > 2:
        limits.append(f"{queries} queries: the child units, people, people talked with, overdue follow-ups")
    if t.median > 100:
        limits.append("the GROUP BY over the quarter's talks (people talked with) dominates")
    return [
        figure(
            "operations",
            "talk coverage, corps, one quarter",
            "corps",
            median=t.median,
            p95=t.p95,
            queries=queries,
            value=t.median,
            unit="ms",
            target="≤ 100",
            note=f"{start}–{end}: {covered}/{people} people, {len(rows)} children"
            + (f"; {limits[-1]}" if t.median > 100 else ""),
        ),
        figure(
            "operations",
            "talk coverage: queries",
            "corps",
            queries=queries,
            value=queries,
            target="≤ 2",
            note=limits[0] + " (+ one granted-paths read per scoped queryset)" if queries > 2 else "",
        ),
    ]


def ranking(corps: Unit) -> dict:
    from apps.evaluations import ranking as evaluation_ranking
    from apps.evaluations.models import LIVE_VERSION, Evaluation

    periods = list(
        Evaluation.objects.filter(LIVE_VERSION)
        .order_by()
        .values_list("scheme_id", "year", "period_number", "period_label")
        .distinct()
    )
    rows = Evaluation.objects.count()

    def run():
        for key in periods:
            evaluation_ranking.recompute_period(*key)

    elapsed, queries, _ = once(run)
    seconds = elapsed / 1000
    return figure(
        "operations",
        "evaluation ranking re-computation",
        "all",
        median=elapsed,
        queries=queries,
        value=seconds if periods else None,
        unit="s",
        target="≤ 5",
        note=(
            f"{len(periods)} periods, {rows} evaluations (totals, grades, ranks in SQL)"
            if periods
            else "no data: no evaluations generated"
        )
        + ("; limited by the correlated per-evaluation total over its scores" if seconds > 5 else ""),
    )


def deadline_sweep() -> dict:
    from apps.reports.models import DailyCompliance
    from apps.reports.services import deadline_sweep as sweep

    now = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 59)))
    elapsed, queries, missing = once(lambda: sweep(now=now))
    swept_before = DailyCompliance.objects.filter(date=timezone.localdate()).count()
    return figure(
        "operations",
        "zero-report deadline sweep",
        "all",
        median=elapsed,
        queries=queries,
        value=elapsed / 1000,
        unit="s",
        target="≤ 1",
        note=f"today at 23:59 (rolled back): {len(missing)} units missing"
        + (f", {swept_before} already swept today" if swept_before else "")
        + ("; most of it is writing the notices and compliance rows" if elapsed > 1000 else ""),
    )


def unit_move(corps: Unit) -> dict:
    from apps.units.services import unit_move as move

    detachment = (
        Unit.objects.filter(path__startswith=corps.path, kind="detachment", dissolved_on__isnull=True)
        .order_by("path")
        .first()
    )
    size = Unit.objects.filter(path__startswith=detachment.path).count()
    result = {}

    def run():
        other = Unit.add_root(name="基准临时总队", code="BENCH-TMP-CORPS", kind="corps")
        start = time.perf_counter()
        with QueryCounter() as counter:
            move(unit=detachment, new_parent=other, actor=None)
        result["ms"] = (time.perf_counter() - start) * 1000
        result["queries"] = counter.count

    once(run)
    return figure(
        "operations",
        "move a detachment with its subtree",
        "detachment",
        median=result["ms"],
        queries=result["queries"],
        value=result["ms"] / 1000,
        unit="s",
        target="≤ 1",
        note=f"{size} units to another corps (rolled back)",
    )


def roster_workbook(corps: Unit, rows: int) -> bytes:
    """A roster in the import's own columns: new people spread over the corps's squads."""
    squads = list(
        Unit.objects.filter(path__startswith=corps.path, kind="squad", dissolved_on__isnull=True)
        .order_by("path")
        .values_list("code", flat=True)
    ) or [corps.code]
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([title for _, title in COLUMNS])
    for i in range(rows):
        birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=i % 7000)
        first17 = f"53{9000 + i // 1000:04d}{birth:%Y%m%d}{i % 1000:03d}"
        values = {
            "name": f"导入队员{i}",
            "gender": "男",
            "id_number": first17 + id_number_check_digit(first17),
            "unit": squads[i % len(squads)],
            "position": "消防员",
            "phone": f"139{i:08d}",
        }
        sheet.append([values.get(name, "") for name, _ in COLUMNS])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def roster_import(corps: Unit, rows: int) -> dict:
    actor = bench_user("hq", corps, role="hq_admin")
    content = roster_workbook(corps, rows)
    outcome = {}

    def run():
        job = ImportJob.objects.create(
            unit=corps, file=ContentFile(content, name="bench-roster.xlsx"), created_by=actor
        )
        outcome["file"] = job.file.name
        start = time.perf_counter()
        with QueryCounter() as counter:
            job = import_job_run(job)
        outcome.update(
            ms=(time.perf_counter() - start) * 1000,
            queries=counter.count,
            status=job.status,
            created=job.created_count,
            errors=job.errors[:3],
        )

    try:
        once(run)
    finally:
        if outcome.get("file"):
            ImportJob.file.field.storage.delete(outcome["file"])
    ok = outcome.get("status") == ImportJob.Status.DONE
    return figure(
        "operations",
        f"import a {rows:,}-row roster (.xlsx)",
        "corps",
        median=outcome["ms"],
        queries=outcome["queries"],
        value=outcome["ms"] / 1000 if ok else None,
        unit="s",
        note=(
            f"{outcome['created']} people created (read, validate, write; rolled back)"
            if ok
            else f"import failed: {outcome['errors']}"
        ),
    )


def measure(corps: Unit, repeat: int, import_rows: int) -> list[dict]:
    return [
        *coverage(corps, repeat),
        ranking(corps),
        deadline_sweep(),
        unit_move(corps),
        roster_import(corps, import_rows),
    ]
