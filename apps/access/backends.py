"""Authentication backend answering ``user.has_perm(perm, obj)`` by the object's unit."""

from apps.core.scoping import granted_on_unit, permissions_anywhere, scope_unit_of


class ScopedPermissionBackend:
    """Object permissions come from grants on the object's unit or any of its ancestors.

    Without an object, ``has_perm`` answers whether the permission is granted on some unit:
    that is what the admin asks before it shows a changelist, which ``visible_to`` then
    restricts to the user's subtrees.
    """

    def authenticate(self, request, **credentials):
        return None

    # No ``get_user``: this backend never logs anyone in, and Django's test client (and
    # ``login()`` without a backend) stores the first backend that has one in the session.

    def _granted_anywhere(self, user) -> set[str]:
        # Read with the rest of the user's grants, once per request (apps.core.request_cache).
        return permissions_anywhere(user)

    def get_all_permissions(self, user, obj=None):
        if not user.is_active or user.is_anonymous:
            return set()
        return self._granted_anywhere(user) if obj is None else set()

    def has_perm(self, user, perm, obj=None):
        if not user.is_active or user.is_anonymous or "." not in perm:
            return False
        if obj is None:
            return perm in self._granted_anywhere(user)
        unit = scope_unit_of(obj)
        if unit is None:
            return False
        app_label, codename = perm.split(".", 1)
        return granted_on_unit(user, app_label, codename, unit)

    def has_module_perms(self, user, app_label):
        if not user.is_active or user.is_anonymous:
            return False
        return any(p.startswith(f"{app_label}.") for p in self._granted_anywhere(user))


class RecordGrantBackend:
    """Guardian's per-record grants (e.g. one talk record shared with one more reader).

    Guardian raises ``WrongAppError`` when asked about a permission of another app than the
    object's (``access.add_grant`` on a ``Unit``); for us that simply means "not granted
    this way", and the scoped backend above answers instead.
    """

    def __init__(self):
        from guardian.backends import ObjectPermissionBackend

        self._guardian = ObjectPermissionBackend()

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None

    def has_perm(self, user, perm, obj=None):
        from guardian.exceptions import WrongAppError

        if obj is None or getattr(obj, "pk", None) is None:
            return False
        holds = getattr(type(obj), "record_grant_holds", None)
        if holds is not None:  # records whose shares carry an end date (talks.TalkShare)
            return holds(user, perm, obj)
        try:
            return self._guardian.has_perm(user, perm, obj)
        except WrongAppError:
            return False

    def get_all_permissions(self, user, obj=None):
        return set()
