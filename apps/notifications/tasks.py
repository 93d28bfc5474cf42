from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def email_notification(notification_id: int) -> bool:
    """The e-mail copy of one notice; idempotent (the notice is stamped when sent)."""
    from .services import notification_email

    return notification_email(notification_id=notification_id)


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def email_notifications(notification_ids: list[int]) -> int:
    """The e-mail copies of a batch of notices (one task for a sweep's worth, not one per
    recipient); a retry or a redelivery skips those already stamped as sent."""
    from .services import notification_email

    return sum(notification_email(notification_id=pk) for pk in notification_ids)
