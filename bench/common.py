"""What every part of the benchmark shares: the scope levels, the bench users, timing and
query counting. Imported after ``django.setup()`` (``bench.run`` does it)."""

import statistics
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection

from apps.access.models import Grant, Role
from apps.units.models import Unit

LEVELS = ["station", "detachment", "corps", "root"]


@dataclass
class Level:
    """One scope level: the unit a bench user is granted on (``None`` for root = superuser)."""

    name: str
    unit: Unit | None
    path_prefix: str  # SQL LIKE prefix ("" = everything)


@dataclass
class Timing:
    samples: list = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]  # nearest rank


def timed(fn, repeat: int, warmup: int = 1) -> Timing:
    """Run ``fn`` ``warmup`` times unmeasured, then ``repeat`` times; milliseconds."""
    for _ in range(warmup):
        fn()
    timing = Timing()
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        fn()
        timing.samples.append((time.perf_counter() - start) * 1000)
    return timing


class QueryCounter:
    """Counts the SQL statements run on the default connection inside the block."""

    def __init__(self):
        self.statements = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    @property
    def count(self) -> int:
        return len(self.statements)


def count_queries(fn) -> int:
    with QueryCounter() as counter:
        fn()
    return counter.count


def levels_for(corps: Unit) -> list[Level]:
    """Station, detachment (the first of each under the corps), the corps, and root.

    Root is a grant on the top of the corps's tree; when the corps is itself a tree root
    (generated data), a superuser stands for it: it sees every row of every tree.
    """
    under = Unit.objects.filter(path__startswith=corps.path, dissolved_on__isnull=True).order_by("path")
    station = under.filter(kind="station").first()
    detachment = under.filter(kind="detachment").first()
    top = corps.get_root()
    root = Level("root", top, top.path) if top.pk != corps.pk else Level("root", None, "")
    return [
        Level("station", station, station.path),
        Level("detachment", detachment, detachment.path),
        Level("corps", corps, corps.path),
        root,
    ]


def bench_user(label: str, unit: Unit | None, role: str = "secretary"):
    """A user granted ``role`` on ``unit`` (a superuser when ``unit`` is ``None``); reused."""
    user, _ = get_user_model().objects.get_or_create(
        username=f"bench_{label}", defaults={"is_staff": True, "is_superuser": unit is None}
    )
    if unit is not None:
        _grant, created = Grant.objects.get_or_create(user=user, unit=unit, role=Role.objects.get(code=role))
        if created:
            analyze_grants()
    return get_user_model().objects.get(pk=user.pk)  # no cached permissions


def analyze_grants() -> None:
    """Refresh the planner's statistics of the permission rows a new bench grant wrote: with
    a few hundred rows more than at the last ANALYZE (and autovacuum not yet run) PostgreSQL
    estimates one row per user and a grant check takes 5–25 ms instead of 0.1 ms."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE access_unitpermission")


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a is not None and b else None
