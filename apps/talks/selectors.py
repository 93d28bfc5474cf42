"""Talk coverage: has every person been talked with this period? Computed in SQL.

Following the measured figures in ARCHITECTURE.md, coverage is plain GROUP BY queries
(people per unit, people talked with per unit) combined afterwards, never a correlated
subquery per unit and never a loop per person.
"""

import datetime
from collections import defaultdict
from typing import NamedTuple

from django.db import connections
from django.db.models import BooleanField, Count, Exists, F, FilteredRelation, Func, OuterRef, Q, Subquery
from django.utils import timezone

from apps.core.scoping import UNIT_PATH_STEP, user_grants, visible_conditions
from apps.people.models import Person
from apps.units.models import Unit

from .models import FollowUp, TalkPolicy, TalkRecord


def period_bounds(period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The month or quarter containing ``day``."""
    if period == TalkPolicy.Period.MONTH:
        start = day.replace(day=1)
    else:
        start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    months = 1 if period == TalkPolicy.Period.MONTH else 3
    year, month = divmod(start.month - 1 + months, 12)
    end = datetime.date(start.year + year, month + 1, 1) - datetime.timedelta(days=1)
    return start, end


def _people(user, root):
    return Person.objects.visible_to(user, "view").filter(is_active=True, unit__path__startswith=root.path)


def counted_talks(user):
    """The one source every coverage figure counts from: talks in the user's own scope (by
    grant, not by a one-record share), not voided. The coverage figure, the per-child rows
    and the list of people not yet talked with all use it, so they always agree."""
    return TalkRecord.objects.in_scope(user, "view").live()


def _talks(user, root, start, end):
    return counted_talks(user).filter(
        date__range=(start, end), person__is_active=True, person__unit__path__startswith=root.path
    )


def _overdue(user, root, today):
    return FollowUp.objects.visible_to(user, "view").filter(
        status=FollowUp.Status.OPEN, due_date__lt=today, record__unit__path__startswith=root.path
    )


def coverage_per_child(*, user, root: Unit, period_start, period_end, today=None) -> list[dict]:
    """One row per live direct child of ``root`` (its whole subtree), in 2 queries: the
    user's grants and ``coverage_tree``'s one grouped statement (its ``children``).

    A person counts for the unit they are in now, so a station moved to another detachment
    takes its coverage with it."""
    return coverage_tree(user=user, root=root, period_start=period_start, period_end=period_end, today=today)[
        "children"
    ]


def _where(scope) -> Q:
    """A ``visible_conditions`` scope (a ``Q`` or ``True``, never ``False``) as a ``Q``."""
    return Q() if scope is True else scope


def _by_unit(queryset, unit_field, aggregates) -> tuple[str, list, list[str]]:
    """A GROUP BY on the unit id (``unit_key``), as (sql, params, aggregate names)."""
    rows = queryset.order_by().values(unit_key=F(unit_field)).annotate(**aggregates)
    sql, params = rows.query.sql_with_params()
    return sql, list(params), list(aggregates)


def coverage_for_unit(*, user, unit: Unit, period_start, period_end, today=None) -> dict:
    """The same figures for one unit's whole subtree."""
    today = today or timezone.localdate()
    people = _people(user, unit).count()
    covered = _talks(user, unit, period_start, period_end).values("person").distinct().count()
    return _row(unit, people, covered, _overdue(user, unit, today).count())


def _row(unit, people, covered, overdue):
    return {
        "unit_id": unit.pk,
        "unit_name": unit.name,
        "people": people,
        "covered": covered,
        "coverage_pct": round(100 * covered / people, 1) if people else 100.0,
        "overdue_followups": overdue,
    }


def uncovered_people(*, user, root: Unit, period_start, period_end):
    """People in ``root``'s subtree with no talk in the period among the talks the coverage
    figure counts (``counted_talks``: a talk held outside the user's scope, e.g. before a
    transfer in, counts in neither). A queryset."""
    talked = counted_talks(user).filter(person=OuterRef("pk"), date__range=(period_start, period_end))
    return _people(user, root).filter(~Exists(talked)).select_related("unit").order_by("unit__path", "name")


def five_ones_missing(*, user, root: Unit, since: datetime.date):
    """五个一: people under ``root`` still missing one of the care items since ``since``.

    Returns ``{person_id: [missing kind labels]}`` from one grouped query.
    """
    from .models import FIVE_ONES

    done = defaultdict(set)
    rows = (
        counted_talks(user)
        .filter(date__gte=since, person__unit__path__startswith=root.path, kind__in=FIVE_ONES)
        .values_list("person_id", "kind")
        .distinct()
    )
    for person_id, kind in rows:
        done[person_id].add(kind)
    solved = set(
        FollowUp.objects.visible_to(user, "view")
        .filter(
            status=FollowUp.Status.DONE,
            completed_on__gte=since,
            record__person__unit__path__startswith=root.path,
        )
        .values_list("record__person_id", flat=True)
    )
    result = {}
    for person_id in _people(user, root).values_list("pk", flat=True):
        missing = [k.label for k in FIVE_ONES if k not in done[person_id]]
        if person_id not in solved:
            missing.append("解决一个困难")
        if missing:
            result[person_id] = missing
    return result


def leaf_counts(start, end, today):
    """Per-unit (not per-subtree) people, covered and overdue, for every unit: 3 queries."""
    people = dict(
        Person.objects.filter(is_active=True).order_by().values_list("unit").annotate(n=Count("id"))
    )
    covered = dict(
        TalkRecord.objects.filter(date__range=(start, end), person__is_active=True, voided_at__isnull=True)
        .order_by()
        .values_list("person__unit")
        .annotate(n=Count("person", distinct=True))
    )
    overdue = dict(
        FollowUp.objects.filter(status=FollowUp.Status.OPEN, due_date__lt=today)
        .order_by()
        .values_list("record__unit")
        .annotate(n=Count("id"))
    )
    return people, covered, overdue


def readers_of(record: TalkRecord) -> dict:
    """Who can read this record's content now (superusers aside), in 2 queries: the talker,
    the committee (holders of ``talks.view_talk_content`` on the record's unit or an
    ancestor, through their grants) and the shares in force."""
    from apps.access.models import UnitPermission
    from apps.core.scoping import ancestor_paths

    from .models import TalkShare, display_name

    holders = (
        UnitPermission.objects.filter(
            permission__codename="view_talk_content",
            permission__content_type__app_label="talks",
            content_object__path__in=ancestor_paths(record.unit.path),
            user__is_active=True,
        )
        .select_related("user", "content_object")
        .order_by("content_object__path", "user__username")
    )
    committee, seen = [], set()
    for row in holders:
        if row.user_id not in seen:
            seen.add(row.user_id)
            committee.append(
                {
                    "username": row.user.username,
                    "name": display_name(row.user),
                    "unit_name": row.content_object.name,
                }
            )
    shares = list(
        TalkShare.objects.in_force()
        .filter(record=record)
        .select_related("reader", "shared_by", "revoked_by")
        .order_by("created_at", "id")
    )
    talker = {"username": record.talker.username, "name": display_name(record.talker), "unit_name": ""}
    return {"talker": talker, "committee": committee, "shares": shares}


class _InArray(Func):
    """``field = ANY(ARRAY(subquery))``: the planner takes the array for a handful of values
    and drives the join from it through the primary key. Written as ``IN (subquery)`` it
    hash-joins the few thousand overdue follow-ups against a scan of every talk record (a
    corps: 125 ms for 300,000 talks against 30 ms). Other databases get the plain ``IN``."""

    arg_joiner = " IN "
    template = "%(expressions)s"
    output_field = BooleanField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra
        )


def coverage_tree(*, user, root: Unit, period_start, period_end, today=None) -> dict:
    """``coverage_for_unit`` of ``root`` and ``coverage_per_child`` of its live children
    together, from ONE grouped statement (plus the user's grants, read once per request):
    ``{"total": row, "children": [row, ...]}``, equal to ``coverage_for_unit`` of each.

    Query 1 reads the user's granted unit paths for people, talks and follow-ups together
    (``visible_conditions``: the same scope as three ``visible_to`` calls). Query 2 groups,
    per unit of the subtree, the people there now (visible to the user; talked with in the
    period through a visible live talk) in one pass over the people, and the overdue
    follow-ups by the unit of their talk; then it groups those few thousand unit rows by the
    child path prefix and joins the live children. Never a correlated subquery per unit
    (ARCHITECTURE.md). Grouping by unit first computes each person's prefix once per unit,
    not once per person, and the people talked with are read from the partial index
    ``talk_live_date_person`` alone (docs/scale.md).

    The root's own people and those under dissolved children land in groups of their own;
    the total is the sum of every group, the children are the groups of live children."""
    today = today or timezone.localdate()
    step = len(root.path) + UNIT_PATH_STEP
    people_scope, talks_scope, followups_scope = visible_conditions(
        user, [(Person, "view"), (TalkRecord, "view"), (FollowUp, "view")]
    )
    subtree = Unit.objects.filter(path__startswith=root.path).values("pk")
    grouped = []
    per_person = {}
    if people_scope is not False:
        per_person["people"] = Count("id", filter=_where(people_scope))
    if talks_scope is not False:
        talked = TalkRecord.objects.filter(
            _where(talks_scope), voided_at__isnull=True, date__range=(period_start, period_end)
        )
        per_person["covered"] = Count("id", filter=Q(pk__in=talked.order_by().values("person_id")))
    if per_person:
        people = Person.objects.filter(is_active=True, unit__in=subtree)
        grouped.append(_by_unit(people, "unit_id", per_person))
    if followups_scope is not False:
        open_overdue = FollowUp.objects.filter(status=FollowUp.Status.OPEN, due_date__lt=today)
        overdue = open_overdue.filter(
            _where(followups_scope),
            _InArray(F("record_id"), Subquery(open_overdue.order_by().values("record_id"))),
            record__unit__in=subtree,
        )
        grouped.append(_by_unit(overdue, "record__unit_id", {"overdue": Count("id")}))
    children = Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    ).order_by()
    totals = {"people": 0, "covered": 0, "overdue": 0}
    rows = []
    for child, figures in _groups_with_children(children, grouped, step):
        for name, value in figures.items():
            totals[name] += value or 0
        if child is not None:
            rows.append(
                _row(
                    child,
                    figures.get("people") or 0,
                    figures.get("covered") or 0,
                    figures.get("overdue") or 0,
                )
            )
    return {"total": _row(root, totals["people"], totals["covered"], totals["overdue"]), "children": rows}


def _groups_with_children(children, grouped, step):
    """``(child or None, {aggregate: int})`` for every live child (in path order) and every
    other group (the root's own rows, dissolved children), from ONE statement: the per-unit
    queries FULL JOINed on the unit, summed by the unit's path prefix of ``step`` characters,
    the children FULL JOINed to that."""
    connection = connections[children.db]
    qn = connection.ops.quote_name
    if not grouped:  # nothing of the three visible: the children with no figures
        return [
            (Unit(pk=pk, name=name), {}) for pk, name in children.order_by("path").values_list("id", "name")
        ]
    sql, params = children.values("id", "name", "path").query.sql_with_params()
    names = [name for _sql, _params, group_names in grouped for name in group_names]
    inner_params, joined, key = [], "", ""
    for number, (grouped_sql, grouped_params, _names) in enumerate(grouped):
        alias = qn(f"g{number}")
        if not joined:
            joined, key = f"({grouped_sql}) {alias}", f"{alias}.{qn('unit_key')}"
        else:
            joined += f" FULL JOIN ({grouped_sql}) {alias} ON {alias}.{qn('unit_key')} = {key}"
            key = f"COALESCE({key}, {alias}.{qn('unit_key')})"
        inner_params += grouped_params
    units = qn(Unit._meta.db_table)
    sums = "".join(f", SUM({qn(name)}) AS {qn(name)}" for name in names)
    figures = "".join(f", g.{qn(name)}" for name in names)
    statement = (
        f"SELECT c.{qn('id')}, c.{qn('name')}{figures} FROM ({sql}) c FULL JOIN "
        f"(SELECT SUBSTR(u.{qn('path')}, 1, %s) AS {qn('prefix')}{sums} FROM {joined} "
        f"INNER JOIN {units} u ON u.{qn('id')} = {key} GROUP BY 1) g "
        f"ON g.{qn('prefix')} = c.{qn('path')} ORDER BY c.{qn('path')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, step, *inner_params])
        rows = cursor.fetchall()
    return [
        (
            Unit(pk=pk, name=name) if pk is not None else None,
            {name: int(value or 0) for name, value in zip(names, values, strict=True)},
        )
        for pk, name, *values in rows
    ]


COVERAGE_PERMISSIONS = [("people", "view_person"), ("talks", "view_talkrecord"), ("talks", "view_followup")]


def stored_coverage_tree(*, user, root: Unit, period_start, period_end, today=None) -> dict | None:
    """``coverage_tree`` from the nightly ``CoverageSnapshot`` rows stored today, or ``None``.

    The live statement reads every person and every talk of the period under ``root`` (a
    corps: 30,000 people, 26,000 talks, ~45 ms); the HQ board and the admin index show the
    figures the nightly task stored (``tasks.coverage_snapshots_store``) with their time,
    the way the dashboard's coverage chart always has. Used only where the snapshot and the
    live figure mean the same thing:

    * the user may view people, talk records and follow-ups on ``root`` itself (so every
      person and talk under ``root`` counts for them, as it does for the nightly task; the one
      difference: a talk held before a transfer in, at a unit outside the user's scope, counts
      in the stored figure and not in the live one);
    * today's rows exist for ``root`` and every live child, for this same period.

    Otherwise ``None``, and the caller computes live. One query (plus the request's grants).
    """
    today = today or timezone.localdate()
    if not user.is_superuser:
        paths, _shares = user_grants(user)
        if not all(
            any(root.path.startswith(p) for p in paths.get(perm, ())) for perm in COVERAGE_PERMISSIONS
        ):
            return None
    stored = FilteredRelation(
        "talk_coverage",
        condition=Q(
            talk_coverage__period_start=period_start,
            talk_coverage__period_end=period_end,
            talk_coverage__computed_at__date=today,
        ),
    )
    units = list(
        Unit.objects.filter(
            Q(pk=root.pk) | Q(path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True)
        )
        .alias(stored=stored)
        .order_by("path")
        .values_list(
            "pk",
            "name",
            "stored__people",
            "stored__covered",
            "stored__overdue_followups",
            "stored__computed_at",
        )
    )
    if not units or any(u[5] is None for u in units):
        return None
    rows = {
        pk: _row(_UnitRef(pk, name), people, covered, overdue)
        for pk, name, people, covered, overdue, _ in units
    }
    return {
        "total": rows.pop(root.pk),
        "children": list(rows.values()),
        "computed_at": min(u[5] for u in units),
    }


class _UnitRef(NamedTuple):
    pk: int
    name: str
