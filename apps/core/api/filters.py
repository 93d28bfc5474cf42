"""Filters shared by every scoped list."""

import django_filters

from apps.units.models import Unit


class UnitSubtreeFilter(django_filters.NumberFilter):
    """``?unit=<id>``: records of that unit and its whole subtree (the unit must be visible)."""

    def __init__(self, *args, unit_path_field: str = "unit__path", **kwargs):
        kwargs.setdefault("label", "单位（含下级）ID")
        kwargs.setdefault("method", self.filter_subtree)
        self.unit_path_field = unit_path_field
        super().__init__(*args, **kwargs)

    def filter_subtree(self, queryset, name, value):
        request = getattr(self.parent, "request", None)
        user = getattr(request, "user", None)
        unit = Unit.objects.visible_to(user, "view").filter(pk=value).first()
        if unit is None:
            return queryset.none()
        return queryset.filter(**{f"{self.unit_path_field}__startswith": unit.path})
