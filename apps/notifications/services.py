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
    resort when no unit up to the root has a holder. Three queries whatever the depth (the
    unit's current path, the holders on its chain, the users).
    """
    from apps.units.models import Unit

    path = Unit.objects.filter(pk=unit.pk).values_list("path", flat=True).first() or unit.path
    return _chain_holders({unit.pk: path}, permission)[unit.pk]


def recipients_up_the_chain_for(*, units, permission: str) -> dict[int, list]:
    """``recipients_up_the_chain`` for many units at once: ``{unit pk: users}``, each unit's
    list ordered by user id. The units' ``path`` is taken as given (units just read by the
    caller). At most three queries whatever the number of units and their depth."""
    return _chain_holders({unit.pk: unit.path for unit in units}, permission)


def _chain_holders(paths: dict[int, str], permission: str) -> dict[int, list]:
    """The holders on every unit's chain in one statement, the nearest picked per unit here."""
    from apps.access.models import UnitPermission
    from apps.core.scoping import ancestor_paths

    if not paths:
        return {}
    app_label, codename = permission.split(".", 1)
    chains = {pk: ancestor_paths(path) for pk, path in paths.items()}
    rows = UnitPermission.objects.filter(
        permission__codename=codename,
        permission__content_type__app_label=app_label,
        content_object__path__in={p for chain in chains.values() for p in chain},
        user__is_active=True,
    ).values_list("content_object__path", "user_id")
    by_path: dict[str, set[int]] = {}
    for unit_path, user_id in rows:
        by_path.setdefault(unit_path, set()).add(user_id)
    nearest: dict[int, list[int]] = {}
    for pk, chain in chains.items():
        holders = next((by_path[p] for p in reversed(chain) if p in by_path), None)
        nearest[pk] = sorted(holders) if holders else []
    User = get_user_model()
    wanted = {user_id for ids in nearest.values() for user_id in ids}
    users = User.objects.in_bulk(wanted) if wanted else {}
    superusers = None
    result = {}
    for pk, ids in nearest.items():
        if ids:
            result[pk] = [users[user_id] for user_id in ids if user_id in users]
            continue
        if superusers is None:
            superusers = list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))
        result[pk] = superusers
    return result


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


def notifications_send(*, notices) -> int:
    """Send many notices at once, as ``notification_send`` does one by one: ``notices`` are
    unsaved ``Notification`` rows (recipient, title, body, link, category, dedupe_key). A notice
    whose key was already sent (or that repeats one in ``notices``) is skipped; the rest are
    written at once (one insert for the keyed, one for the unkeyed), and their e-mail copies,
    for the recipients who want one, leave after the commit in one task. Returns how many
    were new.

    A fixed number of queries whatever the number of notices: the keys already sent, the
    insert, the recipients' preferences and, when someone wants e-mail, the new rows' ids.
    """
    keyed: dict[str, Notification] = {}
    unkeyed: list[Notification] = []
    for notice in notices:
        notice.title = notice.title[:200]
        if notice.dedupe_key is None:
            unkeyed.append(notice)
        else:
            notice.dedupe_key = f"{notice.recipient_id}:{notice.dedupe_key}"[:200]
            keyed.setdefault(notice.dedupe_key, notice)
    if keyed:
        sent = set(Notification.objects.filter(dedupe_key__in=keyed).values_list("dedupe_key", flat=True))
        keyed = {key: notice for key, notice in keyed.items() if key not in sent}
    if not keyed and not unkeyed:
        return 0
    with transaction.atomic():
        # a concurrent run may have sent some of these since the read: the unique key keeps
        # each once (and the e-mail task stamps what it sends, so nobody is mailed twice)
        Notification.objects.bulk_create(keyed.values(), ignore_conflicts=True)
        Notification.objects.bulk_create(unkeyed)
        mailed = _wanting_email([*keyed.values(), *unkeyed])
        ids = [n.pk for n in mailed if n.dedupe_key is None]
        mailed_keys = [n.dedupe_key for n in mailed if n.dedupe_key is not None]
        if mailed_keys:  # ignore_conflicts leaves the new rows without their ids
            ids += Notification.objects.filter(
                dedupe_key__in=mailed_keys, emailed_at__isnull=True
            ).values_list("pk", flat=True)
        if ids:
            from .tasks import email_notifications

            transaction.on_commit(lambda: send_or_log(email_notifications, args=[sorted(ids)]))
    return len(keyed) + len(unkeyed)


def _wanting_email(notices) -> list[Notification]:
    """The notices whose recipient wants an e-mail copy: one read of their preferences."""
    with_address = [n for n in notices if getattr(n.recipient, "email", "")]
    preferences = (
        {
            p.user_id: p
            for p in NotificationPreference.objects.filter(user_id__in={n.recipient_id for n in with_address})
        }
        if with_address
        else {}
    )
    default = NotificationPreference().email
    return [
        n
        for n in with_address
        if (preferences[n.recipient_id].wants_email(n.category) if n.recipient_id in preferences else default)
    ]


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
