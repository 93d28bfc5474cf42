"""Demo: last year's annual assessment of everyone (and this year's, so the dashboard has
figures whatever the month), last year's party-group rating with its 年度先进党小组
(accepted in 贵州), the 6+1 evaluation of 贵州's branches, the corps committee's
satisfaction survey (100%), and a wartime assessment being scored at 长治特勤站.

People and organisations come from the people demo; everything is queried from the
database (an empty tree simply yields no evaluations). Bulk inserts, then one SQL
re-computation per period.
"""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

from . import ranking, services
from .models import Evaluation, EvaluationStatus, GroupHonour, HonourStatus, Scheme, Score


def demo_year() -> int:
    """The last full year: the one the demo's ratings and honours are for."""
    return timezone.localdate().year - 1


def _evaluators(ctx):
    users = ctx.get("users", {})
    chosen = [users[name] for name in ("demo_hq", "demo_guizhou") if name in users]
    if not chosen:
        chosen = list(get_user_model().objects.filter(is_superuser=True)[:1])
    return chosen


def _value(rnd, quality: float, maximum: Decimal) -> Decimal:
    raw = float(maximum) * (quality + rnd.uniform(-6, 6)) / 100
    return Decimal(max(0, min(float(maximum), round(raw)))).quantize(Decimal("0.01"))


def _score_all(rnd, scheme, subjects, evaluators, *, year, period_label="", publish=True, quality=None):
    """subjects: (field name, object, unit) tuples."""
    if not subjects or not evaluators:
        return []
    evaluations = Evaluation.objects.bulk_create(
        Evaluation(
            scheme=scheme,
            year=year,
            period_label=period_label,
            subject_kind=scheme.subject_kind,
            unit=unit,
            created_by=evaluators[0],
            **{field: obj},
        )
        for field, obj, unit in subjects
    )
    leaves = list(scheme.criteria.filter(children__isnull=True))
    scores = []
    for evaluation in evaluations:
        q = quality if quality is not None else max(40.0, min(99.0, rnd.gauss(83, 8)))
        for evaluator in evaluators:
            scores += [
                Score(
                    evaluation=evaluation, criterion=c, evaluator=evaluator, value=_value(rnd, q, c.max_score)
                )
                for c in leaves
            ]
    Score.objects.bulk_create(scores, batch_size=2000)
    ranking.recompute_period(scheme.pk, year, 0, period_label)
    if publish:
        Evaluation.objects.filter(pk__in=[e.pk for e in evaluations]).update(
            status=EvaluationStatus.PUBLISHED, published_at=timezone.now(), published_by=evaluators[0]
        )
        ranking.recompute_period(scheme.pk, year, 0, period_label)
    return evaluations


def load(ctx):
    rnd = random.Random(2025_12)
    year = demo_year()
    schemes = {s.code: s for s in Scheme.objects.all()}
    evaluators = _evaluators(ctx)
    if not evaluators or not schemes:
        return
    people = list(Person.objects.filter(is_active=True).select_related("unit").order_by("pk"))
    if "annual" in schemes:
        for y in (year, year + 1):
            _score_all(
                rnd, schemes["annual"], [("person", p, p.unit) for p in people], evaluators[:1], year=y
            )
    groups = list(
        PartyOrganisation.objects.filter(kind="party_group", closed_on__isnull=True).order_by("path")
    )
    if "group_rating" in schemes and groups:
        _score_all(
            rnd, schemes["group_rating"], [("organisation", g, g.unit) for g in groups], evaluators, year=year
        )
        admin = get_user_model().objects.filter(is_superuser=True).first()
        if admin is not None:
            honours = services.honours_propose(year=year, actor=admin)
            guizhou = Unit.objects.filter(code="GZ").first()
            for honour in honours:
                if guizhou is not None and honour.unit.path.startswith(guizhou.path):
                    services.honour_accept(honour=honour, actor=admin)
            ctx["advanced_groups"] = list(GroupHonour.objects.filter(year=year, status=HonourStatus.ACCEPTED))
    guizhou = Unit.objects.filter(code="GZ").first()
    if guizhou is not None:
        branches = PartyOrganisation.objects.filter(kind="branch", unit__path__startswith=guizhou.path)
        if "six_plus_one" in schemes:
            _score_all(
                rnd,
                schemes["six_plus_one"],
                [("organisation", b, b.unit) for b in branches],
                evaluators,
                year=year,
            )
        if "satisfaction" in schemes:
            _score_all(
                rnd,
                schemes["satisfaction"],
                [("subject_unit", guizhou, guizhou)],
                evaluators[:1],
                year=year,
                quality=100,
            )
            Score.objects.filter(evaluation__scheme=schemes["satisfaction"]).update(value=Decimal("100"))
            Evaluation.objects.filter(scheme=schemes["satisfaction"]).update(
                total=Decimal("100"), grade="满意"
            )
    tqz = Unit.objects.filter(code="SX-CZ-TQ").first()
    if tqz is not None and "wartime" in schemes:
        crew = [p for p in people if p.unit.path.startswith(tqz.path)][:12]
        _score_all(
            rnd,
            schemes["wartime"],
            [("person", p, p.unit) for p in crew],
            evaluators[:1],
            year=year + 1,
            period_label="防疫一线任务",
            publish=False,
        )
