"""Read side: rankings, roll-ups up the tree, grade distributions, 年度先进党小组.

Everything starts from ``visible_to`` and is aggregated in SQL in a bounded number of
queries whatever the number of units (the per-child grouping is on the unit path prefix).
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum
from django.db.models.functions import Substr

from apps.core.scoping import UNIT_PATH_STEP
from apps.units.models import Unit

from .models import LIVE_VERSION, Evaluation, EvaluationStatus, GroupHonour, HonourStatus, Scheme

ANNUAL_SCHEME_CODE = "annual"


def live_evaluations(*, user, scheme=None, year=None, published_only: bool = False):
    """The version of each subject's evaluation that counts, as far as ``user`` may see."""
    qs = Evaluation.objects.visible_to(user, "view").filter(LIVE_VERSION)
    if published_only:
        qs = qs.filter(status=EvaluationStatus.PUBLISHED)
    if scheme is not None:
        qs = qs.filter(scheme=scheme)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def ranking(*, user, scheme, year: int, period_number: int = 0, period_label: str = "", root=None):
    """A ranking page / export: the live evaluations of a period, best first."""
    qs = live_evaluations(user=user, scheme=scheme, year=year).filter(
        period_number=period_number, period_label=period_label, total__isnull=False
    )
    if root is not None:
        qs = qs.filter(unit__path__startswith=root.path)
    return qs.select_related("person", "organisation", "subject_unit", "unit", "scheme").order_by(
        "rank_in_corps", "rank_in_parent", "unit__path", "pk"
    )


def _children(root):
    return list(
        Unit.objects.filter(
            path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
        ).order_by("path")
    )


def _per_child_rows(qs, root, *, by_grade: bool):
    prefix_len = len(root.path) + UNIT_PATH_STEP
    qs = qs.filter(unit__path__startswith=root.path, total__isnull=False).exclude(unit__path=root.path)
    fields = ["prefix", "grade"] if by_grade else ["prefix"]
    return (
        qs.annotate(prefix=Substr("unit__path", 1, prefix_len))
        .order_by()
        .values(*fields)
        .annotate(n=Count("pk"), total_sum=Sum("total"))
    )


def _mean(total_sum, n):
    if not n:
        return None
    return (Decimal(total_sum) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def rollup_per_child(
    *, user, root, scheme, year: int, period_number: int = 0, period_label: str = ""
) -> list[dict]:
    """A unit's figure for a period is the mean total of the subjects in its subtree (each
    subject weighs the same, so a big station weighs more than a small one): one row per
    direct live child of ``root``."""
    qs = live_evaluations(user=user, scheme=scheme, year=year).filter(
        period_number=period_number, period_label=period_label
    )
    rows = {r["prefix"]: r for r in _per_child_rows(qs, root, by_grade=False)}
    result = []
    for child in _children(root):
        row = rows.get(child.path, {"n": 0, "total_sum": None})
        result.append(
            {
                "unit_id": child.pk,
                "unit_name": child.name,
                "subjects": row["n"],
                "mean_total": _mean(row["total_sum"], row["n"]),
            }
        )
    return result


def grade_distribution_per_child(*, user, root, year: int, scheme=None) -> list[dict]:
    """Published grades of the year (default scheme: 年度考核) per direct live child of
    ``root``: ``[{"unit_id", "unit_name", "grades": {label: n}, "mean_total"}]``.
    Three queries whatever the size of the tree."""
    if scheme is None:
        scheme = Scheme.objects.filter(code=ANNUAL_SCHEME_CODE).first()
        if scheme is None:
            return []
    qs = live_evaluations(user=user, scheme=scheme, year=year, published_only=True)
    grades: dict[str, dict[str, int]] = defaultdict(dict)
    sums: dict[str, list] = defaultdict(lambda: [Decimal(0), 0])
    for r in _per_child_rows(qs, root, by_grade=True):
        grades[r["prefix"]][r["grade"]] = r["n"]
        sums[r["prefix"]][0] += r["total_sum"]
        sums[r["prefix"]][1] += r["n"]
    return [
        {
            "unit_id": child.pk,
            "unit_name": child.name,
            "grades": grades.get(child.path, {}),
            "mean_total": _mean(*sums[child.path]) if child.path in sums else None,
        }
        for child in _children(root)
    ]


def advanced_groups(year: int, *, user=None):
    """年度先进党小组 accepted for ``year``: the nomination source the commendations area
    reads (each row has ``group``, ``branch``, ``unit`` and ``members``)."""
    qs = GroupHonour.objects.all() if user is None else GroupHonour.objects.visible_to(user, "view")
    return (
        qs.filter(year=year, status=HonourStatus.ACCEPTED)
        .select_related("group", "branch", "unit")
        .prefetch_related("members")
    )


def is_advanced_group_member(person, year: int) -> bool:
    """Whether ``person`` belonged to a 年度先进党小组 of ``year`` (priority for awards, 004)."""
    return GroupHonour.objects.filter(year=year, status=HonourStatus.ACCEPTED, members=person).exists()
