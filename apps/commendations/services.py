"""The nomination workflow. Every transition: lock the row, check actor and rules, record
the decision, send notices on commit.

draft → submitted (drafter) → reviewed 审核 by the drafting unit's party organisation →
approving 审批 at each level above, up to the award's approving level, by an approver
holding the role exactly on that level (no skipping, no approving from higher up) → notice → awarded (beat task). Any
decision may return (back to draft with the reason) or reject; the drafter may withdraw
until the final approval; objections during notice hold it until resolved.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractMonth
from django.utils import timezone

from apps.access.authority import authorize, authorize_everywhere, may
from apps.access.models import UnitPermission
from apps.core.uploads import validate_upload
from apps.core.writes import register_writes
from apps.units.models import Unit

from .models import (
    PERIOD_MONTHS,
    Attachment,
    AwardKind,
    Decision,
    Delegation,
    Nomination,
    Objection,
    Quota,
    Support,
)

S = Nomination.Status
OPEN_FOR_WITHDRAWAL = {S.DRAFT, S.SUBMITTED, S.APPROVING}
COUNTED = [S.NOTICE, S.OBJECTED, S.AWARDED]
KIND_ORDER = ["squad", "station", "battalion", "detachment", "corps", "bureau"]


def approval_levels(nomination: Nomination) -> list[Unit]:
    """The levels that approve, nearest first: the drafting unit's ancestors up to the first
    of the award's approving kind (the drafting unit itself reviews). A unit already at or
    above the approving kind approves its own nomination."""
    unit = nomination.unit
    target = KIND_ORDER.index(nomination.award_kind.approving_kind)
    if KIND_ORDER.index(unit.kind) >= target:
        return [unit]
    levels = []
    for level in reversed(list(unit.get_ancestors())):
        levels.append(level)
        if KIND_ORDER.index(level.kind) >= target:
            break
    return levels


def _locked(nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("unit", "award_kind", "current_level")
        .get(pk=nomination.pk)
    )


def _record(nomination, *, actor, action, from_status, level=None, comment="", on_behalf_of=None):
    Decision.objects.create(
        nomination=nomination,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=nomination.status,
        level=level,
        comment=comment,
        on_behalf_of=on_behalf_of,
    )


def _notify(nomination, users, title):
    from apps.notifications.services import notification_send

    def send():
        for user in users:
            notification_send(
                recipient=user,
                title=title,
                body=f"{nomination}（{nomination.get_status_display()}）",
                link=f"/admin/commendations/nomination/{nomination.pk}/change/",
                category="commendations",
                dedupe_key=f"nomination:{nomination.pk}:{nomination.status}:{nomination.current_level_id}:{title}",
            )

    transaction.on_commit(send)


def _involved(nomination, actor) -> bool:
    """Drafted it, is named in it, or belongs to the collective it names."""
    if nomination.drafted_by_id == actor.pk:
        return True
    person = getattr(actor, "person", None)
    if person is None:
        return False
    if nomination.subject_person_id == person.pk:
        return True
    if nomination.subject_unit_id and person.unit.path.startswith(nomination.subject_unit.path):
        return True
    if nomination.subject_organisation_id:
        org = nomination.subject_organisation
        return person.party_memberships.filter(
            end_date__isnull=True, organisation__path__startswith=org.path
        ).exists()
    return False


def _holds_exactly(user, unit, codename) -> bool:
    return UnitPermission.objects.filter(
        user_id=user.pk,
        content_object=unit,
        permission__codename=codename,
        permission__content_type__app_label="commendations",
    ).exists()


def _approve_units(user):
    """The units where ``user`` holds the approver's role exactly (the levels they approve at)."""
    return UnitPermission.objects.filter(
        user_id=user.pk,
        permission__codename="approve_nomination",
        permission__content_type__app_label="commendations",
    ).values("content_object_id")


def _active_delegations(deputy, today):
    return Delegation.objects.filter(
        deputy=deputy, starts_on__lte=today, ends_on__gte=today, approver__is_active=True
    )


def acting_for(actor, unit, today=None, nomination=None) -> list:
    """Whom ``actor`` may approve for at ``unit``: themselves (``None``) and anyone who
    delegated to them today. A deputy acts only on what they can see themselves: with a
    ``nomination`` given, delegations count only if it lies in the deputy's own scope."""
    today = today or timezone.localdate()
    principals = []
    if unit is None:
        return principals
    if _holds_exactly(actor, unit, "approve_nomination"):
        principals.append(None)
    if nomination is not None and not actor.has_perm("commendations.view_nomination", nomination):
        return principals
    for delegation in _active_delegations(actor, today).select_related("approver"):
        if _holds_exactly(delegation.approver, unit, "approve_nomination"):
            principals.append(delegation.approver)
    return principals


# --- Drafting: create, change, delete (the admin's and the API's writes go through here) ---

#: what the drafting unit fills in; the rest belongs to the workflow
DRAFT_FIELDS = [
    "unit",
    "award_kind",
    "year",
    "subject_person",
    "subject_unit",
    "subject_organisation",
    "deeds",
    "priority",
    "source_note",
]
LIVE = ~Q(status__in=[S.REJECTED, S.WITHDRAWN])


def _check_draft_rules(n: Nomination) -> None:
    """The rules a draft obeys whenever it is written (create or change): one subject, the
    award's kind of subject, the subject inside the drafting unit, one live nomination per
    subject, award and year."""
    subjects = [s for s in (n.subject_person, n.subject_unit, n.subject_organisation) if s is not None]
    if len(subjects) != 1:
        raise ValidationError({"subject_person": "须且只能指定一个推荐对象（个人、单位或党组织）。"})
    kind = n.award_kind
    if kind.collective and n.subject_person is not None:
        raise ValidationError({"award_kind": f"“{kind.name}”是集体奖项，推荐对象须为单位或党组织。"})
    if not kind.collective and n.subject_person is None:
        raise ValidationError({"award_kind": f"“{kind.name}”是个人奖项，推荐对象须为个人。"})
    subject_unit = (
        n.subject_person.unit if n.subject_person else n.subject_unit or n.subject_organisation.unit
    )
    if not subject_unit.path.startswith(n.unit.path):
        raise ValidationError({"unit": "推荐对象须在推荐单位（含下级）范围内。"})
    twin = (
        Nomination.objects.filter(LIVE, award_kind=n.award_kind, year=n.year)
        .filter(_same_subject(n))
        .exclude(pk=n.pk)
        .select_related("unit")
        .first()
    )
    if twin is not None:
        raise ValidationError(
            {
                "subject_person"
                if n.subject_person_id
                else "subject_unit"
                if n.subject_unit_id
                else "subject_organisation": f"{n.subject_name}{n.year}年度已有“{kind.name}”推荐"
                f"（{twin.unit.name}，{twin.get_status_display()}），不能重复推荐。"
            }
        )


def _mark_priority(n: Nomination) -> None:
    if n.subject_person_id is not None and not n.priority:
        from apps.evaluations.selectors import is_advanced_group_member

        if is_advanced_group_member(n.subject_person, n.year):  # 004: members come first
            n.priority = True
            n.source_note = n.source_note or f"{n.year}年度先进党小组成员"


def _save_guarded(n: Nomination) -> None:
    """Save; a concurrent twin that slipped past the check meets the unique index: a 400."""
    try:
        with transaction.atomic():
            n.save()
    except IntegrityError as exc:
        message = str(exc)
        if "nomination_once_per" not in message and "commendations_nomination.award_kind" not in message:
            raise
        raise ValidationError(
            {"subject_person": "同一推荐对象在同一年度已有该奖项的推荐（未否决、未撤回），不能重复推荐。"}
        ) from exc


def _insert(nomination: Nomination, *, actor, supporting_evaluations=(), earlier_awards=()) -> Nomination:
    """Draft ``nomination`` (unsaved, fields assigned) in the actor's name."""
    authorize(actor, "nomination.draft", nomination.unit)
    nomination.drafted_by = actor
    nomination.status = S.DRAFT
    _check_draft_rules(nomination)
    _mark_priority(nomination)
    nomination.full_clean(exclude=["drafted_by"])
    nomination._history_user = actor
    _save_guarded(nomination)
    if supporting_evaluations or earlier_awards:
        _replace_supports(nomination, actor, list(supporting_evaluations), list(earlier_awards))
    _record(nomination, actor=actor, action="create", from_status="")
    return nomination


@transaction.atomic
def nomination_create(
    *,
    actor,
    unit,
    award_kind,
    year,
    deeds,
    subject_person=None,
    subject_unit=None,
    subject_organisation=None,
    priority=False,
    source_note="",
    supporting_evaluations=(),
    earlier_awards=(),
) -> Nomination:
    """Draft a nomination in ``unit`` (authority ``nomination.draft`` there)."""
    nomination = Nomination(
        unit=unit,
        award_kind=award_kind,
        year=year,
        deeds=deeds,
        subject_person=subject_person,
        subject_unit=subject_unit,
        subject_organisation=subject_organisation,
        priority=priority,
        source_note=source_note,
    )
    return _insert(
        nomination, actor=actor, supporting_evaluations=supporting_evaluations, earlier_awards=earlier_awards
    )


def _support_lists(related) -> dict:
    related = dict(related or {})
    supports = {k: related.pop(k) for k in ("supporting_evaluations", "earlier_awards") if k in related}
    if related:
        raise ValidationError({"__all__": f"不支持的字段：{'、'.join(sorted(related))}。"})
    return supports


def nomination_create_write(*, instance: Nomination, actor, m2m=None, related=None) -> Nomination:
    """The base admin's and viewset's create: the same rules as ``nomination_create``."""
    supports = _support_lists(related)
    with transaction.atomic():
        return _insert(instance, actor=actor, **supports)


def nomination_update(*, instance: Nomination, actor, m2m=None, related=None) -> Nomination:
    """Change a draft: the stored row is locked and must still be a draft the actor may edit;
    the new values obey every rule of drafting (a new drafting unit needs the authority to
    draft there); supporting links are checked again against a changed subject."""
    supports = _support_lists(related)
    with transaction.atomic():
        n = _locked(instance)
        if n.status != S.DRAFT:
            raise ValidationError({"status": "只有草稿（或被退回的推荐）可以修改。"})
        if not may_edit_evidence(n, actor):
            raise PermissionDenied("只有推荐单位（起草人或推荐单位管理员）可以修改推荐。")
        before = {f: getattr(n, f"{f}_id", getattr(n, f, None)) for f in DRAFT_FIELDS}
        for field in DRAFT_FIELDS:
            setattr(n, field, getattr(instance, field))
        if n.unit_id != before["unit"]:
            authorize(actor, "nomination.draft", n.unit)
        _check_draft_rules(n)
        _mark_priority(n)
        n.full_clean(exclude=["drafted_by"])
        n._history_user = actor
        _save_guarded(n)
        subject_changed = any(
            getattr(n, f"{f}_id") != before[f]
            for f in ("subject_person", "subject_unit", "subject_organisation")
        )
        if supports or subject_changed:
            current = list(n.supports.all())
            _replace_supports_after_change(
                n,
                actor,
                list(
                    supports.get(
                        "supporting_evaluations", [x.evaluation_id for x in current if x.evaluation_id]
                    )
                ),
                list(
                    supports.get(
                        "earlier_awards", [x.earlier_award_id for x in current if x.earlier_award_id]
                    )
                ),
            )
    return n


def _replace_supports_after_change(n, actor, evaluations, awards) -> None:
    try:
        _replace_supports(n, actor, evaluations, awards)
    except ValidationError as exc:
        raise ValidationError(
            {
                field: [f"推荐对象变更后，已有推荐依据不再适用：{m}" for m in messages]
                for field, messages in exc.message_dict.items()
            }
        ) from exc


def nomination_delete(*, instance: Nomination, actor) -> None:
    """Delete a draft that never entered the workflow (authority ``nomination.delete``); one
    with a decision trail is withdrawn instead, and keeps it."""
    with transaction.atomic():
        n = _locked(instance)
        authorize(actor, "nomination.delete", n.unit)
        if not deletable(n):
            raise ValidationError({"status": "已进入流程的推荐不能删除，请撤回。"})
        n._history_user = actor
        n.delete()


def deletable(n: Nomination) -> bool:
    """A draft never submitted: its only decision is its creation."""
    return n.status == S.DRAFT and not n.decisions.exclude(action="create").exists()


# --- The workflow: one guard per step, used by the services (after the lock) and by
# ``selectors.nomination_available_actions`` (to offer only what may be done now) ---------


def _state_error(n, verb):
    return ValidationError({"status": f"当前状态“{n.get_status_display()}”不能{verb}（可能已被他人处理）。"})


def guard_submit(n, actor) -> None:
    if n.status != S.DRAFT:
        raise _state_error(n, "提交")
    if n.drafted_by_id != actor.pk and not actor.has_perm("commendations.change_nomination", n):
        raise PermissionDenied("只有起草人或推荐单位管理员可以提交。")


def guard_review(n, actor) -> None:
    if n.status != S.SUBMITTED:
        raise _state_error(n, "审核")
    if not may(actor, "nomination.review", n.unit):
        raise PermissionDenied("您无权审核该单位的推荐。")
    if _involved(n, actor):
        raise PermissionDenied("不能审核本人起草或涉及本人（本人所在集体）的推荐。")


def guard_approve(n, actor) -> list:
    """The principals the actor approves for (``None`` for themself)."""
    if n.status != S.APPROVING:
        raise _state_error(n, "审批")
    principals = acting_for(actor, n.current_level, nomination=n)
    if not principals:
        raise PermissionDenied("您不是该层级的审批人，不能越级或代替其他层级审批。")
    if _involved(n, actor) or any(p is not None and _involved(n, p) for p in principals):
        raise PermissionDenied("不能审批本人起草或涉及本人（本人所在集体）的推荐。")
    return principals


def guard_decide_against(n, actor, verb="退回") -> list:
    """Return or reject: whoever decides the current step (reviewer, or approver at the level)."""
    if n.status == S.SUBMITTED:
        guard_review(n, actor)
        return [None]
    if n.status == S.APPROVING:
        return guard_approve(n, actor)
    raise _state_error(n, verb)


def guard_withdraw(n, actor) -> None:
    if n.status not in OPEN_FOR_WITHDRAWAL:
        raise ValidationError({"status": "审批通过后不能撤回。"})
    if n.drafted_by_id != actor.pk:
        raise PermissionDenied("只有起草人可以撤回。")


def guard_object(n, actor) -> None:
    if n.status not in (S.NOTICE, S.OBJECTED):
        raise ValidationError({"status": "只能在公示期内提出异议。"})


def guard_resolve(n, actor) -> None:
    if n.status != S.OBJECTED:
        raise ValidationError({"status": "该推荐没有待处理的异议。"})
    final_level = approval_levels(n)[-1]
    if not acting_for(actor, final_level, nomination=n) and not may(actor, "nomination.review", final_level):
        raise PermissionDenied("只有审批层级的审批人或党组织可以处理异议。")
    if _involved(n, actor):
        raise PermissionDenied("不能处理本人起草或涉及本人的推荐的异议。")


@transaction.atomic
def nomination_submit(*, nomination, actor, comment=""):
    n = _locked(nomination)
    guard_submit(n, actor)
    before = n.status
    n.status, n.current_level, n.waiting_since = S.SUBMITTED, n.unit, timezone.now()
    n.save()
    _record(n, actor=actor, action="submit", from_status=before, level=n.unit, comment=comment)
    return n


@transaction.atomic
def nomination_review(*, nomination, actor, comment=""):
    """审核 by the drafting unit's party organisation: holders of review on that unit."""
    n = _locked(nomination)
    guard_review(n, actor)
    n.status, n.current_level, n.waiting_since = S.APPROVING, approval_levels(n)[0], timezone.now()
    n.save()
    _record(n, actor=actor, action="review", from_status=S.SUBMITTED, level=n.unit, comment=comment)
    return n


@transaction.atomic
def nomination_approve(*, nomination, actor, comment=""):
    """审批 at the current level; the last level checks the quota under lock and opens notice."""
    n = _locked(nomination)
    principals = guard_approve(n, actor)
    levels = approval_levels(n)
    index = [u.pk for u in levels].index(n.current_level_id)
    level = n.current_level
    if index + 1 < len(levels):
        n.current_level, n.waiting_since = levels[index + 1], timezone.now()
        n.save()
        _record(
            n,
            actor=actor,
            action="approve",
            from_status=S.APPROVING,
            level=level,
            comment=comment,
            on_behalf_of=principals[0],
        )
        _notify(n, _approvers_of(n.current_level), "有新的表彰推荐待您审批")
        return n
    today = timezone.localdate()
    _check_quota(n, today)
    n.status, n.current_level, n.waiting_since = S.NOTICE, None, timezone.now()
    n.approved_on = today
    n.notice_ends_on = timezone.localdate() + datetime.timedelta(days=n.award_kind.notice_days)
    n.save()
    _record(
        n,
        actor=actor,
        action="approve",
        from_status=S.APPROVING,
        level=level,
        comment=comment,
        on_behalf_of=principals[0],
    )
    _notify(n, [n.drafted_by], "您起草的表彰推荐已审批通过，进入公示")
    return n


def quotas_with_usage(quotas):
    """Annotate quota rows with ``used``: the awards that count against each (notice, objected,
    awarded) of its award kind and year, drafted in its unit's subtree, whose final approval
    month lies in its period. One correlated subquery: the same definition serves the
    final-approval check and the dashboard (``selectors.pipeline_figures``)."""
    first = Case(
        *[When(period=code, then=Value(months[0])) for code, months in PERIOD_MONTHS.items()],
        output_field=IntegerField(),
    )
    last = Case(
        *[When(period=code, then=Value(months[1])) for code, months in PERIOD_MONTHS.items()],
        output_field=IntegerField(),
    )
    counted = (
        Nomination.objects.filter(
            award_kind=OuterRef("award_kind"),
            year=OuterRef("year"),
            status__in=COUNTED,
            unit__path__startswith=OuterRef("unit__path"),
        )
        .annotate(month=ExtractMonth("approved_on"))
        .filter(month__gte=OuterRef("first_month"), month__lte=OuterRef("last_month"))
        .order_by()
        .values("award_kind")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return quotas.annotate(first_month=first, last_month=last).annotate(
        used=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


def periods_containing(day: datetime.date) -> list[str]:
    return [code for code, (a, b) in PERIOD_MONTHS.items() if a <= day.month <= b]


def _check_quota(n: Nomination, today: datetime.date) -> None:
    """Lock the quotas of the drafting unit and its ancestors that cover this month, then
    count what they already hold.

    The count is a separate statement run after the lock is granted: under READ COMMITTED a
    statement sees what was committed before it started, so counting inside the locking
    statement could miss the award that the holder of the lock has just committed.
    """
    paths = [n.unit.path[:i] for i in range(4, len(n.unit.path) + 1, 4)]
    locked = list(
        Quota.objects.select_for_update(of=("self",))
        .filter(
            award_kind=n.award_kind,
            year=n.year,
            unit__path__in=paths,
            period__in=periods_containing(today),
        )
        .order_by("unit__path", "period")
        .values_list("pk", flat=True)
    )
    if not locked:
        return
    quotas = quotas_with_usage(Quota.objects.filter(pk__in=locked).select_related("unit")).order_by(
        "unit__path", "period"
    )
    for quota in quotas:
        if quota.used >= quota.limit:
            period = quota.get_period_display() if quota.period else ""
            raise ValidationError(
                {
                    "quota": f"{quota.unit.name}{quota.year}年{period}“{n.award_kind.name}”名额"
                    f"（{quota.limit}个）已用完。"
                }
            )


@transaction.atomic
def nomination_return(*, nomination, actor, comment):
    """退回修改: back to draft with the reason, by whoever may decide at the current step."""
    return _decide_against(nomination, actor, comment, to=S.DRAFT, action="return")


@transaction.atomic
def nomination_reject(*, nomination, actor, comment):
    return _decide_against(nomination, actor, comment, to=S.REJECTED, action="reject")


def _decide_against(nomination, actor, comment, *, to, action):
    if not comment:
        raise ValidationError({"comment": "请填写理由。"})
    n = _locked(nomination)
    principals = guard_decide_against(n, actor, "退回" if to == S.DRAFT else "否决")
    before, level = n.status, n.current_level
    n.status, n.current_level, n.waiting_since = to, None, None
    n.save()
    _record(
        n,
        actor=actor,
        action=action,
        from_status=before,
        level=level,
        comment=comment,
        on_behalf_of=principals[0],
    )
    _notify(n, [n.drafted_by], "您起草的表彰推荐被退回修改" if to == S.DRAFT else "您起草的表彰推荐未获通过")
    return n


@transaction.atomic
def nomination_withdraw(*, nomination, actor, comment=""):
    n = _locked(nomination)
    guard_withdraw(n, actor)
    before = n.status
    n.status, n.current_level, n.waiting_since = S.WITHDRAWN, None, None
    n.save()
    _record(n, actor=actor, action="withdraw", from_status=before, comment=comment)
    return n


@transaction.atomic
def nomination_object(*, nomination, actor, reason):
    """异议 during public notice: holds the nomination until resolved."""
    if not reason:
        raise ValidationError({"reason": "请填写异议内容。"})
    n = _locked(nomination)
    guard_object(n, actor)
    objection = Objection.objects.create(nomination=n, raised_by=actor, reason=reason)
    before = n.status
    n.status = S.OBJECTED
    n.save()
    _record(n, actor=actor, action="object", from_status=before, comment=reason)
    return objection


@transaction.atomic
def objection_resolve(*, objection, actor, upheld: bool, resolution):
    """Upheld → the nomination is rejected; dismissed → notice continues (once no objection is open)."""
    if not resolution:
        raise ValidationError({"resolution": "请填写处理意见。"})
    n = _locked(objection.nomination)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.outcome != Objection.Outcome.OPEN:
        raise ValidationError({"outcome": "该异议已处理。"})
    guard_resolve(n, actor)
    objection.outcome = Objection.Outcome.UPHELD if upheld else Objection.Outcome.DISMISSED
    objection.resolution = resolution
    objection._history_user = actor
    objection.save()
    before = n.status
    if upheld:
        n.status = S.REJECTED
    elif not n.objections.filter(outcome=Objection.Outcome.OPEN).exists():
        n.status = S.NOTICE
    n.save()
    _record(n, actor=actor, action="resolve_objection", from_status=before, comment=resolution)
    return n


def notices_close(*, today=None) -> int:
    """End of public notice with no open objection → awarded. Idempotent.

    The 授予 decision is the system's (``actor`` empty): nobody acted that day; the approval
    that opened the notice is the decision before it in the trail."""
    today = today or timezone.localdate()
    closed = 0
    for pk in Nomination.objects.filter(status=S.NOTICE, notice_ends_on__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            n = Nomination.objects.select_for_update().filter(pk=pk, status=S.NOTICE).first()
            if n is None:
                continue
            n.status = S.AWARDED
            n.save()
            Decision.objects.create(
                nomination=n,
                actor=None,
                action="award",
                from_status=S.NOTICE,
                to_status=S.AWARDED,
                comment="公示期满无异议，系统自动授予",
            )
            closed += 1
    return closed


def _approvers_of(unit):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        is_active=True,
        pk__in=UnitPermission.objects.filter(
            content_object=unit,
            permission__codename="approve_nomination",
            permission__content_type__app_label="commendations",
        ).values("user_id"),
    )


def deciders_of(n: Nomination, today=None) -> list:
    """Who can take the current approval step of ``n`` now: the approvers of its level who
    are not involved in it, and the deputies of those (who can see it) for today."""
    if n.status != S.APPROVING or n.current_level_id is None:
        return []
    today = today or timezone.localdate()
    approvers = [u for u in _approvers_of(n.current_level) if not _involved(n, u)]
    deputies = [
        d.deputy
        for d in Delegation.objects.filter(
            approver__in=approvers, starts_on__lte=today, ends_on__gte=today, deputy__is_active=True
        ).select_related("deputy")
        if d.deputy.has_perm("commendations.view_nomination", n) and not _involved(n, d.deputy)
    ]
    chosen = {u.pk: u for u in [*approvers, *deputies]}
    return [chosen[pk] for pk in sorted(chosen)]


def _appointers_of(unit) -> list:
    """Who can appoint an approver at ``unit``: active holders of ``access.add_grant`` on it,
    or on the nearest unit above with any (superusers when nobody up to the root has it)."""
    from django.contrib.auth import get_user_model

    from apps.core.scoping import ancestor_paths

    rows = UnitPermission.objects.filter(
        permission__codename="add_grant",
        permission__content_type__app_label="access",
        content_object__path__in=ancestor_paths(unit.path),
        user__is_active=True,
    ).values_list("content_object__path", "user_id")
    by_path: dict[str, set] = {}
    for path, user_id in rows:
        by_path.setdefault(path, set()).add(user_id)
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    if not by_path:
        return list(users.filter(is_superuser=True))
    return list(users.filter(pk__in=by_path[max(by_path, key=len)]))


def escalate_waiting(*, days: int, now=None) -> int:
    """Nominations waiting longer than ``days`` at a level: tell whoever can make them move.
    Idempotent (one notice per nomination, level and recipient).

    The levels above cannot act (approval is by the exact level), so the overdue notice goes
    to the level's own deciders; when it has none who may act (its only approver drafted the
    nomination or is named in it), to those who can appoint one there: the holders of
    ``access.add_grant`` on the level, or on the nearest unit above that has some."""
    from apps.notifications.services import notification_send

    now = now or timezone.now()
    sent = 0
    stale = Nomination.objects.filter(
        status=S.APPROVING, waiting_since__lt=now - datetime.timedelta(days=days)
    ).select_related("current_level", "award_kind", "unit", "subject_person", "subject_unit")
    for n in stale:
        deciders = deciders_of(n, today=timezone.localtime(now).date())
        if deciders:
            recipients, title = deciders, "表彰推荐审批超期，请尽快处理"
            body = f"{n} 在 {n.current_level.name} 已等待超过 {days} 天。"
        else:
            recipients = _appointers_of(n.current_level)
            title = "表彰推荐无人可审批，请指定审批人"
            body = (
                f"{n} 在 {n.current_level.name} 已等待超过 {days} 天，该层级没有可以审批的人员"
                "（审批人起草或涉及本推荐须回避）。请为该层级增设审批人，或由审批人委托代理人。"
            )
        for user in recipients:
            sent += bool(
                notification_send(
                    recipient=user,
                    title=title,
                    body=body,
                    link=f"/admin/commendations/nomination/{n.pk}/change/",
                    category="commendations",
                    dedupe_key=f"nomination-escalation:{n.pk}:{n.current_level_id}",
                )
            )
    return sent


def remind_waiting(*, today=None) -> int:
    """ "Nominations waiting" 待审批提醒: one notice per approver (or deputy) per day, counting
    what waits in their inbox at the approval step. Idempotent: a second run the same day
    sends nothing (``dedupe_key`` per user and day)."""
    from django.contrib.auth import get_user_model

    from apps.notifications.services import notification_send

    today = today or timezone.localdate()
    levels = Nomination.objects.filter(status=S.APPROVING).values("current_level_id")
    approvers = set(
        UnitPermission.objects.filter(
            content_object_id__in=levels,
            permission__codename="approve_nomination",
            permission__content_type__app_label="commendations",
        ).values_list("user_id", flat=True)
    )
    deputies = set(
        Delegation.objects.filter(
            approver_id__in=approvers, starts_on__lte=today, ends_on__gte=today
        ).values_list("deputy_id", flat=True)
    )
    sent = 0
    for user in get_user_model().objects.filter(pk__in=approvers | deputies, is_active=True).order_by("pk"):
        waiting = inbox(user, today=today).filter(status=S.APPROVING).count()
        if not waiting:
            continue
        sent += bool(
            notification_send(
                recipient=user,
                title=f"您有 {waiting} 件表彰推荐待审批",
                body="请在“待我审批”中处理。",
                link="/admin/commendations/nomination/?inbox=1",
                category="commendations",
                dedupe_key=f"nominations-waiting:{today.isoformat()}",
            )
        )
    return sent


def inbox(user, today=None):
    """Nominations waiting for this user's decision, oldest first, in one query: submitted ones
    they may review, and approving ones at a level where they approve, or where someone who
    delegated to them today approves, provided the deputy can see the nomination themself.
    Their own drafts and nominations naming them are left out (they may not decide on them)."""
    today = today or timezone.localdate()
    delegators = _active_delegations(user, today).values("approver_id")
    delegated_units = UnitPermission.objects.filter(
        user_id__in=delegators,
        permission__codename="approve_nomination",
        permission__content_type__app_label="commendations",
    ).values("content_object_id")
    reviewable = (
        Nomination.objects.visible_to(user, "commendations.review_nomination")
        .filter(status=S.SUBMITTED)
        .values("pk")
    )
    visible = Nomination.objects.visible_to(user, "view").filter(status=S.APPROVING).values("pk")
    return (
        Nomination.objects.filter(
            Q(status=S.APPROVING, current_level_id__in=_approve_units(user))
            | Q(status=S.APPROVING, current_level_id__in=delegated_units, pk__in=visible)
            | Q(pk__in=reviewable)
        )
        .exclude(drafted_by=user)
        .exclude(subject_person__user=user)
        .select_related(
            "unit",
            "award_kind",
            "current_level",
            "drafted_by",
            "subject_person",
            "subject_unit",
            "subject_organisation",
        )
        .order_by("waiting_since", "pk")
    )


def inbox_may_hold_any(user, today=None) -> bool:
    """False when ``inbox(user)`` is certainly empty: the user reviews and approves nowhere
    (no grant of either, as read once per request) and nobody delegated to them today. True
    otherwise (the inbox may still be empty)."""
    if user.is_superuser or user.has_perm("commendations.approve_nomination"):
        return True
    if user.has_perm("commendations.review_nomination"):
        return True
    return _active_delegations(user, today or timezone.localdate()).exists()


@transaction.atomic
def award_order_issue(*, unit, number, title, nominations, actor, exemplary=()):
    """Issue a numbered circular for awarded nominations; mark chosen ones as exemplary models."""
    from .models import AwardOrder, ExemplaryModel

    if not actor.has_perm("commendations.add_awardorder", unit):
        raise PermissionDenied("您无权以该单位名义印发表彰通报。")
    if AwardOrder.objects.filter(number=number).exists():
        raise ValidationError({"number": "文号已存在。"})
    locked = list(Nomination.objects.select_for_update().filter(pk__in=[n.pk for n in nominations]))
    bad = [n for n in locked if n.status != S.AWARDED or n.order_id or not n.unit.path.startswith(unit.path)]
    if bad or not locked:
        raise ValidationError({"nominations": "只能将本单位（含下级）已授予且尚未发文的推荐列入通报。"})
    order = AwardOrder.objects.create(
        unit=unit, number=number, title=title, issued_on=timezone.localdate(), issued_by=actor
    )
    Nomination.objects.filter(pk__in=[n.pk for n in locked]).update(order=order)
    chosen = {n.pk for n in exemplary}
    ExemplaryModel.objects.bulk_create(
        [
            ExemplaryModel(nomination=n, citation=n.deeds[:500], published_on=order.issued_on)
            for n in locked
            if n.pk in chosen
        ]
    )
    return order


# --- Evidence 证明材料 ---------------------------------------------------------------------

MAX_ATTACHMENTS = 20


def may_edit_evidence(nomination: Nomination, actor) -> bool:
    """The drafting unit edits its draft's evidence: the drafter, or a holder of
    ``change_nomination`` on the drafting unit (a grant there or above covers it). Reviewers
    and approvers only read it."""
    return nomination.drafted_by_id == actor.pk or actor.has_perm(
        "commendations.change_nomination", nomination
    )


def evidence_editable(nomination: Nomination | None, actor) -> bool:
    """Whether ``actor`` may change this nomination's evidence and supporting links now
    (the drafting unit, while it is a draft): the admin asks before showing the inputs."""
    return nomination is not None and nomination.status == S.DRAFT and may_edit_evidence(nomination, actor)


def _check_evidence_editable(n: Nomination, actor) -> None:
    if not may_edit_evidence(n, actor):
        raise PermissionDenied("只有推荐单位（起草人或推荐单位管理员）可以修改证明材料和推荐依据。")
    if n.status != S.DRAFT:
        raise ValidationError({"status": "只能在草稿（含退回修改）阶段修改证明材料和推荐依据。"})


@transaction.atomic
def attachment_add(*, nomination, file, actor) -> Attachment:
    """Add an evidence file (pdf, jpg, png, docx; at most 10 MB, content checked) to a draft."""
    n = _locked(nomination)
    _check_evidence_editable(n, actor)
    if file is None:
        raise ValidationError({"file": "请选择文件。"})
    validate_upload(file)
    if n.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError({"file": f"每件推荐最多上传 {MAX_ATTACHMENTS} 个证明材料。"})
    name = (getattr(file, "name", "") or "")[-200:]
    attachment = Attachment(nomination=n, uploaded_by=actor, original_name=name, size=file.size)
    attachment.file.save(name, file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)  # no file without its row
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment, actor) -> None:
    n = _locked(attachment.nomination)
    _check_evidence_editable(n, actor)
    attachment.delete()  # the stored file follows on commit (models._remove_stored_file)


# --- Supporting links 推荐依据 -------------------------------------------------------------


def _evaluations_of_subject(n: Nomination) -> Q:
    """A person's evaluation for an individual nomination; the organisation's (party group's)
    rating, or the unit's evaluation, for a collective one."""
    if n.subject_person_id:
        return Q(subject_kind="person", person_id=n.subject_person_id)
    if n.subject_organisation_id:
        return Q(subject_kind__in=["party_group", "party_org"], organisation_id=n.subject_organisation_id)
    return Q(subject_kind="unit", subject_unit_id=n.subject_unit_id)


def _same_subject(n: Nomination) -> Q:
    return Q(
        subject_person_id=n.subject_person_id,
        subject_unit_id=n.subject_unit_id,
        subject_organisation_id=n.subject_organisation_id,
    )


def supports_check(n: Nomination, actor, evaluations, awards) -> tuple[set, set]:
    """Every link must be visible to the actor and concern the nomination's subject: a
    published evaluation of it, or an awarded nomination of it. Returns the id sets."""
    from apps.evaluations.models import Evaluation, EvaluationStatus

    eval_ids = {e if isinstance(e, int) else e.pk for e in evaluations}
    award_ids = {a if isinstance(a, int) else a.pk for a in awards}
    ok_evals = set(
        Evaluation.objects.visible_to(actor, "view")
        .filter(pk__in=eval_ids, status=EvaluationStatus.PUBLISHED)
        .filter(_evaluations_of_subject(n))
        .values_list("pk", flat=True)
    )
    if eval_ids - ok_evals:
        raise ValidationError(
            {
                "supporting_evaluations": "考核结果须为已发布、您可查看、且考核对象与推荐对象相同"
                f"（不符合：{'、'.join(map(str, sorted(eval_ids - ok_evals)))}）。"
            }
        )
    ok_awards = set(
        Nomination.objects.visible_to(actor, "view")
        .filter(pk__in=award_ids, status=S.AWARDED)
        .filter(_same_subject(n))
        .exclude(pk=n.pk)
        .values_list("pk", flat=True)
    )
    if award_ids - ok_awards:
        raise ValidationError(
            {
                "earlier_awards": "既往奖励须为已授予、您可查看、且表彰对象与本推荐相同"
                f"（不符合：{'、'.join(map(str, sorted(award_ids - ok_awards)))}）。"
            }
        )
    return eval_ids, award_ids


def _replace_supports(n: Nomination, actor, evaluations: list, awards: list) -> None:
    """Check the links (all of them, or nothing is written), then make them exactly these."""
    eval_ids, award_ids = supports_check(n, actor, evaluations, awards)
    current = list(n.supports.all())
    for link in current:
        if (link.evaluation_id and link.evaluation_id not in eval_ids) or (
            link.earlier_award_id and link.earlier_award_id not in award_ids
        ):
            link.delete()
    have_evals = {x.evaluation_id for x in current if x.evaluation_id}
    have_awards = {x.earlier_award_id for x in current if x.earlier_award_id}
    for pk in sorted(eval_ids - have_evals):
        Support.objects.create(nomination=n, evaluation_id=pk)
    for pk in sorted(award_ids - have_awards):
        Support.objects.create(nomination=n, earlier_award_id=pk)


@transaction.atomic
def nomination_set_supports(*, nomination, actor, supporting_evaluations=None, earlier_awards=None):
    """Replace the supporting links of a draft (``None``: keep that kind as it is, but check
    it again against the nomination's current subject)."""
    n = _locked(nomination)
    _check_evidence_editable(n, actor)
    current = list(n.supports.all())
    if supporting_evaluations is None:
        supporting_evaluations = [x.evaluation_id for x in current if x.evaluation_id]
    if earlier_awards is None:
        earlier_awards = [x.earlier_award_id for x in current if x.earlier_award_id]
    _replace_supports(n, actor, list(supporting_evaluations), list(earlier_awards))
    return n


@transaction.atomic
def nominations_seed_from_honours(*, actor, unit, year, award_kind=None) -> list[Nomination]:
    """Draft a 先进党小组 nomination for each accepted 年度先进党小组 of ``year`` under ``unit``
    (the drafting unit) that has none yet, marked priority and linked to the rating that
    earned the honour. Groups already nominated for that award and year (and not rejected or
    withdrawn) are skipped, so running it twice drafts nothing more."""
    from apps.evaluations.selectors import advanced_groups

    from .models import AwardKind

    award_kind = award_kind or AwardKind.objects.get(code="advanced_party_group")
    if not award_kind.collective:
        raise ValidationError({"award_kind": "年度先进党小组只能推荐集体奖项。"})
    if not actor.has_perm("commendations.add_nomination", unit):
        raise PermissionDenied("您无权在该单位起草推荐。")
    honours = list(
        advanced_groups(year, user=actor)
        .filter(group__unit__path__startswith=unit.path)
        .select_related("evaluation")
        .order_by("group__path")
    )
    taken = set(
        Nomination.objects.filter(
            award_kind=award_kind, year=year, subject_organisation__in=[h.group_id for h in honours]
        )
        .exclude(status__in=[S.REJECTED, S.WITHDRAWN])
        .values_list("subject_organisation_id", flat=True)
    )
    created = []
    for honour in honours:
        if honour.group_id in taken:
            continue
        branch = f"{honour.branch.name}" if honour.branch_id else "所在党支部"
        created.append(
            nomination_create(
                actor=actor,
                unit=unit,
                award_kind=award_kind,
                year=year,
                deeds=f"{honour.group.name}在{year}年度党小组量化评比中位列{branch}第{honour.rank_in_branch}名，"
                "被评为年度先进党小组。",
                subject_organisation=honour.group,
                priority=True,
                source_note=f"{year}年度先进党小组（{branch}第{honour.rank_in_branch}名）"[:200],
                supporting_evaluations=[honour.evaluation],
            )
        )
    return created


# --- Quotas 名额: set by the level that allocates them --------------------------------------


def _check_quota_row(quota: Quota, actor) -> None:
    authorize(actor, "quota.set", quota.unit)
    quota.full_clean()
    twin = Quota.objects.filter(
        unit=quota.unit, award_kind=quota.award_kind, year=quota.year, period=quota.period
    ).exclude(pk=quota.pk)
    if twin.exists():
        raise ValidationError({"award_kind": "该单位该年度（期间）已有此奖项的名额，请修改原名额。"})


def quota_create(*, instance: Quota, actor, m2m=None, related=None) -> Quota:
    """Set a unit's quota: only the level above it allocates (authority ``quota.set``)."""
    with transaction.atomic():
        _check_quota_row(instance, actor)
        instance._history_user = actor
        instance.save()
    return instance


def quota_update(*, instance: Quota, actor, m2m=None, related=None) -> Quota:
    """Change a quota: the allocating level of the unit it had (row locked) and of the unit it
    gets, never the capped unit itself."""
    with transaction.atomic():
        stored = Quota.objects.select_for_update().select_related("unit").get(pk=instance.pk)
        authorize(actor, "quota.set", stored.unit)
        _check_quota_row(instance, actor)
        instance._history_user = actor
        instance.save()
    return instance


def quota_delete(*, instance: Quota, actor) -> None:
    with transaction.atomic():
        stored = Quota.objects.select_for_update().select_related("unit").get(pk=instance.pk)
        authorize(actor, "quota.set", stored.unit)
        stored._history_user = actor
        stored.delete()


# --- Delegations 审批代理: an approver's own authority, lent to a colleague inside their scope


def _approving_paths(approver) -> list[str]:
    return list(
        UnitPermission.objects.filter(
            user_id=approver.pk,
            permission__codename="approve_nomination",
            permission__content_type__app_label="commendations",
        ).values_list("content_object__path", flat=True)
    )


def approves_anywhere(user) -> bool:
    """Whether ``user`` holds the approver's role on some unit (may delegate at all).

    Answered from the user's grants as read once per request (``scoping.granted_paths``):
    the admin index asks it five times (the delegation admin's module, view, add, change
    and delete permissions), one statement each before."""
    from apps.core.scoping import granted_paths

    return bool(granted_paths(user, "commendations", "approve_nomination"))


NOT_ELIGIBLE = "代理人不存在，或不在您审批的单位范围内（须在您审批的单位或其下级单位任职并可查看表彰推荐）。"


def deputy_eligible(approver, deputy) -> bool:
    """A deputy holds ``view_nomination`` through a grant on a unit where the approver
    approves, or below it: inside the delegator's scope, never beside or above it."""
    if deputy is None or not deputy.is_active or deputy.pk == approver.pk:
        return False
    paths = _approving_paths(approver)
    if not paths:
        return False
    inside = Q()
    for path in paths:
        inside |= Q(content_object__path__startswith=path)
    return UnitPermission.objects.filter(
        inside,
        user_id=deputy.pk,
        permission__codename="view_nomination",
        permission__content_type__app_label="commendations",
    ).exists()


def _check_delegation(*, approver, deputy, starts_on, ends_on, actor) -> None:
    if actor.pk != approver.pk and not actor.is_superuser:
        raise PermissionDenied("只有审批人本人可以委托自己的审批权。")
    paths = _approving_paths(approver)
    if not paths:
        raise PermissionDenied("只有审批人可以设置代理。")
    if deputy is not None and deputy.pk == approver.pk:
        raise ValidationError({"deputy": "不能委托给本人。"})
    if not deputy_eligible(approver, deputy):
        raise ValidationError({"deputy": NOT_ELIGIBLE})
    if starts_on and ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期不能早于开始日期。"})


def delegation_create(*, approver, deputy, starts_on, ends_on, actor) -> Delegation:
    """An approver (or a superuser for them) lets an eligible deputy decide in their place."""
    return _delegation_insert(
        Delegation(approver=approver, deputy=deputy, starts_on=starts_on, ends_on=ends_on), actor=actor
    )


def _delegation_insert(delegation: Delegation, *, actor, **_) -> Delegation:
    """Save a new delegation (unsaved, fields assigned; no approver means the actor's own)."""
    if delegation.approver_id is None:
        delegation.approver = actor
    with transaction.atomic():
        _check_delegation(
            approver=delegation.approver,
            deputy=delegation.deputy if delegation.deputy_id else None,
            starts_on=delegation.starts_on,
            ends_on=delegation.ends_on,
            actor=actor,
        )
        delegation.full_clean()
        delegation._history_user = actor
        delegation.save()
    return delegation


def delegation_update(*, delegation: Delegation, actor, deputy, starts_on, ends_on) -> Delegation:
    with transaction.atomic():
        stored = Delegation.objects.select_for_update().select_related("approver").get(pk=delegation.pk)
        _check_delegation(
            approver=stored.approver, deputy=deputy, starts_on=starts_on, ends_on=ends_on, actor=actor
        )
        stored.deputy, stored.starts_on, stored.ends_on = deputy, starts_on, ends_on
        stored.full_clean()
        stored._history_user = actor
        stored.save()
    return stored


def delegation_delete(*, delegation: Delegation, actor) -> None:
    with transaction.atomic():
        stored = Delegation.objects.select_for_update().filter(pk=delegation.pk).first()
        if stored is None:
            return
        if actor.pk != stored.approver_id and not actor.is_superuser:
            raise PermissionDenied("只有审批人本人可以撤销自己的委托。")
        stored._history_user = actor
        stored.delete()


# --- Award kinds 奖项类别: global reference data, managed from the top of the tree -------------


def _check_award_kind(kind: AwardKind) -> None:
    kind.full_clean(validate_unique=False)
    if kind.approving_kind not in KIND_ORDER:
        raise ValidationError({"approving_kind": "审批层级须为单位类别之一：" + "、".join(KIND_ORDER) + "。"})
    if AwardKind.objects.filter(code=kind.code).exclude(pk=kind.pk).exists():
        raise ValidationError({"code": f"代码“{kind.code}”已被其他奖项类别使用。"})


def award_kind_create(*, instance: AwardKind, actor, m2m=None, related=None) -> AwardKind:
    """Add an award kind (authority ``award_kind.manage`` held at the top of the tree)."""
    authorize_everywhere(actor, "award_kind.manage")
    with transaction.atomic():
        _check_award_kind(instance)
        instance._history_user = actor
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:  # the same code added at the same moment
            raise ValidationError({"code": f"代码“{instance.code}”已被其他奖项类别使用。"}) from exc
    return instance


def award_kind_update(*, instance: AwardKind, actor, m2m=None, related=None) -> AwardKind:
    """Change an award kind; its nominations and quotas keep pointing at it."""
    authorize_everywhere(actor, "award_kind.manage")
    with transaction.atomic():
        AwardKind.objects.select_for_update().get(pk=instance.pk)
        _check_award_kind(instance)
        instance._history_user = actor
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError as exc:
            raise ValidationError({"code": f"代码“{instance.code}”已被其他奖项类别使用。"}) from exc
    return instance


def award_kind_delete(*, instance: AwardKind, actor) -> None:
    """Delete an award kind no nomination and no quota uses; a used one is refused, nothing
    deleted (its nominations are the record of who was commended with it)."""
    authorize_everywhere(actor, "award_kind.manage")
    with transaction.atomic():
        stored = AwardKind.objects.select_for_update().filter(pk=instance.pk).first()
        if stored is None:
            return
        nominations = stored.nominations.count()
        quotas = stored.quotas.count()
        if nominations or quotas:
            used = "、".join(
                part
                for part, n in ((f"{nominations} 条表彰推荐", nominations), (f"{quotas} 条名额", quotas))
                if n
            )
            raise ValidationError(f"奖项类别“{stored.name}”已被 {used} 使用，不能删除。")
        stored._history_user = actor
        stored.delete()


# --- The generic write path (apps.core.writes): the base admin and viewset land here --------


def _refuse(message):
    def write(*, instance, actor, **_):
        raise PermissionDenied(message)

    return write


register_writes(
    Nomination, create=nomination_create_write, update=nomination_update, delete=nomination_delete
)
register_writes(Quota, create=quota_create, update=quota_update, delete=quota_delete)
register_writes(AwardKind, create=award_kind_create, update=award_kind_update, delete=award_kind_delete)
register_writes(
    Delegation,
    create=lambda *, instance, actor, **_: _delegation_insert(instance, actor=actor),
    update=lambda *, instance, actor, **_: delegation_update(
        delegation=instance,
        actor=actor,
        deputy=instance.deputy if instance.deputy_id else None,
        starts_on=instance.starts_on,
        ends_on=instance.ends_on,
    ),
    delete=lambda *, instance, actor, **_: delegation_delete(delegation=instance, actor=actor),
)
_TRAIL = "审批记录由流程写入，不能直接增删改。"
register_writes(Decision, create=_refuse(_TRAIL), update=_refuse(_TRAIL), delete=_refuse(_TRAIL))
register_writes(
    Objection,
    create=_refuse("异议请在推荐的“审核/审批/处理”页面提出。"),
    update=_refuse("异议请在推荐的“审核/审批/处理”页面处理。"),
    delete=_refuse("公示异议不能删除。"),
)
