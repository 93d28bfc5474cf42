"""Talk coverage: has every person been talked with this period? Computed in SQL.

Following the measured figures in ARCHITECTURE.md, coverage is plain GROUP BY queries
(people per unit, people talked with per unit) combined afterwards, never a correlated
subquery per unit and never a loop per person.
"""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Substr
from django.utils import timezone

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


def _talks(user, root, start, end):
    return TalkRecord.objects.visible_to(user, "view").filter(
        date__range=(start, end), person__is_active=True, person__unit__path__startswith=root.path
    )


def _overdue(user, root, today):
    return FollowUp.objects.visible_to(user, "view").filter(
        status=FollowUp.Status.OPEN, due_date__lt=today, record__unit__path__startswith=root.path
    )


def coverage_per_child(*, user, root: Unit, period_start, period_end, today=None) -> list[dict]:
    """One row per live direct child of ``root`` (its whole subtree), in 4 queries.

    A person counts for the unit they are in now, so a station moved to another detachment
    takes its coverage with it.
    """
    today = today or timezone.localdate()
    step = len(root.path) + 4
    people = _grouped(_people(user, root), "unit__path", step, Count("id"))
    covered = _grouped(
        _talks(user, root, period_start, period_end),
        "person__unit__path",
        step,
        Count("person", distinct=True),
    )
    overdue = _grouped(_overdue(user, root, today), "record__unit__path", step, Count("id"))
    children = Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    )
    return [
        _row(child, people.get(child.path, 0), covered.get(child.path, 0), overdue.get(child.path, 0))
        for child in children.order_by("path")
    ]


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


def _grouped(queryset, path_field, step, aggregate) -> dict:
    rows = (
        queryset.order_by()
        .annotate(prefix=Substr(path_field, 1, step))
        .values("prefix")
        .annotate(n=aggregate)
    )
    return {row["prefix"]: row["n"] for row in rows}


def uncovered_people(*, user, root: Unit, period_start, period_end):
    """People in ``root``'s subtree nobody has talked with in the period (a queryset)."""
    talked = TalkRecord.objects.filter(person=OuterRef("pk"), date__range=(period_start, period_end))
    return _people(user, root).filter(~Exists(talked)).select_related("unit").order_by("unit__path", "name")


def five_ones_missing(*, user, root: Unit, since: datetime.date):
    """五个一: people under ``root`` still missing one of the care items since ``since``.

    Returns ``{person_id: [missing kind labels]}`` from one grouped query.
    """
    from .models import FIVE_ONES

    done = defaultdict(set)
    rows = (
        TalkRecord.objects.visible_to(user, "view")
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
        TalkRecord.objects.filter(date__range=(start, end), person__is_active=True)
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
