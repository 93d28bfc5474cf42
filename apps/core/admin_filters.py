"""Admin list filters shared by every app.

``UnitSubtreeFilter`` ("单位（含下级）", ``?unit_subtree=<unit id>``) keeps the rows whose
unit lies in the subtree of a unit *visible to the user*. The unit is found through the
model's ``scope_field`` (``unit``, ``organisation__unit``, ``record__unit``, ``""`` for
``Unit`` itself), so one class serves every scoped admin. The dashboard links to changelists
with this parameter.

* A malformed, unknown or out-of-scope id is ignored: the list stays the user's own scoped
  list (it can never widen what ``visible_to`` already allows).
* Choices: the user's top visible unit(s) and the visible detachments, battalions and stations
  (not dissolved), indented by depth; two queries whatever the number of units, at most
  ``max_choices`` rows (a deeper or further unit is still reachable by its id in the URL).
"""

from django.contrib import admin

from apps.units.models import Unit, UnitKind

CHOICE_KINDS = [UnitKind.DETACHMENT, UnitKind.BATTALION, UnitKind.STATION]


def unit_path_lookup(model) -> str:
    """``<scope_field>__path`` for a scoped model (``path`` for ``Unit``)."""
    field = getattr(model, "scope_field", None)
    if field is None:
        raise TypeError(f"{model.__name__} has no scope_field: UnitSubtreeFilter cannot filter it.")
    return f"{field}__path" if field else "path"


class UnitSubtreeFilter(admin.SimpleListFilter):
    title = "单位（含下级）"
    parameter_name = "unit_subtree"
    max_choices = 300
    #: show an empty list (instead of ignoring the parameter) for an id outside the user's scope
    out_of_scope_shows_nothing = False

    def _visible_units(self, request):
        return Unit.objects.visible_to(request.user, "view").filter(dissolved_on__isnull=True)

    def lookups(self, request, model_admin):
        units = self._visible_units(request)
        top = units.order_by("depth", "path").first()
        if top is None:
            return []
        choices = units.filter(kind__in=CHOICE_KINDS) | units.filter(depth=top.depth)
        return [
            (str(u.pk), "　" * max(u.depth - top.depth, 0) + u.name)
            for u in choices.order_by("path").only("pk", "name", "depth", "path")[: self.max_choices]
        ]

    def selected_unit(self, request):
        value = self.value()
        if not value or not str(value).isdigit():
            return None
        return self._visible_units(request).filter(pk=int(value)).first()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        unit = self.selected_unit(request)
        if unit is None:
            return queryset.none() if self.out_of_scope_shows_nothing else queryset
        return queryset.filter(**{f"{unit_path_lookup(queryset.model)}__startswith": unit.path})
