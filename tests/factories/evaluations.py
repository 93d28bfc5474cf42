"""Schemes and evaluations for tests."""

import itertools
from decimal import Decimal

from apps.evaluations.models import Criterion, GradeBand, Scheme

_codes = itertools.count(1)

PEOPLE_BANDS = [("优秀", 90), ("称职", 75), ("基本称职", 60), ("不称职", 0)]


def make_scheme(
    *,
    subject_kind: str = "person",
    period_kind: str = "year",
    aggregation: str = "mean",
    criteria=(("甲", 2, 10, True), ("乙", 1, 20, True)),
    bands=PEOPLE_BANDS,
    **extra,
) -> Scheme:
    """``criteria``: (name, weight, max_score, required) tuples."""
    n = next(_codes)
    scheme = Scheme.objects.create(
        code=extra.pop("code", f"test-{n}"),
        name=extra.pop("name", f"测试方案{n}"),
        subject_kind=subject_kind,
        period_kind=period_kind,
        aggregation=aggregation,
        **extra,
    )
    for order, (name, weight, maximum, required) in enumerate(criteria):
        Criterion.objects.create(
            scheme=scheme,
            name=name,
            weight=Decimal(str(weight)),
            max_score=Decimal(str(maximum)),
            required=required,
            order=order,
        )
    for label, minimum in bands:
        GradeBand.objects.create(scheme=scheme, label=label, min_total=Decimal(str(minimum)))
    return scheme


def leaves(scheme: Scheme) -> list[Criterion]:
    return list(scheme.criteria.filter(children__isnull=True).order_by("order", "pk"))


def sheet(scheme: Scheme, *values) -> dict:
    """A score sheet ``{criterion_id: value}`` in criterion order."""
    return {c.pk: v for c, v in zip(leaves(scheme), values, strict=True)}
