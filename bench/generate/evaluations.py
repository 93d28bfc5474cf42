"""Evaluations: the annual assessment 年度考核 of every person for the last two years (the
older year published, last year still in draft) and the party-group rating 党小组量化评比 of
every party group for last year, each scored by two evaluators on every leaf criterion.
Totals, grades and ranks are then computed by ``apps.evaluations.ranking`` (SQL)."""

import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.evaluations import ranking
from apps.evaluations.models import Criterion, Evaluation, EvaluationStatus, Scheme, Score

from .context import EVALUATION_YEARS, Ctx

EVALUATORS = 2
FIELDS = ["id", "scheme_id", "year", "subject_kind", "person_id", "organisation_id", "unit_id"]
FIELDS += ["status", "created_by_id"]


def _leaves(scheme) -> list[Criterion]:
    children = Criterion.objects.filter(parent=OuterRef("pk"))
    return list(scheme.criteria.filter(~Exists(children)).order_by("order", "pk"))


def _value(rnd, quality: float, criterion) -> Decimal:
    """A score around the subject's quality (0–1 of the maximum), in half points."""
    share = min(1.0, max(0.3, rnd.gauss(quality, 0.05)))
    return Decimal(round(float(criterion.max_score) * share * 2) / 2).quantize(Decimal("0.01"))


def years(ctx: Ctx) -> list[int]:
    """Oldest first; every year but the last is published."""
    return [ctx.today.year - EVALUATION_YEARS + i for i in range(EVALUATION_YEARS)]


def create_evaluations(ctx: Ctx) -> None:
    rnd = ctx.rng("evaluations")
    annual = Scheme.objects.get(code="annual")
    groups = Scheme.objects.get(code="group_rating")
    evaluators = [ctx.user(f"evaluator{i}").pk for i in range(1, EVALUATORS + 1)]
    creator = evaluators[0]
    squads = ctx.of_kind("squad")
    subjects = []  # (scheme, year, status, person id, organisation id, unit id)
    for year in years(ctx):
        status = EvaluationStatus.DRAFT if year == ctx.today.year - 1 else EvaluationStatus.PUBLISHED
        subjects += [(annual, year, status, p.id, None, p.unit_id) for p in ctx.people]
    last = ctx.today.year - 1
    subjects += [(groups, last, EvaluationStatus.DRAFT, None, ctx.orgs[s.pk], s.pk) for s in squads]
    ids = ctx.writer.reserve_ids(Evaluation, len(subjects))
    leaves = {annual.pk: _leaves(annual), groups.pk: _leaves(groups)}
    scores = []
    rows = []
    for pk, (scheme, year, _status, person, org, unit) in zip(ids, subjects, strict=True):
        # Inserted as drafts so that the ranking computes their totals; published below.
        rows.append((pk, scheme.pk, year, scheme.subject_kind, person, org, unit, "draft", creator))
        quality = min(0.99, max(0.4, rnd.gauss(0.84, 0.07)))
        for criterion in leaves[scheme.pk]:
            for evaluator in evaluators:
                scores.append((pk, criterion.pk, evaluator, _value(rnd, quality, criterion)))
    ctx.figures["evaluations"] = ctx.writer.insert(Evaluation, FIELDS, rows)
    ctx.figures["evaluation_scores"] = ctx.writer.insert(
        Score, ["evaluation_id", "criterion_id", "evaluator_id", "value"], scores
    )
    ctx.evaluation_periods = sorted({(s[0].pk, s[1]) for s in subjects})


def rank_evaluations(ctx: Ctx) -> None:
    """Totals, grades and ranks of every generated period (SQL), then publish the older years."""
    for scheme_id, year in ctx.evaluation_periods:
        ranking.recompute_period(scheme_id, year)
    published_at = timezone.make_aware(datetime.datetime(ctx.today.year - 1, 1, 20, 10))
    ctx.figures["evaluations_published"] = Evaluation.objects.filter(
        unit__path__startswith=ctx.corps.path, year__lt=ctx.today.year - 1
    ).update(
        status=EvaluationStatus.PUBLISHED, published_at=published_at, published_by=ctx.user("evaluator1")
    )
