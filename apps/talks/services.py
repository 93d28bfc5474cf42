"""Writes on talk records and follow-ups."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from apps.people.services import person_unit_on

from .models import CONTENT_FIELDS, FollowUp, TalkRecord


@transaction.atomic
def talk_record(
    *, person, talker, date: datetime.date, kind: str, place: str = "", actor=None, followups=(), **content
) -> TalkRecord:
    """Record a talk; its unit is the person's unit on the talk date. Content is encrypted."""
    if date > timezone.localdate():
        raise ValidationError({"date": "谈话日期不能晚于今天。"})
    unit = person_unit_on(person=person, on=date) or person.unit
    record = TalkRecord(unit=unit, person=person, talker=talker, date=date, kind=kind, place=place)
    record.set_content(**{k: v for k, v in content.items() if k in CONTENT_FIELDS})
    record.full_clean(exclude=["talker"])
    actor = actor or talker
    if not actor.has_perm("talks.add_talkrecord", record):
        raise PermissionDenied("您无权为该单位人员登记谈话。")
    record.save()
    for item in followups:
        followup_add(record=record, actor=actor, **item)
    return record


@transaction.atomic
def followup_add(
    *, record: TalkRecord, owner, due_date: datetime.date, description: str = "", actor
) -> FollowUp:
    if due_date < record.date:
        raise ValidationError({"due_date": "跟进期限不能早于谈话日期。"})
    followup = FollowUp(record=record, owner=owner, due_date=due_date)
    followup.set_text(description=description)
    followup.save()
    return followup


@transaction.atomic
def followup_complete(
    *, followup: FollowUp, actor, outcome: str = "", on: datetime.date | None = None
) -> FollowUp:
    """Mark a follow-up done: only its owner or the talker who set it."""
    followup = FollowUp.objects.select_for_update().select_related("record").get(pk=followup.pk)
    if actor.pk not in (followup.owner_id, followup.record.talker_id):
        raise PermissionDenied("只有责任人或谈话人可以办结跟进事项。")
    if followup.status != FollowUp.Status.OPEN:
        raise ValidationError({"status": "该跟进事项已办结或取消。"})
    followup.status = FollowUp.Status.DONE
    followup.completed_on = on or timezone.localdate()
    followup.set_text(outcome=outcome)
    followup.save()
    return followup


@transaction.atomic
def talk_share(*, record: TalkRecord, reader, actor) -> None:
    """Let one more reader see this record's content (a guardian per-record grant)."""
    from guardian.shortcuts import assign_perm

    from .content import can_read_content

    if not can_read_content(actor, record):
        raise PermissionDenied("只有能查阅该谈话内容的人员可以共享。")
    assign_perm("talks.view_talk_content", reader, record)
    assign_perm("talks.view_talkrecord", reader, record)
