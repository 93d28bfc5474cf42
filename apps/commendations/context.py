"""The approver's inbox count in the admin header (computed only when a page shows it)."""

from django.utils.functional import SimpleLazyObject


def inbox_count(request):
    def count():
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated and request.path.startswith("/admin/")):
            return 0
        from .services import inbox

        return inbox(user).count()

    return {"inbox_count": SimpleLazyObject(count)}
