"""Reference data every install needs, read from the top-level ``fixtures/`` (one source of truth).

| fixture | rows | seeded by |
|---|---|---|
| ``fixtures/award_kinds.json`` | ``commendations.AwardKind`` | :func:`seed_award_kinds` |
| ``fixtures/deliberation_lists.json`` | ``reports.DeliberationList`` and their items | :func:`seed_deliberation_lists` |
| ``fixtures/evaluation_schemes.json`` | ``evaluations.Scheme``, bands, criteria, evaluator roles | :func:`seed_evaluation_schemes` |

Each seeder takes an app registry (the historical one inside a migration, the global one in
``post_migrate`` and ``manage.py load_reference_data``) and adds only what is missing, keyed
by ``code``: a row an administrator edited is never overwritten, one deleted on purpose comes
back only through ``load_reference_data``. Roles are seeded by ``apps/access/roles.py`` (not
here), and talk kinds are code (``apps.talks.models.TalkKind``), not data.

The fixtures are plain JSON, not ``loaddata`` fixtures: ``loaddata`` matches rows by primary
key, which would overwrite an administrator's edits or duplicate rows on every run.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


@cache
def rows(name: str) -> tuple[dict, ...]:
    """The rows of ``fixtures/<name>.json``."""
    with (FIXTURES / f"{name}.json").open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["rows"])


def seed_award_kinds(apps, using: str = "default") -> int:
    AwardKind = apps.get_model("commendations", "AwardKind")
    created = 0
    for row in rows("award_kinds"):
        defaults = {k: v for k, v in row.items() if k != "code"}
        created += AwardKind.objects.using(using).get_or_create(code=row["code"], defaults=defaults)[1]
    return created


def seed_deliberation_lists(apps, using: str = "default") -> int:
    DeliberationList = apps.get_model("reports", "DeliberationList")
    DeliberationItem = apps.get_model("reports", "DeliberationItem")
    created = 0
    for row in rows("deliberation_lists"):
        lst, made = DeliberationList.objects.using(using).get_or_create(
            code=row["code"], defaults={"name": row["name"], "unit_kinds": row["unit_kinds"]}
        )
        created += made
        for order, text in enumerate(row["items"], start=1):
            DeliberationItem.objects.using(using).get_or_create(
                list=lst, order=order, defaults={"text": text}
            )
    return created


def seed_evaluation_schemes(apps, using: str = "default", *, only_if_none: bool = True) -> int:
    """The schemes (when there are none at all, unless ``only_if_none=False``), then the
    evaluator roles of each scheme that has none (roles exist once ``apps.access`` seeded them)."""
    Scheme = apps.get_model("evaluations", "Scheme")
    created = 0
    if not (only_if_none and Scheme.objects.using(using).exists()):
        for spec in rows("evaluation_schemes"):
            created += _add_scheme(apps, using, spec)
    _add_evaluator_roles(apps, using)
    return created


def _add_scheme(apps, using: str, spec: dict) -> bool:
    Scheme = apps.get_model("evaluations", "Scheme")
    Criterion = apps.get_model("evaluations", "Criterion")
    GradeBand = apps.get_model("evaluations", "GradeBand")
    fields = ("name", "subject_kind", "period_kind", "aggregation", "description", "honour_top_n")
    scheme, made = Scheme.objects.using(using).get_or_create(
        code=spec["code"], defaults={name: spec[name] for name in fields}
    )
    if not made:
        return False
    for band in spec["bands"]:
        GradeBand.objects.using(using).create(
            scheme=scheme, label=band["label"], min_total=Decimal(band["min_total"])
        )
    for order, criterion in enumerate(spec["criteria"], start=1):
        parent = Criterion.objects.using(using).create(
            scheme=scheme,
            name=criterion["name"],
            description=criterion["description"],
            weight=Decimal(criterion["weight"]),
            max_score=Decimal(criterion["max_score"]),
            order=order * 10,
        )
        for sub_order, child in enumerate(criterion["children"], start=1):
            Criterion.objects.using(using).create(
                scheme=scheme,
                parent=parent,
                name=child["name"],
                description=child["description"],
                weight=Decimal(child["weight"]),
                max_score=Decimal(child["max_score"]),
                order=order * 10 + sub_order,
            )
    return True


def _add_evaluator_roles(apps, using: str) -> None:
    try:
        Role = apps.get_model("access", "Role")
    except LookupError:  # a historical registry from before the access app
        return
    Scheme = apps.get_model("evaluations", "Scheme")
    SchemeEvaluator = apps.get_model("evaluations", "SchemeEvaluator")
    roles = {r.code: r for r in Role.objects.using(using).all()}
    for spec in rows("evaluation_schemes"):
        weights = spec.get("evaluator_roles") or {}
        scheme = Scheme.objects.using(using).filter(code=spec["code"]).first()
        if (
            not weights
            or scheme is None
            or SchemeEvaluator.objects.using(using).filter(scheme=scheme).exists()
        ):
            continue
        SchemeEvaluator.objects.using(using).bulk_create(
            SchemeEvaluator(scheme=scheme, role=roles[code], weight=weight)
            for code, weight in weights.items()
            if code in roles
        )
