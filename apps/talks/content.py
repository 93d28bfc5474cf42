"""Who may read talk content, and the log of every read.

Readers: the talker, holders of ``talks.view_talk_content`` on the record's unit or an
ancestor (the committee: the ``talk.read_content`` authority), readers the record is shared
with while the share is in force (``TalkShare``), and superusers — whose reads are logged
like anyone's. Nobody else: not unit administrators, not viewers, not HQ administrators
without the permission.

The warning flag (``has_warning_signs``) is derived from the content, so it follows the
content: shown only where the content is readable (``warning_flag``).
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField, Case, F, Q, Value, When

from apps.access.authority import may
from apps.core.scoping import granted_paths, permitted_condition

from .models import CONTENT_FIELDS, TalkContentAccess, TalkRecord, shared_record_pks

logger = logging.getLogger("orgportal.talks")
UNREADABLE = "（内容无法解密：加密密钥配置有误，请联系系统管理员）"


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def shared_with(user) -> list[int]:
    """Ids of the records shared with ``user`` in force today (read once per request)."""
    return shared_record_pks(user)


def readable_condition(user) -> Q | bool:
    """The readers' rule as a condition on a record's own row (``True``: every row)."""
    if not _active(user):
        return False
    condition = permitted_condition(TalkRecord, user, "talks.view_talk_content")
    if condition is True:
        return True
    shared = shared_with(user)
    own = Q(talker_id=user.pk) | Q(pk__in=shared) if shared else Q(talker_id=user.pk)
    return own if condition is False else own | condition


def readable_records(user):
    """Records whose content ``user`` may read (a lazy queryset: usable as a subquery)."""
    condition = readable_condition(user)
    if condition is False:
        return TalkRecord.objects.none()
    return TalkRecord.objects.all() if condition is True else TalkRecord.objects.filter(condition)


def with_content_readable(queryset, user):
    """Annotate ``content_readable`` on each record in the same SQL statement."""
    condition = readable_condition(user)
    if condition is True or condition is False:
        return queryset.annotate(content_readable=Value(condition, output_field=BooleanField()))
    return queryset.annotate(
        content_readable=Case(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )
    )


def with_warning_flag(queryset, user, *, within_view_scope: bool = False):
    """``content_readable`` and ``warning_flag`` on each record, in the same SQL statement:
    the flag is ``has_warning_signs`` where the content is readable and NULL elsewhere, so a
    row read with ``.values()`` never carries the flag to someone not entitled to it.

    ``within_view_scope``: ``queryset`` holds only records ``user`` may view (the API list).
    When the user's content grants cover every unit their view grants do (a committee
    member's usual grants), every such record is readable: the flag is the column itself,
    and the statement carries no per-row readability test (it doubled the page's planning)."""
    condition = readable_condition(user)
    if not isinstance(condition, bool) and within_view_scope and _content_covers_view_scope(user):
        condition = True
    if condition is True:
        readable, flag = Value(True, output_field=BooleanField()), F("has_warning_signs")
    elif condition is False:
        readable = Value(False, output_field=BooleanField())
        flag = Value(None, output_field=BooleanField())
    else:
        readable = Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())
        flag = Case(When(condition, then=F("has_warning_signs")), default=None, output_field=BooleanField())
    return queryset.annotate(content_readable=readable, warning_flag=flag)


def _content_covers_view_scope(user) -> bool:
    """Every unit where ``user`` may view records lies under one where they may read content."""
    if not _active(user):
        return False
    view = granted_paths(user, "talks", "view_talkrecord")
    content = granted_paths(user, "talks", "view_talk_content")
    return bool(view) and all(any(path.startswith(reader) for reader in content) for path in view)


def is_committee(user, record: TalkRecord) -> bool:
    """Holds the content-reading authority on the record's unit or an ancestor (or superuser)."""
    return may(user, "talk.read_content", record.unit)


def can_read_content(user, record: TalkRecord) -> bool:
    if not _active(user):
        return False
    if getattr(record, "content_readable", None) is not None:
        return record.content_readable
    if record.talker_id == user.pk or is_committee(user, record):
        return True
    return record.pk in shared_with(user)


def warning_flag(user, record: TalkRecord) -> bool | None:
    """``has_warning_signs`` for its content readers; ``None`` (not shown) for everyone else."""
    return record.has_warning_signs if can_read_content(user, record) else None


def log_reads(user, records, channel: str) -> None:
    """One access-log row per record whose content was sent to ``user``."""
    TalkContentAccess.objects.bulk_create(
        [
            TalkContentAccess(
                record_id=r.pk, record_number=r.pk, unit_id=r.unit_id, user=user, channel=channel
            )
            for r in records
        ]
    )


def log_event(*, user, record: TalkRecord, event: str, channel: str, reader=None, note: str = "") -> None:
    """One access-log row for a share, a revocation, a voiding or a deletion."""
    TalkContentAccess.objects.create(
        record=record if event != TalkContentAccess.Event.DELETE else None,
        record_number=record.pk,
        unit_id=record.unit_id,
        user=user,
        event=event,
        channel=channel,
        reader=reader,
        note=note[:500],
    )


def read_content(user, record: TalkRecord, channel: str) -> dict | None:
    """Decrypted content, logged; ``None`` if the user may not read it."""
    if not can_read_content(user, record):
        return None
    log_reads(user, [record], channel)
    try:
        return record.decrypted_content()
    except ImproperlyConfigured:
        # Wrong FIELD_ENCRYPTION_KEYS: /healthz says 503 and the start refuses it; a page
        # already serving says why instead of failing with a 500 on every read.
        logger.error("talk record %s: content does not decrypt with FIELD_ENCRYPTION_KEYS", record.pk)
        return {name: UNREADABLE for name in CONTENT_FIELDS}
