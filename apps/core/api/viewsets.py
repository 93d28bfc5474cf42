"""The base viewset: it always restricts its queryset through ``visible_to`` (NetBox style),
so no endpoint can forget the scope."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated

from apps.core.scoping import resolve_permission

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
        # Saved and checked in one transaction: a record placed outside the user's
        # scope is rolled back, so nothing is written.
        with transaction.atomic():
            instance = serializer.save()
            self._check_saved(instance, "add")

    def perform_update(self, serializer):
        with transaction.atomic():
            instance = serializer.save()
            self._check_saved(instance, "change")

    def handle_exception(self, exc):
        if isinstance(exc, DjangoPermissionDenied):
            exc = PermissionDenied(str(exc) or None)
        return super().handle_exception(exc)


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass
