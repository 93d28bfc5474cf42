from celery import shared_task

from .services import temporary_branches_close_expired


@shared_task(acks_late=True)
def close_expired_temporary_branches() -> int:
    return temporary_branches_close_expired()
