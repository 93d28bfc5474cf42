from celery import shared_task
from django.conf import settings

from . import services


@shared_task(acks_late=True)
def close_public_notices() -> int:
    return services.notices_close()


@shared_task(acks_late=True)
def escalate_waiting_nominations() -> int:
    return services.escalate_waiting(days=getattr(settings, "NOMINATION_ESCALATION_DAYS", 7))


@shared_task(acks_late=True)
def remind_waiting_nominations() -> int:
    """One "nominations waiting" reminder per approver per day (idempotent)."""
    return services.remind_waiting()
