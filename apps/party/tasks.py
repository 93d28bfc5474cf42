from celery import shared_task

from .services import temporary_branches_close_expired, temporary_branches_remind_ending


@shared_task(acks_late=True)
def close_expired_temporary_branches() -> int:
    return temporary_branches_close_expired()


@shared_task(acks_late=True)
def remind_temporary_branches_ending() -> int:
    """Idempotent: one notice per branch, end date and recipient."""
    return temporary_branches_remind_ending()


@shared_task(acks_late=True)
def remind_probationary_conversions() -> int:
    """Idempotent: one notice per person, probation end and recipient."""
    from .services import probationary_conversions_remind

    return probationary_conversions_remind()
