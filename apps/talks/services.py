"""Writes on talk records, follow-ups and shares: the only write path (API, admin, workbench,
tasks). Each service checks authority on the target unit before it writes, in one
transaction, locking the row where two people can race; every share, revocation, voiding
and deletion is written to the access log (``TalkContentAccess``)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.access.authority import authorize, may
from apps.core.request_cache import forget
from apps.core.writes import register_writes
from apps.people.services import person_unit_on
from apps.units.models import Unit, UnitKind

from .content import is_committee, log_event
from .models import (
    CONTENT_FIELDS,
    SHARES_CACHE,
    CoverageSnapshot,
    FollowUp,
    TalkContentAccess,
    TalkRecord,
    TalkShare,
)

Event = TalkContentAccess.Event


# ---------------------------------------------------------------- talk records


def _content_of(values: dict) -> dict:
    return {k: v for k, v in values.items() if k in CONTENT_FIELDS}


def _record_new(record: TalkRecord, *, actor, content: dict, followups=()) -> TalkRecord:
    """Save an unsaved record: its unit is the person's unit on the talk date; the actor
    must hold the talk-recording authority there (checked before anything is written)."""
    if record.date is None:
        raise ValidationError({"date": "请填写谈话日期。"})
    if record.date > timezone.localdate():
        raise ValidationError({"date": "谈话日期不能晚于今天。"})
    if record.person_id is None:
        raise ValidationError({"person": "请选择谈话对象。"})
    record.unit = person_unit_on(person=record.person, on=record.date) or record.person.unit
    authorize(actor, "talk.record", record.unit)
    if record.talker_id is None:
        record.talker = actor
    record.set_content(**{name: content.get(name, "") for name in CONTENT_FIELDS})
    record.full_clean(exclude=["talker", "voided_by"])
    record._history_user = actor
    record.save()
    for item in followups:
        followup_add(record=record, actor=actor, **item)
    return record


@transaction.atomic
def talk_record(
    *, person, talker, date: datetime.date, kind: str, place: str = "", actor=None, followups=(), **content
) -> TalkRecord:
    """Record a talk; its unit is the person's unit on the talk date. Content is encrypted."""
    record = TalkRecord(person=person, talker=talker, date=date, kind=kind, place=place)
    return _record_new(record, actor=actor or talker, content=_content_of(content), followups=followups)


def talk_record_create(*, instance: TalkRecord, actor, m2m=None, related=None) -> TalkRecord:
    """The admin's and the base viewset's create: the actor is the talker."""
    related = dict(related or {})
    content = _content_of(related.pop("content", {}))
    followups = related.pop("followups", ())
    if related:
        raise ValidationError({"__all__": f"不支持的字段：{', '.join(sorted(related))}"})
    instance.talker = actor
    with transaction.atomic():
        return _record_new(instance, actor=actor, content=content, followups=followups)


def may_edit(actor, record: TalkRecord) -> bool:
    """The talker or the committee (content readers by authority; a share is read-only)."""
    return actor.is_active and (record.talker_id == actor.pk or is_committee(actor, record))


def talk_record_update(*, instance: TalkRecord, actor, m2m=None, related=None) -> TalkRecord:
    """Correct a record's kind and place (and its content, for those who may read it).

    Person, date and unit stay: the unit at that date was recorded. A voided record is
    not edited any more."""
    related = dict(related or {})
    content = related.pop("content", None)
    if related:
        raise ValidationError({"__all__": f"不支持的字段：{', '.join(sorted(related))}"})
    with transaction.atomic():
        stored = TalkRecord._base_manager.select_for_update().select_related("unit").get(pk=instance.pk)
        if not may_edit(actor, stored):
            raise PermissionDenied("只有谈话人或有权查阅谈话内容的人员可以修改谈话记录。")
        if stored.is_voided:
            raise ValidationError({"__all__": "该谈话记录已作废，不能修改。"})
        for name in ("person_id", "date", "unit_id", "talker_id"):
            if getattr(instance, name) != getattr(stored, name):
                raise ValidationError({name.removesuffix("_id"): "谈话对象、日期、单位和谈话人不能修改。"})
        stored.kind, stored.place = instance.kind, instance.place
        stored.full_clean(exclude=["talker", "voided_by"])
        if content is not None:
            stored.set_content(**_content_of(content))
        stored._history_user = actor
        stored.save()
    for name in ("kind", "place", "has_warning_signs", *(f"{n}_enc" for n in CONTENT_FIELDS)):
        setattr(instance, name, getattr(stored, name))
    return instance


def talk_record_edit(*, record: TalkRecord, actor, **values) -> TalkRecord:
    """Change named fields of a record (the API's PATCH) through ``talk_record_update``."""
    content = _content_of(values)
    for name in ("kind", "place"):
        if name in values:
            setattr(record, name, values[name])
    return talk_record_update(instance=record, actor=actor, related={"content": content} if content else None)


def talk_record_void(*, record: TalkRecord, actor, reason: str, channel: str = "api") -> TalkRecord:
    """Void (作废) a record: its talker or the committee, with a reason. The record stays,
    marked, out of the coverage figures, its open follow-ups cancelled; the access log says
    who voided it and why."""
    reason = (reason or "").strip()
    with transaction.atomic():
        record = TalkRecord._base_manager.select_for_update().select_related("unit").get(pk=record.pk)
        if not may_edit(actor, record):
            raise PermissionDenied("只有谈话人或党委（有权查阅谈话内容的人员）可以作废谈话记录。")
        if not reason:
            raise ValidationError({"reason": "请填写作废原因。"})
        if record.is_voided:
            raise ValidationError({"reason": "该谈话记录已作废。"})
        record.voided_at, record.voided_by, record.void_reason = timezone.now(), actor, reason[:500]
        record._history_user = actor
        record.save(update_fields=["voided_at", "voided_by", "void_reason"])
        for followup in record.followups.select_for_update().filter(status=FollowUp.Status.OPEN):
            followup.status = FollowUp.Status.CANCELLED
            followup._history_user = actor
            followup.save(update_fields=["status"])
        log_event(user=actor, record=record, event=Event.VOID, channel=channel, note=reason)
    return record


def talk_record_delete(*, instance: TalkRecord, actor, channel: str = "admin") -> None:
    """Hard delete: superusers only (authority ``talk.delete``). The access log keeps its
    rows (the record's id and unit are on each row) and gains one saying who deleted it."""
    with transaction.atomic():
        record = TalkRecord._base_manager.select_for_update().select_related("unit").get(pk=instance.pk)
        authorize(actor, "talk.delete", record.unit)
        log_event(user=actor, record=record, event=Event.DELETE, channel=channel, note=str(record))
        record._history_user = actor
        record.delete()


# ---------------------------------------------------------------- follow-ups


@transaction.atomic
def followup_add(
    *, record: TalkRecord, owner, due_date: datetime.date, description: str = "", actor
) -> FollowUp:
    followup = FollowUp(record=record, owner=owner, due_date=due_date)
    followup.set_text(description=description)
    return _followup_new(followup, actor=actor)


def _followup_new(followup: FollowUp, *, actor) -> FollowUp:
    record = followup.record
    if not may_edit(actor, record):
        raise PermissionDenied("只有谈话人或有权查阅谈话内容的人员可以设置跟进事项。")
    if record.is_voided:
        raise ValidationError({"record": "该谈话记录已作废。"})
    if followup.due_date is None or followup.due_date < record.date:
        raise ValidationError({"due_date": "跟进期限不能早于谈话日期。"})
    if followup.owner_id is None or not followup.owner.is_active:
        raise ValidationError({"owner": "请选择在职的责任人。"})
    followup.status, followup.completed_on = FollowUp.Status.OPEN, None
    followup._history_user = actor
    followup.save()
    return followup


def followup_create(*, instance: FollowUp, actor, m2m=None, related=None) -> FollowUp:
    """The admin inline's create."""
    with transaction.atomic():
        return _followup_new(instance, actor=actor)


def followup_update(*, instance: FollowUp, actor, m2m=None, related=None) -> FollowUp:
    """The admin's change: owner and due date by the talker or the committee; a status
    change goes by the same rules as everywhere (completing: ``followup_complete``)."""
    with transaction.atomic():
        stored = FollowUp._base_manager.select_for_update().select_related("record__unit").get(pk=instance.pk)
        if instance.status != stored.status:
            if instance.status == FollowUp.Status.DONE:
                return _complete(stored, actor=actor, on=instance.completed_on, outcome=None, into=instance)
            if instance.status == FollowUp.Status.CANCELLED:
                return _cancel(stored, actor=actor, into=instance)
            raise ValidationError({"status": "已办结或取消的跟进事项不能重新打开。"})
        if (instance.owner_id, instance.due_date) != (stored.owner_id, stored.due_date):
            if not may_edit(actor, stored.record):
                raise PermissionDenied("只有谈话人或有权查阅谈话内容的人员可以修改跟进事项。")
            if stored.status != FollowUp.Status.OPEN:
                raise ValidationError({"status": "该跟进事项已办结或取消。"})
            if instance.due_date is None or instance.due_date < stored.record.date:
                raise ValidationError({"due_date": "跟进期限不能早于谈话日期。"})
            stored.owner_id, stored.due_date = instance.owner_id, instance.due_date
            stored._history_user = actor
            stored.save(update_fields=["owner", "due_date"])
        if instance.completed_on != stored.completed_on:
            raise ValidationError({"completed_on": "落实日期随办结记录，不能单独修改。"})
    return instance


def followup_delete(*, instance: FollowUp, actor) -> None:
    """Follow-ups are part of the confidential record: cancelled, not deleted (superusers may)."""
    with transaction.atomic():
        stored = FollowUp._base_manager.select_for_update().select_related("record__unit").get(pk=instance.pk)
        authorize(actor, "talk.delete", stored.record.unit)
        stored._history_user = actor
        stored.delete()


def _complete(followup: FollowUp, *, actor, on, outcome, into=None) -> FollowUp:
    if actor.pk not in (followup.owner_id, followup.record.talker_id):
        raise PermissionDenied("只有责任人或谈话人可以办结跟进事项。")
    if followup.status != FollowUp.Status.OPEN:
        raise ValidationError({"status": "该跟进事项已办结或取消。"})
    followup.status = FollowUp.Status.DONE
    followup.completed_on = on or timezone.localdate()
    if outcome is not None:
        followup.set_text(outcome=outcome)
    followup._history_user = actor
    followup.save()
    if into is not None:
        into.status, into.completed_on = followup.status, followup.completed_on
    return followup


def _cancel(followup: FollowUp, *, actor, into=None) -> FollowUp:
    if not may_edit(actor, followup.record):
        raise PermissionDenied("只有谈话人或有权查阅谈话内容的人员可以取消跟进事项。")
    if followup.status != FollowUp.Status.OPEN:
        raise ValidationError({"status": "该跟进事项已办结或取消。"})
    followup.status = FollowUp.Status.CANCELLED
    followup._history_user = actor
    followup.save(update_fields=["status"])
    if into is not None:
        into.status = followup.status
    return followup


@transaction.atomic
def followup_complete(
    *, followup: FollowUp, actor, outcome: str = "", on: datetime.date | None = None
) -> FollowUp:
    """Mark a follow-up done: only its owner or the talker who set it."""
    followup = FollowUp._base_manager.select_for_update().select_related("record").get(pk=followup.pk)
    return _complete(followup, actor=actor, on=on, outcome=outcome)


# ---------------------------------------------------------------- sharing


def corps_of(unit: Unit) -> Unit:
    """The corps (总队) a unit lies in: its ancestor (or itself) of kind corps; a unit above
    the corps level (the bureau) is its own boundary."""
    if unit.kind == UnitKind.CORPS:
        return unit
    return unit.get_ancestors().filter(kind=UnitKind.CORPS).first() or unit


def _inside(user, corps: Unit) -> bool:
    """Whether ``user`` holds a grant on a unit inside ``corps``."""
    from apps.access.models import Grant

    return Grant.objects.filter(user=user, unit__path__startswith=corps.path).exists()


def may_share_wider(actor, record: TalkRecord) -> bool:
    """HQ: the sharing authority held above the record's corps (or a superuser)."""
    parent = corps_of(record.unit).get_parent()
    return actor.is_superuser or (parent is not None and may(actor, "talk.share", parent))


def talk_share(
    *,
    record: TalkRecord,
    reader,
    actor,
    reason: str,
    ends_on: datetime.date | None = None,
    channel: str = "api",
) -> TalkShare:
    """Share one record with one more reader, with a reason and an optional end date.

    The committee shares (authority ``talk.share`` on the record's unit), with readers who
    hold a grant inside the record's corps; HQ (the authority above the corps) and
    superusers may share wider. Logged."""
    reason = (reason or "").strip()
    with transaction.atomic():
        record = TalkRecord._base_manager.select_for_update().select_related("unit").get(pk=record.pk)
        authorize(actor, "talk.share", record.unit)
        if not reason:
            raise ValidationError({"reason": "请填写共享原因。"})
        if ends_on is not None and ends_on < timezone.localdate():
            raise ValidationError({"ends_on": "截止日期不能早于今天。"})
        if record.is_voided:
            raise ValidationError({"reader": "该谈话记录已作废，不能共享。"})
        if reader is None or not reader.is_active:
            raise ValidationError({"reader": "共享对象不存在或已停用。"})
        if TalkShare.objects.in_force().filter(record=record, reader=reader).exists():
            raise ValidationError({"reader": "已共享给该人员；如需改变截止日期，请先撤销。"})
        if reader.pk == record.talker_id or is_committee(reader, record):
            raise ValidationError({"reader": "该人员已可查阅此谈话内容。"})
        outside = not _inside(reader, corps_of(record.unit))
        if outside and not may_share_wider(actor, record):
            raise ValidationError({"reader": "只能共享给本总队内的人员。"})
        share = TalkShare(
            record=record,
            reader=reader,
            shared_by=actor,
            reason=reason[:500],
            ends_on=ends_on,
            outside_corps=outside,
        )
        share._history_user = actor
        share.save()
        note = f"{reason}（截止 {ends_on}）" if ends_on else reason
        if outside:
            note = f"跨总队：{note}"
        log_event(user=actor, record=record, event=Event.SHARE, channel=channel, reader=reader, note=note)
    forget(SHARES_CACHE)
    return share


def may_revoke(actor, share: TalkShare) -> bool:
    return actor.is_active and (
        actor.is_superuser or actor.pk == share.shared_by_id or may(actor, "talk.share", share.record.unit)
    )


def talk_share_revoke(*, share: TalkShare, actor, reason: str = "", channel: str = "api") -> TalkShare:
    """End a share now: its sharer, the committee or a superuser. Logged."""
    with transaction.atomic():
        share = TalkShare.objects.select_for_update().select_related("record__unit").get(pk=share.pk)
        if not may_revoke(actor, share):
            raise PermissionDenied("只有共享人或党委（有权共享该谈话记录的人员）可以撤销共享。")
        if share.revoked_at is not None:
            raise ValidationError({"share": "该共享已撤销。"})
        share.revoked_at, share.revoked_by, share.revoke_reason = (
            timezone.now(),
            actor,
            (reason or "").strip()[:500],
        )
        share._history_user = actor
        share.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        log_event(
            user=actor,
            record=share.record,
            event=Event.REVOKE,
            channel=channel,
            reader=share.reader,
            note=share.revoke_reason,
        )
    forget(SHARES_CACHE)
    return share


def user_named(username: str):
    """The active account with this login name, or ``None``."""
    return get_user_model().objects.filter(username=username, is_active=True).first()


# ---------------------------------------------------------------- nightly figures


def coverage_snapshots_write(snapshots: list[CoverageSnapshot]) -> list[CoverageSnapshot]:
    """Upsert per-unit coverage figures (a rerun rewrites the same rows)."""
    with transaction.atomic():
        CoverageSnapshot.objects.bulk_create(
            snapshots,
            update_conflicts=True,
            unique_fields=["unit", "period_start"],
            update_fields=["period_end", "people", "covered", "overdue_followups", "computed_at"],
        )
    return snapshots


register_writes(TalkRecord, create=talk_record_create, update=talk_record_update, delete=talk_record_delete)
register_writes(FollowUp, create=followup_create, update=followup_update, delete=followup_delete)
