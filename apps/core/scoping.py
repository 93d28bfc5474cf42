"""The one scoping layer: which rows a user may see or act on, by unit subtree.

A grant of a role on a unit (``apps.access``) stores guardian object permissions on that
``Unit``. A permission held on a unit covers the unit and its whole subtree, never its
parent or siblings. Every scoped model declares ``scope_field``: the path from the model
to its unit (``""`` for ``Unit`` itself, ``"unit"``, ``"person__unit"``...).

Two questions are answered here and nowhere else:

* ``Model.objects.visible_to(user, action)``: a queryset, one SQL statement for the rows,
  after one small query for the user's granted unit paths; the unit restriction is an
  ``unit_id IN (SELECT id FROM unit WHERE path LIKE '<granted path>%')`` subquery with the
  paths as constants, which lets PostgreSQL estimate the scope and use the right index at
  every scope size (see ARCHITECTURE.md, measured figures, and ``units_granted``).
* ``scope_unit_of(obj)`` and ``granted_on_unit(...)``, used by the permission backend so
  that ``user.has_perm("app.perm", obj)`` answers by the object's unit and its ancestors.
"""

from __future__ import annotations

import functools

from django.db import models
from django.db.models import Subquery
from django.db.models.functions import Length, Substr

from apps.core.request_cache import memoized

UNIT_PATH_STEP = 4  # treebeard MP_Node steplen used by apps.units.Unit
BASIC_ACTIONS = {"view", "add", "change", "delete"}


def resolve_permission(model: type[models.Model], action: str) -> tuple[str, str]:
    """Turn ``"view"`` / ``"change"`` / ``"talks.view_talk_content"`` into (app_label, codename)."""
    if "." in action:
        app_label, codename = action.split(".", 1)
        return app_label, codename
    if action in BASIC_ACTIONS:
        return model._meta.app_label, f"{action}_{model._meta.model_name}"
    return model._meta.app_label, action


def permission_grants(user, app_label: str, codename: str):
    """The guardian rows that give ``user`` this permission on some unit."""
    from apps.access.models import UnitPermission

    return UnitPermission.objects.filter(
        user_id=user.pk,
        permission__codename=codename,
        permission__content_type__app_label=app_label,
    )


def granted_paths(user, app_label: str, codename: str) -> list[str]:
    """Paths of the units where the permission is granted, outermost only (a grant inside
    another granted subtree adds nothing)."""
    paths, _shares = user_grants(user)
    return _outermost(paths.get((app_label, codename), ()))


def permissions_anywhere(user) -> set[str]:
    """``"app.codename"`` of every permission the user holds on some unit (built once per
    request: the admin index asks it for every model admin, ~200 times)."""

    def names():
        paths, _shares = user_grants(user)
        return frozenset(f"{app_label}.{codename}" for app_label, codename in paths)

    return memoized(("grants", "anywhere", user.pk), names)


def user_grants(user):
    """Everything the scoping layer needs to know about a user's grants, read in ONE
    statement and kept for the rest of the request or task (``apps.core.request_cache``):
    ``{(app_label, codename): [granted unit paths]}`` and
    ``{(app_label, codename, model_app, model_name): {shared record pks}}``.

    A role holds a few hundred permissions at most, so reading them all once is cheaper
    than asking per permission (a list request asked three to five times)."""
    return memoized(("grants", user.pk), lambda: _read_grants_and_shares(user))


def units_granted(user, app_label: str, codename: str):
    """Units (as a lazy queryset) lying in the subtree of a unit where the permission is granted.

    The granted paths are read first (one small indexed query) and written into the unit
    filter as constant prefixes (``path LIKE '0001000A%'``). PostgreSQL can then estimate
    how many units, and so how many rows, a scope covers: with the prefixes hidden in a
    correlated subquery it guessed "one unit" for every user and sorted a corps user's
    whole table (3.2 s for 50 zero-reports out of 1,000,000; 11 ms with constants,
    ``docs/scale.md``)."""
    from apps.units.models import Unit

    paths = granted_paths(user, app_label, codename)
    if not paths:
        return Unit.objects.none()
    covering = models.Q()
    for path in paths:
        covering |= models.Q(path__startswith=path)
    return Unit.objects.filter(covering)


def ancestor_paths(path: str) -> list[str]:
    """The path of a unit and of each of its ancestors (materialised path prefixes)."""
    return [path[:end] for end in range(UNIT_PATH_STEP, len(path) + 1, UNIT_PATH_STEP)]


def scope_unit_of(obj):
    """Follow ``scope_field`` from an object to its unit; ``None`` if it has none."""
    field = getattr(type(obj), "scope_field", None)
    if field is None:
        return None
    target = obj
    for part in [p for p in field.split("__") if p]:
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def granted_on_unit(user, app_label: str, codename: str, unit) -> bool:
    """True if the permission is granted on ``unit`` or one of its ancestors.

    The unit's path is read from the database by primary key, so an object loaded before
    a move is judged by where its unit is now.
    """
    from apps.units.models import Unit

    if unit is None or unit.pk is None:
        return False
    current_path = Subquery(Unit.objects.filter(pk=unit.pk).values("path")[:1])
    return (
        permission_grants(user, app_label, codename)
        .filter(content_object__path=Substr(current_path, 1, Length("content_object__path")))
        .exists()
    )


class ScopedQuerySetMixin:
    """Adds ``visible_to`` to a queryset whose model declares ``scope_field``."""

    def visible_to(self, user, action: str = "view"):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        app_label, codename = resolve_permission(self.model, action)
        units = units_granted(user, app_label, codename).values("pk")
        field = self.model.scope_field
        restricted = self.filter(pk__in=units) if field == "" else self.filter(**{f"{field}__in": units})
        return self._with_shared_records(restricted, user, app_label, codename)

    def visible_within(self, user, root, action: str = "view"):
        """``visible_to(user, action)`` narrowed to the subtree of unit ``root``.

        Where one of the user's grants covers ``root`` (an HQ user on a figure of the unit they
        oversee), everything under ``root`` is visible and the scope is the subtree alone: one
        join to the units instead of the grant's ``unit IN (...)`` and the subtree's join
        both, which PostgreSQL ran as two hash joins over every unit (~20 % of each dashboard
        aggregate at a corps). Anywhere else it is ``visible_to`` and then the subtree. Records
        shared one by one lie either under ``root`` (visible already) or outside it."""
        field = self.model.scope_field
        in_subtree = {"path__startswith" if field == "" else f"{field}__path__startswith": root.path}
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.filter(**in_subtree)
        app_label, codename = resolve_permission(self.model, action)
        if any(root.path.startswith(path) for path in granted_paths(user, app_label, codename)):
            return self.filter(**in_subtree)
        return self.visible_to(user, action).filter(**in_subtree)

    def _with_shared_records(self, restricted, user, app_label, codename):
        """Add the records shared one by one through guardian, for models that allow it.

        The user's shared records are read first (one small indexed query, nearly always
        empty): with none, the scope stays the plain ``unit IN (...)`` filter the planner
        drives from the ``(unit, date)`` index; ``unit IN (...) OR pk IN (shared)`` written
        into every statement forced a scan of the whole table instead (``docs/scale.md``)."""
        if not getattr(self.model, "allow_record_grants", False):
            return restricted
        _paths, shares = user_grants(user)
        shared = sorted(shares.get(_share_key(self.model, app_label, codename), ()))
        if not shared:
            return restricted
        return self.filter(models.Q(pk__in=restricted.values("pk")) | models.Q(pk__in=shared))


def permitted_condition(model, user, action: str) -> models.Q | bool:
    """``visible_to(user, action)`` as a condition on ``model``'s own rows, for a per-row flag
    (``Case(When(condition, then=True))``): the scope field ``IN`` the granted units (plus
    per-record grants), so the flag costs an indexed unit lookup per row instead of
    ``pk IN (every permitted row)``. ``True``/``False`` when it holds for all rows or none."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    app_label, codename = resolve_permission(model, action)
    units = units_granted(user, app_label, codename).values("pk")
    field = model.scope_field
    condition = models.Q(pk__in=units) if field == "" else models.Q(**{f"{field}__in": units})
    if getattr(model, "allow_record_grants", False):
        _paths, shares = user_grants(user)
        shared = sorted(shares.get(_share_key(model, app_label, codename), ()))
        if shared:
            condition |= models.Q(pk__in=shared)
    return condition


class ScopedQuerySet(ScopedQuerySetMixin, models.QuerySet):
    pass


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


class ScopedModel(models.Model):
    """Base for every record that belongs to a unit; subclasses may change ``scope_field``."""

    scope_field = "unit"
    allow_record_grants = False

    objects = ScopedManager()

    class Meta:
        abstract = True


def visible_conditions(user, requests) -> list[models.Q | bool]:
    """``Model.objects.visible_to(user, action)`` for several ``(Model, action)`` pairs at once,
    each as a condition on that model's own rows (``True``: every row, ``False``: none).

    Same answer as ``visible_to`` for each pair (same permission codename per model, same
    outermost granted paths written in as constant prefixes, same per-record shares), but
    the granted paths of every permission asked and the shares of the models that allow
    them are read in ONE statement, instead of one or two reads per ``visible_to`` call."""
    from apps.units.models import Unit

    requests = list(requests)
    if user is None or not user.is_authenticated or not user.is_active:
        return [False] * len(requests)
    if user.is_superuser:
        return [True] * len(requests)
    perms = [resolve_permission(model, action) for model, action in requests]
    paths, shares = _grants_and_shares(user, requests, perms)
    conditions: list[models.Q | bool] = []
    for (model, _action), (app_label, codename) in zip(requests, perms, strict=True):
        condition: models.Q | bool = False
        outermost = _outermost(paths.get((app_label, codename), ()))
        if outermost:
            covering = models.Q()
            for path in outermost:
                covering |= models.Q(path__startswith=path)
            units = Unit.objects.filter(covering).values("pk")
            field = model.scope_field
            condition = models.Q(pk__in=units) if field == "" else models.Q(**{f"{field}__in": units})
        shared = sorted(shares.get(_share_key(model, app_label, codename), ()))
        if getattr(model, "allow_record_grants", False) and shared:
            condition = models.Q(pk__in=shared) if condition is False else condition | models.Q(pk__in=shared)
        conditions.append(condition)
    return conditions


def _share_key(model, app_label: str, codename: str) -> tuple[str, str, str, str]:
    return app_label, codename, model._meta.app_label, model._meta.model_name


def _outermost(paths) -> list[str]:
    outermost: list[str] = []
    for path in sorted(set(paths)):  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(kept) for kept in outermost):
            outermost.append(path)
    return outermost


def _grants_and_shares(user, requests, perms):
    """``{(app_label, codename): [granted unit paths]}`` and ``{share key: {record pks}}``
    (all of the user's, from the request's one read: ``user_grants``)."""
    return user_grants(user)


def _read_grants_and_shares(user):
    """The user's unit permissions and per-record shares in one UNION ALL statement.

    The statement reads permission and content-type *ids* only (two small joins instead of
    eight: planning the eight-way union cost more than running it, ~4 ms a request at
    province scale); the ids are named from ``permission_names()``, a map of reference rows
    that migrations write and that is dropped whenever a permission row is written."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import connections, router

    from apps.access.models import UnitPermission

    with connections[router.db_for_read(UnitPermission)].cursor() as cursor:
        cursor.execute(_grants_statement(), [user.pk, user.pk])
        rows = cursor.fetchall()
    names = permission_names(ids={permission_id for permission_id, _, _ in rows})
    paths: dict[tuple[str, str], list[str]] = {}
    shares: dict[tuple[str, str, str, str], set[int]] = {}
    for permission_id, value, content_type_id in rows:
        app_label, codename = names[permission_id]
        if content_type_id:
            if value.isdigit():
                model = ContentType.objects.get_for_id(content_type_id)
                shares.setdefault((app_label, codename, model.app_label, model.model), set()).add(int(value))
        else:
            paths.setdefault((app_label, codename), []).append(value)
    return paths, shares


@functools.cache
def _grants_statement() -> str:
    """The UNION ALL of ``_read_grants_and_shares``, written once from the models' tables and
    columns: compiling it through the ORM cost more than running it (~1 ms a request)."""
    from guardian.models import UserObjectPermission

    from apps.access.models import UnitPermission
    from apps.units.models import Unit

    grant, share = UnitPermission._meta, UserObjectPermission._meta
    return (
        f"SELECT g.{grant.get_field('permission').column}, u.{Unit._meta.get_field('path').column}, 0 "
        f"FROM {grant.db_table} g JOIN {Unit._meta.db_table} u "
        f"ON u.{Unit._meta.pk.column} = g.{grant.get_field('content_object').column} "
        f"WHERE g.{grant.get_field('user').column} = %s "
        f"UNION ALL SELECT s.{share.get_field('permission').column}, s.{share.get_field('object_pk').column}, "
        f"s.{share.get_field('content_type').column} FROM {share.db_table} s "
        f"WHERE s.{share.get_field('user').column} = %s"
    )


#: permission id → (app_label, codename): reference data, the same for every user and request
#: (like Django's own ContentType cache); refilled when an id is missing, dropped when a
#: permission row is written (``apps.core.apps`` connects ``forget_permission_names``)
_PERMISSION_NAMES: dict[int, tuple[str, str]] = {}


def permission_names(ids=()) -> dict[int, tuple[str, str]]:
    """``{permission id: (app_label, codename)}``, read from the database (one query) only
    when one of ``ids`` is not known yet. The map is replaced whole, never changed in place,
    so a thread reading it never sees it half filled."""
    global _PERMISSION_NAMES
    names = _PERMISSION_NAMES
    if not names or not set(ids) <= names.keys():
        from django.contrib.auth.models import Permission

        names = {
            pk: (app_label, codename)
            for pk, app_label, codename in Permission.objects.values_list(
                "pk", "content_type__app_label", "codename"
            )
        }
        _PERMISSION_NAMES = names
    return names


def forget_permission_names(**_kwargs) -> None:
    global _PERMISSION_NAMES
    _PERMISSION_NAMES = {}
