"""DRF permission classes: the scoped one backed by the scoping layer, and global reference data's."""

from rest_framework import permissions

from apps.core.scoping import resolve_permission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def required_permission(view, request) -> str:
    """The ``app.codename`` a request needs; viewsets map custom actions in ``action_permissions``."""
    model = model_of(view)
    action = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
    if action is None:
        action = METHOD_ACTIONS.get(request.method, "change")
    app_label, codename = resolve_permission(model, action)
    return f"{app_label}.{codename}"


def model_of(view):
    """The view's model without building its (scoped) queryset: that would read the user's
    grants only to learn ``.model``."""
    queryset = getattr(view, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer_class = getattr(view, "serializer_class", None)
    meta = getattr(serializer_class, "Meta", None)
    if meta is not None and getattr(meta, "model", None) is not None:
        return meta.model
    return view.get_queryset().model


class ScopedPermission(permissions.BasePermission):
    """Out-of-scope objects never reach here (the queryset hides them: 404); in scope but
    lacking the permission on the object's unit is a 403."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perm(required_permission(view, request))

    def has_object_permission(self, request, view, obj):
        return request.user.has_perm(required_permission(view, request), obj)


class ReferenceDataPermissions(permissions.DjangoModelPermissions):
    """Global reference data: reading needs the model's view permission anywhere; writing its
    add/change/delete permission, and the service then asks the authority table at the top of
    the tree (``award_kind.manage``, ``deliberation_list.manage``)."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}
    perms_map["HEAD"] = perms_map["GET"]
