"""The generic write path: how the base admin and the base viewset create, change and delete.

Services are the only write path. A model with rules of its own registers its service
functions here (``register_writes(Nomination, create=..., update=..., delete=...)``, done in
the app's ``services.py``); every other scoped model goes through ``record_create`` /
``record_update`` / ``record_delete`` below, which

1. resolve the target unit from the unsaved instance (``scope_field``),
2. check the actor's permission on it *before* writing — for a change, on the unit the row
   has in the database (read under a row lock) *and* on the unit it is moving to,
3. write in one transaction, with the actor as the history user.

The admin and the API pass their half-built instance (form or serializer data already
assigned, nothing saved), the many-to-many values to set after the save (``m2m``) and any
nested data that is not a field of the model (``related``, e.g. a meeting's attendance
list). Only a registered service knows what ``related`` means: the generic functions
refuse it rather than drop it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models, transaction

from apps.core.scoping import resolve_permission, scope_unit_of

OUT_OF_SCOPE = "所选单位不在您的管辖范围内，或您无权在该单位下进行此操作。"


@dataclass(frozen=True)
class WriteFunctions:
    create: Callable
    update: Callable
    delete: Callable


_REGISTRY: dict[type[models.Model], WriteFunctions] = {}


def register_writes(model, *, create=None, update=None, delete=None) -> None:
    """Route the base admin's and viewset's writes of ``model`` through the app's services.

    Called once at import time of the app's ``services.py`` (configuration, not request
    state). A function left out falls back to the generic one."""
    _REGISTRY[model] = WriteFunctions(
        create=create or record_create,
        update=update or record_update,
        delete=delete or record_delete,
    )


def writes_for(model) -> WriteFunctions:
    """The service functions that create, change and delete ``model``."""
    _import_services(model)
    return _REGISTRY.get(model) or WriteFunctions(record_create, record_update, record_delete)


def _import_services(model) -> None:
    """Services register on import; make sure the app's services module has been imported."""
    from importlib import import_module

    module = model.__module__.rsplit(".", 1)[0] + ".services"
    try:
        import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise


def check_permission(actor, instance, action: str) -> None:
    """``PermissionDenied`` unless the actor holds ``action`` on the instance's unit."""
    if actor.is_superuser:
        return
    app_label, codename = resolve_permission(type(instance), action)
    if scope_unit_of(instance) is None and getattr(type(instance), "scope_field", None) is not None:
        raise PermissionDenied(OUT_OF_SCOPE)
    if not actor.has_perm(f"{app_label}.{codename}", instance):
        raise PermissionDenied(OUT_OF_SCOPE)


def _set_history_user(instance, actor) -> None:
    instance._history_user = actor


def _set_m2m(instance, m2m: dict | None) -> None:
    for name, values in (m2m or {}).items():
        getattr(instance, name).set(values)


def _refuse_related(instance, related) -> None:
    if related:
        raise ImproperlyConfigured(
            f"{type(instance).__name__}: nested data {sorted(related)} needs a registered service"
        )


def record_create(*, instance, actor, m2m: dict | None = None, related: dict | None = None):
    """Create a scoped record after checking the actor may add it on its unit."""
    _refuse_related(instance, related)
    check_permission(actor, instance, "add")
    with transaction.atomic():
        _set_history_user(instance, actor)
        instance.save()
        _set_m2m(instance, m2m)
    return instance


def record_update(*, instance, actor, m2m: dict | None = None, related: dict | None = None):
    """Change a scoped record: the stored row (locked) and the new values must both lie in
    units where the actor may change it."""
    _refuse_related(instance, related)
    model = type(instance)
    with transaction.atomic():
        stored = model._base_manager.select_for_update().get(pk=instance.pk)
        check_permission(actor, stored, "change")
        check_permission(actor, instance, "change")
        _set_history_user(instance, actor)
        instance.save()
        _set_m2m(instance, m2m)
    return instance


def record_delete(*, instance, actor) -> None:
    """Delete a scoped record the actor may delete; models marked ``never_hard_delete``
    (confidential records, decision trails) refuse unless a service of their own says how."""
    if getattr(type(instance), "never_hard_delete", False):
        raise PermissionDenied(f"{type(instance)._meta.verbose_name}不能删除。")
    with transaction.atomic():
        stored = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
        check_permission(actor, stored, "delete")
        _set_history_user(stored, actor)
        stored.delete()
