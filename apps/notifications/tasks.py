from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=5)
def email_notification(notification_id: int) -> bool:
    """The e-mail copy of one notice; idempotent (the notice is stamped when sent)."""
    from .services import notification_email

    return notification_email(notification_id=notification_id)
