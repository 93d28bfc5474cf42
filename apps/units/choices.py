"""Dissolved units are never offered as a choice (admin drop-downs, API input), while records
that point at them stay readable in lists and detail pages."""

from rest_framework import serializers

from apps.core.api.serializers import ScopedPrimaryKeyRelatedField

from .models import Unit

DISSOLVED_OR_MISSING = "单位不存在、不在您的管辖范围内或已撤销。"


def live_units(queryset=None):
    """Units that may be chosen: not dissolved."""
    return (Unit.objects.all() if queryset is None else queryset).filter(dissolved_on__isnull=True)


class LiveUnitChoicesAdminMixin:
    """Model admins and inlines: every foreign key to a unit offers live units only (on top of
    the scope restriction of ``ScopedAdminMixin``)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is Unit and hasattr(field, "queryset"):
            field.queryset = live_units(field.queryset)
        return field


class LiveUnitField(ScopedPrimaryKeyRelatedField):
    """An API unit input: visible to the user and not dissolved (400 otherwise)."""

    default_error_messages = {**serializers.PrimaryKeyRelatedField.default_error_messages}
    default_error_messages["does_not_exist"] = DISSOLVED_OR_MISSING

    def __init__(self, **kwargs):
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", Unit.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        return live_units(super().get_queryset())


class LiveUnitsSerializerMixin:
    """A ``ScopedModelSerializer`` whose model foreign keys to units accept live units only."""

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if relation_info.related_model is Unit and not relation_info.to_many:
            field_class = LiveUnitField
        return field_class, kwargs
