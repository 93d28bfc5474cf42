"""Who may read talk content, and the log of every read.

Readers: the talker, holders of ``talks.view_talk_content`` on the record's unit or an
ancestor, and users granted that permission on the single record (guardian). Nobody else —
not unit administrators, not viewers, not HQ administrators without the permission.
"""

from django.db.models import BooleanField, Case, Q, Value, When

from apps.core.scoping import permitted_condition

from .models import TalkContentAccess, TalkRecord


def readable_records(user):
    """Records whose content ``user`` may read (a lazy queryset: usable as a subquery)."""
    if not (user and user.is_authenticated and user.is_active):
        return TalkRecord.objects.none()
    return TalkRecord.objects.filter(
        Q(talker_id=user.pk)
        | Q(pk__in=TalkRecord.objects.visible_to(user, "talks.view_talk_content").values("pk"))
    )


def with_content_readable(queryset, user):
    """Annotate ``content_readable`` on each record in the same SQL statement (a condition on
    the record's own row: talker, unit in a granted subtree, or shared with the user)."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.annotate(content_readable=Value(False, output_field=BooleanField()))
    condition = permitted_condition(TalkRecord, user, "talks.view_talk_content")
    if condition is True:
        return queryset.annotate(content_readable=Value(True, output_field=BooleanField()))
    condition = Q(talker_id=user.pk) | condition if condition is not False else Q(talker_id=user.pk)
    return queryset.annotate(
        content_readable=Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def can_read_content(user, record: TalkRecord) -> bool:
    if getattr(record, "content_readable", None) is not None:
        return record.content_readable
    if record.talker_id == user.pk:
        return True
    return user.has_perm("talks.view_talk_content", record)


def log_reads(user, records, channel: str) -> None:
    """One access-log row per record whose content was sent to ``user``."""
    TalkContentAccess.objects.bulk_create(
        [TalkContentAccess(record_id=r.pk, user=user, channel=channel) for r in records]
    )


def read_content(user, record: TalkRecord, channel: str) -> dict | None:
    """Decrypted content and follow-up texts, logged; ``None`` if the user may not read it."""
    if not can_read_content(user, record):
        return None
    log_reads(user, [record], channel)
    return record.decrypted_content()
