"""The approver's inbox count in the admin header (computed only when a page shows it)."""

from django.utils.functional import SimpleLazyObject


def inbox_count(request):
    def count():
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and request.path.startswith("/admin/")):
            return 0
        from .services import inbox, inbox_may_hold_any

        # most admin users decide on nothing: one indexed read of their delegations instead
        # of the inbox's count over every nomination in scope (~20 ms at province scale)
        return inbox(user).count() if inbox_may_hold_any(user) else 0

    return {"inbox_count": SimpleLazyObject(count)}
