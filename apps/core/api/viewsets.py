"""The base viewset: it always restricts its queryset through ``visible_to`` (NetBox style),
so no endpoint can forget the scope."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from apps.core.scoping import resolve_permission
from apps.core.writes import writes_for

from .permissions import ScopedPermission


class ScopedViewSetMixin:
    permission_classes = [IsAuthenticated, ScopedPermission]
    #: custom action name → permission action ("view", "change", "app.codename", ...)
    action_permissions: dict[str, str] = {}

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user, "view")

    def _check_saved(self, instance, action: str) -> None:
        app_label, codename = resolve_permission(type(instance), action)
        if not self.request.user.has_perm(f"{app_label}.{codename}", instance):
            raise PermissionDenied("您无权在该单位下进行此操作。")

    def perform_create(self, serializer):
        """Create through the model's service (``apps.core.writes``): it checks the actor's
        permission on the target unit before anything is written."""
        instance, m2m, related = _unsaved(serializer, serializer.Meta.model())
        create = writes_for(type(instance)).create
        serializer.instance = create(instance=instance, actor=self.request.user, m2m=m2m, related=related)

    def perform_update(self, serializer):
        instance, m2m, related = _unsaved(serializer, serializer.instance)
        update = writes_for(type(instance)).update
        serializer.instance = update(instance=instance, actor=self.request.user, m2m=m2m, related=related)

    def perform_destroy(self, instance):
        writes_for(type(instance)).delete(instance=instance, actor=self.request.user)

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):
            exc = PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


def _unsaved(serializer, instance):
    """The serializer's validated data assigned onto ``instance`` (nothing saved), split into
    many-to-many values and nested data that is not a field of the model."""
    model = type(instance)
    concrete = {f.name for f in model._meta.concrete_fields}
    many = {f.name for f in model._meta.many_to_many}
    m2m, related = {}, {}
    for name, value in serializer.validated_data.items():
        if name in many:
            m2m[name] = value
        elif name in concrete or name.endswith("_id") or _is_settable_property(model, name):
            setattr(instance, name, value)
        else:
            related[name] = value
    return instance, m2m, related


def _is_settable_property(model, name: str) -> bool:
    attribute = getattr(model, name, None)
    return isinstance(attribute, property) and attribute.fset is not None


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
