"""Sending notices: in-app always, e-mail beside it as each user chooses; finding who to tell.

E-mail goes through ``apps.notifications.mail`` (console backend unless SMTP is configured in
the environment) from a Celery task enqueued on commit, so a rolled-back write sends nothing
and a slow mail server never holds a request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.core.jobs import send_or_log

from .models import Notification, NotificationPreference


def recipients_up_the_chain(*, unit, permission: str) -> list:
    """The users who hold ``permission`` ("app.codename") through a grant on ``unit`` or, if
    nobody there does, on the nearest ancestor where somebody does: a notice about a station
    under a battalion without an administrator climbs to the detachment's.

    Only active users; superusers are not on the chain (they hold everything) and are the last
    resort when no unit up to the root has a holder. Two queries whatever the depth.
    """
    from apps.access.models import UnitPermission
    from apps.core.scoping import ancestor_paths
    from apps.units.models import Unit

    app_label, codename = permission.split(".", 1)
    path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first() or unit.path
    rows = UnitPermission.objects.filter(
        permission__codename=codename,
        permission__content_type__app_label=app_label,
        content_object__path__in=ancestor_paths(path),
        user__is_active=True,
    ).values_list("content_object__path", "user_id")
    by_path: dict[str, set[int]] = {}
    for unit_path, user_id in rows:
        by_path.setdefault(unit_path, set()).add(user_id)
    User = get_user_model()
    if by_path:
        nearest = max(by_path, key=len)
        return list(User.objects.filter(pk__in=by_path[nearest]).order_by("pk"))
    return list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))


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

    Returns the new notice, or ``None`` when it had already been sent. The e-mail copy (if the
    recipient wants one) leaves after the commit.
    """
    if dedupe_key is not None:
        dedupe_key = f"{recipient.pk}:{dedupe_key}"[:200]
        if Notification.objects.filter(dedupe_key=dedupe_key).exists():
            return None
    try:
        with transaction.atomic():
            notice = Notification.objects.create(
                recipient=recipient,
                title=title[:200],
                body=body,
                link=link,
                category=category,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        return None  # a concurrent run sent it first
    if _wants_email(recipient, category):
        from .tasks import email_notification

        transaction.on_commit(lambda: send_or_log(email_notification, args=[notice.pk]))
    return notice


def _wants_email(user, category: str) -> bool:
    if not getattr(user, "email", ""):
        return False
    preference = NotificationPreference.objects.filter(user_id=user.pk).first()
    return preference.wants_email(category) if preference else NotificationPreference().email


def notification_email(*, notification_id: int) -> bool:
    """Send the e-mail copy of a notice once: the row is locked and stamped, so a task run twice
    (or redelivered) sends one e-mail."""
    from .mail import send

    with transaction.atomic():
        notice = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notice is None or not _wants_email(notice.recipient, notice.category):
            return False
        send(to=notice.recipient.email, subject=notice.title, body=_email_body(notice))
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True


def _email_body(notice: Notification) -> str:
    lines = [notice.body] if notice.body else []
    if notice.link:
        lines.append(f"详情：{notice.link}")
    lines.append("（本邮件由党建工作平台发出；可在“通知偏好”中关闭邮件提醒。）")
    return "\n\n".join(lines)


def notification_mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def preference_of(*, user) -> NotificationPreference:
    """The user's preference, or the defaults (unsaved) when they never chose."""
    return NotificationPreference.objects.filter(user_id=user.pk).first() or NotificationPreference(user=user)


def preference_update(
    *, user, actor, email: bool | None = None, email_categories=None
) -> NotificationPreference:
    """A user sets how they are told; nobody sets it for someone else."""
    from django.core.exceptions import PermissionDenied

    if actor.pk != user.pk:
        raise PermissionDenied("只能修改本人的通知偏好。")
    if email_categories is not None:
        if not isinstance(email_categories, list) or not all(isinstance(c, str) for c in email_categories):
            raise ValidationError({"email_categories": "请填写通知类别的列表。"})
        email_categories = sorted({c.strip() for c in email_categories if c.strip()})
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
        if email is not None:
            preference.email = bool(email)
        if email_categories is not None:
            preference.email_categories = email_categories
        preference.save()
    return preference
