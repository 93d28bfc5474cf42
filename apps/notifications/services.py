"""Sending in-app notices."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification


def notification_send(
    *,
    recipient,
    title: str,
    body: str = "",
    link: str = "",
    category: str = "",
    dedupe_key: str | None = None,
) -> Notification | None:
    """Send one notice; with a ``dedupe_key`` a second call with the same key sends nothing.

    Returns the new notice, or ``None`` when it had already been sent.
    """
    if dedupe_key is not None:
        dedupe_key = f"{recipient.pk}:{dedupe_key}"[:200]
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
    try:
        with transaction.atomic():
            return Notification.objects.create(
                recipient=recipient,
                title=title[:200],
                body=body,
                link=link,
                category=category,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None  # a concurrent run sent it first


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
