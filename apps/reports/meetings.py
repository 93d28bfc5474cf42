"""Writes on meetings (三会一课, 三微, 必议): a meeting and its attendance list in one service."""

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.core.writes import record_create, record_update, register_writes

from .models import Attendance, Meeting


def _attendance_rows(meeting, attendances) -> list[Attendance]:
    people = [a["person"].pk for a in attendances]
    if len(people) != len(set(people)):
        raise ValidationError({"attendances": "同一人员在参会名单中出现了多次。"})
    return [Attendance(meeting=meeting, **a) for a in attendances]


def meeting_create(*, instance: Meeting, actor, m2m=None, related=None) -> Meeting:
    """Record a meeting with its attendance list; the actor must be allowed to add it there."""
    related = dict(related or {})
    attendances = related.pop("attendances", [])
    with transaction.atomic():
        meeting = record_create(instance=instance, actor=actor, m2m=m2m, related=related)
        Attendance.objects.bulk_create(_attendance_rows(meeting, attendances))
    return meeting


def meeting_update(*, instance: Meeting, actor, m2m=None, related=None) -> Meeting:
    """Change a meeting; an attendance list, when given, replaces the old one."""
    related = dict(related or {})
    attendances = related.pop("attendances", None)
    with transaction.atomic():
        meeting = record_update(instance=instance, actor=actor, m2m=m2m, related=related)
        if attendances is not None:
            rows = _attendance_rows(meeting, attendances)
            meeting.attendances.all().delete()
            Attendance.objects.bulk_create(rows)
    return meeting


register_writes(Meeting, create=meeting_create, update=meeting_update)
