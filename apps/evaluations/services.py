"""Writes on evaluations: create, score, publish, correct; propose and accept 年度先进党小组.

Every service is one transaction and checks the actor's scoped permission on the
evaluation's unit. Score edits request a debounced re-computation (``debounce.py``).
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, ProtectedError, Window
from django.db.models.functions import Length, Rank, Substr
from django.utils import timezone

from apps.access.models import Grant
from apps.core.scoping import ancestor_paths
from apps.party.models import OrganisationKind, PartyOrganisation
from apps.people.models import Person

from . import ranking
from .debounce import request_recompute
from .models import (
    LIVE_VERSION,
    Criterion,
    Evaluation,
    EvaluationStatus,
    GradeBand,
    GroupHonour,
    HonourStatus,
    PeriodKind,
    Scheme,
    SchemeEvaluator,
    Score,
    SubjectKind,
)

PERIOD_RANGES = {PeriodKind.QUARTER: range(1, 5), PeriodKind.MONTH: range(1, 13)}
GROUP_RATING_CODE = "group_rating"


def _subject_fields(scheme: Scheme, subject) -> dict:
    kind = scheme.subject_kind
    if kind == SubjectKind.PERSON and isinstance(subject, Person):
        return {"person": subject, "unit": subject.unit}
    if kind in (SubjectKind.PARTY_GROUP, SubjectKind.PARTY_ORGANISATION) and isinstance(
        subject, PartyOrganisation
    ):
        is_group = subject.kind == OrganisationKind.PARTY_GROUP
        if is_group != (kind == SubjectKind.PARTY_GROUP):
            raise ValidationError({"subject": f"该方案的考核对象应为{SubjectKind(kind).label}。"})
        return {"organisation": subject, "unit": subject.unit}
    if kind == SubjectKind.UNIT and subject.__class__.__name__ == "Unit":
        return {"subject_unit": subject, "unit": subject}
    raise ValidationError({"subject": f"该方案的考核对象应为{SubjectKind(kind).label}。"})


@transaction.atomic
def evaluation_create(
    *, scheme: Scheme, subject, year: int, period_number: int = 0, period_label: str = "", actor
) -> Evaluation:
    """Open an evaluation (draft) of ``subject`` for a period under ``scheme``."""
    if not scheme.is_active:
        raise ValidationError({"scheme": "该考核方案已停用。"})
    if scheme.period_kind in PERIOD_RANGES:
        if period_number not in PERIOD_RANGES[scheme.period_kind]:
            raise ValidationError({"period_number": "期次超出范围（季度 1–4，月份 1–12）。"})
    else:
        period_number = 0
    if scheme.period_kind == PeriodKind.CAMPAIGN and not period_label.strip():
        raise ValidationError({"period_label": "战时/专项任务考核须填写任务名称。"})
    evaluation = Evaluation(
        scheme=scheme,
        year=year,
        period_number=period_number,
        period_label=period_label.strip(),
        subject_kind=scheme.subject_kind,
        created_by=actor,
        **_subject_fields(scheme, subject),
    )
    if not actor.has_perm("evaluations.add_evaluation", evaluation):
        raise PermissionDenied("您无权考核该单位的对象。")
    live = Evaluation.objects.filter(
        LIVE_VERSION,
        scheme=scheme,
        year=year,
        period_number=period_number,
        period_label=evaluation.period_label,
        person=evaluation.person,
        organisation=evaluation.organisation,
        subject_unit=evaluation.subject_unit,
    )
    if live.exists():
        raise ValidationError({"subject": "该对象本期已有考核。"})
    evaluation.save()
    return evaluation


def _lock(evaluation: Evaluation) -> Evaluation:
    return Evaluation.objects.select_for_update().select_related("scheme", "unit").get(pk=evaluation.pk)


def _evaluator_weight(evaluation: Evaluation, evaluator) -> Decimal:
    """The evaluator's weight under the scheme; refuses those the scheme does not allow."""
    if not evaluator.has_perm("evaluations.score_evaluation", evaluation):
        raise PermissionDenied("您无权为该单位的考核评分。")
    allowed = {row.role_id: row.weight for row in evaluation.scheme.evaluator_roles.all()}
    if not allowed:
        return Decimal("1")
    if evaluator.is_superuser:
        return max(allowed.values())
    held = Grant.objects.filter(
        user=evaluator, role_id__in=allowed, unit__path__in=ancestor_paths(evaluation.unit.path)
    ).values_list("role_id", flat=True)
    weights = [allowed[role_id] for role_id in held]
    if not weights:
        raise PermissionDenied("该考核方案不允许您的角色评分。")
    if evaluation.scheme.aggregation == "mean":
        return Decimal("1")
    return max(weights)


def _leaf_criteria(scheme: Scheme) -> dict[int, Criterion]:
    return {c.pk: c for c in scheme.criteria.filter(children__isnull=True)}


def _parse(value, criterion: Criterion) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({"scores": f"“{criterion.name}”的得分不是有效数字。"}) from None
    if not number.is_finite():
        raise ValidationError({"scores": f"“{criterion.name}”的得分不是有效数字。"})
    if number < 0 or number > criterion.max_score:
        raise ValidationError(
            {"scores": f"“{criterion.name}”的得分 {number} 超出范围，应在 0 至 {criterion.max_score} 之间。"}
        )
    if number != number.quantize(Decimal("0.01")):
        raise ValidationError({"scores": f"“{criterion.name}”的得分最多保留两位小数。"})
    return number


@transaction.atomic
def scores_submit(
    *, evaluation: Evaluation, evaluator, scores: dict, comments: dict | None = None
) -> list[Score]:
    """One evaluator's score sheet: ``{criterion_id: value}``. Replaces their earlier scores on
    those criteria. Refused as a whole (nothing written) if any value is out of bounds, a
    criterion is not a leaf of the scheme, or a required criterion is left without a score."""
    evaluation = _lock(evaluation)
    if evaluation.is_locked:
        raise ValidationError({"evaluation": "考核结果已发布，不能修改评分；如需更改请提交更正。"})
    weight = _evaluator_weight(evaluation, evaluator)
    leaves = _leaf_criteria(evaluation.scheme)
    comments = comments or {}
    parsed: dict[int, Decimal] = {}
    for key, value in scores.items():
        criterion_id = getattr(key, "pk", key)
        try:
            criterion = leaves[int(criterion_id)]
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                {"scores": f"指标 {criterion_id} 不属于该考核方案或不是可评分的细项。"}
            ) from None
        parsed[criterion.pk] = _parse(value, criterion)
    already = set(
        Score.objects.filter(evaluation=evaluation, evaluator=evaluator).values_list(
            "criterion_id", flat=True
        )
    )
    missing = [c.name for c in leaves.values() if c.required and c.pk not in parsed and c.pk not in already]
    if missing:
        raise ValidationError({"scores": "以下必评指标未评分：" + "、".join(missing)})
    saved = []
    for criterion_id, value in parsed.items():
        score, _ = Score.objects.update_or_create(
            evaluation=evaluation,
            criterion_id=criterion_id,
            evaluator=evaluator,
            defaults={
                "value": value,
                "evaluator_weight": weight,
                "comment": str(comments.get(criterion_id, comments.get(str(criterion_id), "")))[:200],
            },
        )
        saved.append(score)
    request_recompute(
        evaluation.scheme_id, evaluation.year, evaluation.period_number, evaluation.period_label
    )
    return saved


SATISFACTION_SCHEME = "satisfaction"


def survey_tally_submit(*, evaluation: Evaluation, evaluator, satisfied: int, valid: int) -> list[Score]:
    """满意率: turn a survey's tally (satisfied answers out of valid answers) into the
    evaluator's score on the scheme's single criterion, so the share is computed here and
    not by hand. Refused (nothing written) for another scheme or an impossible tally."""
    if evaluation.scheme.code != SATISFACTION_SCHEME:
        raise ValidationError({"evaluation": "只有“满意率”测评可以按票数登记。"})
    if isinstance(satisfied, bool) or isinstance(valid, bool):
        raise ValidationError({"valid": "票数必须是整数。"})
    if valid <= 0:
        raise ValidationError({"valid": "有效票数必须大于 0。"})
    if satisfied < 0 or satisfied > valid:
        raise ValidationError({"satisfied": f"满意票数应在 0 至 {valid}（有效票数）之间。"})
    (criterion,) = _leaf_criteria(evaluation.scheme).values()
    share = (Decimal(satisfied) * 100 / Decimal(valid)).quantize(Decimal("0.01"))
    return scores_submit(
        evaluation=evaluation,
        evaluator=evaluator,
        scores={criterion.pk: share},
        comments={criterion.pk: f"满意 {satisfied} 票 / 有效 {valid} 票"},
    )


def _check_publisher(evaluation: Evaluation, actor) -> None:
    if not actor.has_perm("evaluations.publish_evaluation", evaluation):
        raise PermissionDenied("您无权发布或更正该单位的考核结果。")


@transaction.atomic
def evaluation_publish(*, evaluation: Evaluation, actor) -> Evaluation:
    """Lock the evaluation with its total and grade; a published correction supersedes the
    version it corrects."""
    evaluation = _lock(evaluation)
    _check_publisher(evaluation, actor)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise ValidationError({"evaluation": "该考核已发布或已被更正。"})
    leaves = _leaf_criteria(evaluation.scheme)
    scored = set(evaluation.scores.values_list("criterion_id", flat=True))
    missing = [c.name for c in leaves.values() if c.required and c.pk not in scored]
    if missing:
        raise ValidationError({"evaluation": "以下必评指标尚无评分，不能发布：" + "、".join(missing)})
    if not scored:
        raise ValidationError({"evaluation": "尚无评分，不能发布。"})
    ranking.recompute_evaluation_period(evaluation)  # totals of drafts, this one included
    if evaluation.supersedes_id:
        previous = Evaluation.objects.select_for_update().get(pk=evaluation.supersedes_id)
        previous.status = EvaluationStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=EvaluationStatus.PUBLISHED, published_at=timezone.now(), published_by=actor
    )
    ranking.recompute_evaluation_period(evaluation)  # ranks over the new set of live versions
    evaluation = Evaluation.objects.get(pk=evaluation.pk)
    evaluation.save()  # a history row with the published figures
    if evaluation.person_id:
        from apps.core.jobs import send_or_log

        from .tasks import notify_published

        transaction.on_commit(lambda: send_or_log(notify_published, args=[evaluation.pk]))
    return evaluation


@transaction.atomic
def evaluation_correct(*, evaluation: Evaluation, reason: str, actor) -> Evaluation:
    """Open a correction: a new draft version copying the scores, with the reason kept. The
    published version stays in force until the correction is published."""
    evaluation = _lock(evaluation)
    _check_publisher(evaluation, actor)
    if evaluation.status != EvaluationStatus.PUBLISHED:
        raise ValidationError({"evaluation": "只有已发布的考核可以更正。"})
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写更正原因。"})
    if Evaluation.objects.filter(supersedes=evaluation).exists():
        raise ValidationError({"evaluation": "该考核已有更正版本。"})
    correction = Evaluation.objects.create(
        scheme=evaluation.scheme,
        year=evaluation.year,
        period_number=evaluation.period_number,
        period_label=evaluation.period_label,
        subject_kind=evaluation.subject_kind,
        person=evaluation.person,
        organisation=evaluation.organisation,
        subject_unit=evaluation.subject_unit,
        unit=evaluation.unit,
        version=evaluation.version + 1,
        supersedes=evaluation,
        correction_reason=reason.strip(),
        total=evaluation.total,
        grade=evaluation.grade,
        created_by=actor,
    )
    Score.objects.bulk_create(
        [
            Score(
                evaluation=correction,
                criterion_id=s.criterion_id,
                evaluator_id=s.evaluator_id,
                evaluator_weight=s.evaluator_weight,
                value=s.value,
                comment=s.comment,
            )
            for s in evaluation.scores.all()
        ]
    )
    return correction


# --- 年度先进党小组 -------------------------------------------------------------------


def ranked_groups(*, year: int, scheme: Scheme | None = None):
    """Published party-group ratings of the year, ranked within their branch (SQL window)."""
    scheme = scheme or Scheme.objects.get(code=GROUP_RATING_CODE)
    org_path = F("organisation__path")
    return (
        Evaluation.objects.filter(
            scheme=scheme,
            year=year,
            status=EvaluationStatus.PUBLISHED,
            subject_kind=SubjectKind.PARTY_GROUP,
            total__isnull=False,
        )
        .annotate(branch_path=Substr(org_path, 1, Length(org_path) - 4))
        .annotate(rank_in_branch=Window(Rank(), partition_by=[F("branch_path")], order_by=F("total").desc()))
    )


@transaction.atomic
def honours_propose(*, year: int, actor, root=None, top_n: int | None = None) -> list[GroupHonour]:
    """Propose the top N party groups of each branch (ties included) in the actor's scope
    as 年度先进党小组. Existing proposals for the year are left as they are."""
    scheme = Scheme.objects.get(code=GROUP_RATING_CODE)
    top_n = top_n if top_n is not None else scheme.honour_top_n
    if top_n < 1:
        raise ValidationError({"top_n": "推荐数量至少为 1。"})
    # Ranked over every branch first; the scope is applied afterwards so that a branch is
    # never re-ranked on the part of it the actor sees.
    ranked = list(ranked_groups(year=year, scheme=scheme).filter(rank_in_branch__lte=top_n))
    allowed = Evaluation.objects.visible_to(actor, "evaluations.add_grouphonour").filter(
        pk__in=[c.pk for c in ranked]
    )
    if root is not None:
        allowed = allowed.filter(unit__path__startswith=root.path)
    allowed_ids = set(allowed.values_list("pk", flat=True))
    candidates = [c for c in ranked if c.pk in allowed_ids]
    branch_paths = {c.branch_path for c in candidates}
    branches = {o.path: o for o in PartyOrganisation.objects.filter(path__in=branch_paths)}
    existing = set(GroupHonour.objects.filter(year=year).values_list("group_id", flat=True))
    honours = [
        GroupHonour(
            year=year,
            group_id=c.organisation_id,
            branch=branches.get(c.branch_path),
            unit_id=c.unit_id,
            evaluation=c,
            rank_in_branch=c.rank_in_branch,
        )
        for c in candidates
        if c.organisation_id not in existing
    ]
    for honour in honours:
        honour.save()
    return honours


def _decide(honour: GroupHonour, actor) -> GroupHonour:
    honour = GroupHonour.objects.select_for_update().get(pk=honour.pk)
    if not actor.has_perm("evaluations.accept_grouphonour", honour):
        raise PermissionDenied("您无权确定该单位的年度先进党小组。")
    if honour.status != HonourStatus.PROPOSED:
        raise ValidationError({"status": "该推荐已处理。"})
    return honour


@transaction.atomic
def honour_accept(*, honour: GroupHonour, actor) -> GroupHonour:
    """Accept: the group is flagged 年度先进党小组 and its current members recorded."""
    honour = _decide(honour, actor)
    honour.status = HonourStatus.ACCEPTED
    honour.decided_by = actor
    honour.decided_at = timezone.now()
    honour.save()
    honour.members.set(Person.objects.filter(party_group=honour.group, is_active=True))
    return honour


@transaction.atomic
def honour_reject(*, honour: GroupHonour, actor) -> GroupHonour:
    honour = _decide(honour, actor)
    honour.status = HonourStatus.REJECTED
    honour.decided_by = actor
    honour.decided_at = timezone.now()
    honour.save()
    return honour


# --- deletes from the base admin (the API offers none) --------------------------------


def evaluation_delete(*, instance: Evaluation, actor) -> None:
    """Delete an evaluation opened by mistake: drafts only. A published result (and the
    version it superseded) is corrected, never deleted: the record of what was announced stays."""
    from apps.core.writes import record_delete

    with transaction.atomic():
        stored = _lock(instance)
        if stored.status != EvaluationStatus.DRAFT:
            raise PermissionDenied("已发布的考核结果不能删除；如有错误请使用“更正”。")
        record_delete(instance=stored, actor=actor)
        request_recompute(stored.scheme_id, stored.year, stored.period_number, stored.period_label)


def honour_delete(*, instance: GroupHonour, actor) -> None:
    """Delete a proposal not yet decided; an accepted or rejected one keeps its decision."""
    from apps.core.writes import record_delete

    with transaction.atomic():
        stored = GroupHonour.objects.select_for_update().get(pk=instance.pk)
        if stored.status != HonourStatus.PROPOSED:
            raise PermissionDenied("已确定或不予采纳的年度先进党小组推荐不能删除。")
        record_delete(instance=stored, actor=actor)


def _register() -> None:
    from apps.core.writes import register_writes

    register_writes(Evaluation, delete=evaluation_delete)
    register_writes(GroupHonour, delete=honour_delete)


_register()


# --- reference data: schemes and their criteria, bands and evaluator roles --------------
#
# Schemes are shared by every corps: changing one changes what every unit is evaluated by.
# So the ``scheme.manage`` authority (apps/access/authority.py) is asked of the root of the
# tree: HQ at the bureau, or a superuser. A corps administrator reads them and uses them.

SCHEME_IN_USE = "该考核方案已有考核记录，不能删除；请改为停用。"
#: fields an evaluation depends on: fixed once a scheme has evaluations
SCHEME_FIXED_WHEN_USED = {"code": "代码", "subject_kind": "考核对象", "period_kind": "考核周期"}


def scheme_may_manage(*, actor) -> bool:
    """Whether ``actor`` may add, change or delete schemes: ``scheme.manage`` on every root
    of the unit tree (in practice the one bureau: ``may_everywhere``), or a superuser."""
    from apps.access.authority import may_everywhere

    return may_everywhere(actor, "scheme.manage")


def _require_scheme_manager(actor) -> None:
    if not scheme_may_manage(actor=actor):
        raise PermissionDenied("考核方案为全局参考数据，只有消防救援局（总部）管理员或系统管理员可以修改。")


def _scheme_in_use(scheme_id) -> bool:
    return scheme_id is not None and Evaluation.objects.filter(scheme_id=scheme_id).exists()


def _replace_bands(scheme: Scheme, bands: list[dict]) -> None:
    labels = [b["label"] for b in bands]
    if len(labels) != len(set(labels)):
        raise ValidationError({"bands": "等次名称不能重复。"})
    scheme.bands.all().delete()
    for band in bands:
        GradeBand(scheme=scheme, label=band["label"], min_total=band["min_total"]).save()


def _replace_evaluator_roles(scheme: Scheme, evaluator_roles: list[dict]) -> None:
    roles = [r["role"].pk for r in evaluator_roles]
    if len(roles) != len(set(roles)):
        raise ValidationError({"evaluator_roles": "评价人角色不能重复。"})
    scheme.evaluator_roles.all().delete()
    for row in evaluator_roles:
        SchemeEvaluator(scheme=scheme, role=row["role"], weight=row["weight"]).save()


@transaction.atomic
def scheme_save(*, instance: Scheme, actor, m2m: dict | None = None, related: dict | None = None) -> Scheme:
    """Create or change a scheme (reference data), with the actor in its history.

    ``related`` may carry ``bands`` (label, min_total) and ``evaluator_roles`` (role,
    weight): given, they replace the scheme's rows as a whole. Once evaluations use the
    scheme its code, subject kind and period kind stay as they are (evaluations depend on
    them); refused as a whole, nothing written."""
    _require_scheme_manager(actor)
    related = dict(related or {})
    if instance.pk:
        stored = Scheme.objects.select_for_update().get(pk=instance.pk)
        if _scheme_in_use(stored.pk):
            changed = {
                field: label
                for field, label in SCHEME_FIXED_WHEN_USED.items()
                if getattr(stored, field) != getattr(instance, field)
            }
            if changed:
                raise ValidationError(
                    {
                        field: f"该考核方案已有考核记录，不能更改{label}；请新建方案。"
                        for field, label in changed.items()
                    }
                )
    instance._history_user = actor
    instance.save()
    if "bands" in related:
        _replace_bands(instance, related.pop("bands"))
    if "evaluator_roles" in related:
        _replace_evaluator_roles(instance, related.pop("evaluator_roles"))
    if related or m2m:
        raise ValidationError(
            {"non_field_errors": "不支持的字段：" + "、".join(sorted({*related, *(m2m or {})}))}
        )
    return instance


@transaction.atomic
def scheme_part_save(*, instance, actor, m2m: dict | None = None, related: dict | None = None):
    """Create or change a criterion, grade band or evaluator role of a scheme (its scheme
    row locked). A criterion stays in its scheme, under a parent of the same scheme, and is
    never its own ancestor."""
    _require_scheme_manager(actor)
    Scheme.objects.select_for_update().filter(pk=instance.scheme_id).first()
    if isinstance(instance, Criterion):
        _check_criterion(instance)
    instance.save()
    return instance


def _check_criterion(criterion: Criterion) -> None:
    if criterion.pk:
        stored_scheme = Criterion.objects.filter(pk=criterion.pk).values_list("scheme_id", flat=True).first()
        if stored_scheme is not None and stored_scheme != criterion.scheme_id:
            raise ValidationError({"scheme": "指标不能移到其他考核方案。"})
    if not criterion.parent_id:
        return
    if criterion.parent.scheme_id != criterion.scheme_id:
        raise ValidationError({"parent": "上级指标须属于同一考核方案。"})
    if criterion.pk and criterion.parent_id in _with_children(criterion):
        raise ValidationError({"parent": "上级指标不能是该指标本身或其下级指标。"})


@transaction.atomic
def scheme_part_delete(*, instance, actor) -> None:
    """Delete a criterion, grade band or evaluator role; a criterion with scores stays."""
    _require_scheme_manager(actor)
    if (
        isinstance(instance, Criterion)
        and Score.objects.filter(criterion__in=_with_children(instance)).exists()
    ):
        raise ValidationError({"criteria": f"指标“{instance.name}”已有评分，不能删除。"})
    instance.delete()


def _with_children(criterion: Criterion) -> list[int]:
    ids, frontier = [criterion.pk], [criterion.pk]
    while frontier:
        frontier = list(Criterion.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


@transaction.atomic
def scheme_delete(*, instance: Scheme, actor) -> None:
    """Delete a scheme nobody has used; one with evaluations is refused (deactivate it)."""
    _require_scheme_manager(actor)
    stored = Scheme.objects.select_for_update().filter(pk=instance.pk).first()
    if stored is None:
        return
    # Re-checked under the row lock: an evaluation opened meanwhile keeps its scheme.
    if _scheme_in_use(stored.pk):
        raise ValidationError({"scheme": SCHEME_IN_USE})
    stored._history_user = actor
    try:
        stored.delete()
    except ProtectedError:
        raise ValidationError({"scheme": SCHEME_IN_USE}) from None


def _register_schemes() -> None:
    from apps.core.writes import register_writes

    register_writes(Scheme, create=scheme_save, update=scheme_save, delete=scheme_delete)


_register_schemes()
