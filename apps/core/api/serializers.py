"""Serializer bases: every relation to a scoped model only accepts objects the user can see."""

from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key outside the user's scope reads as 'does not exist' (400), never as a leak."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is not None and hasattr(queryset, "visible_to"):
            queryset = queryset.visible_to(request.user, "view")
        return queryset


class ScopedModelSerializer(serializers.ModelSerializer):
    serializer_related_field = ScopedPrimaryKeyRelatedField


def check_date_order(serializer, attrs: dict, start: str, end: str, message: str) -> None:
    """Refuse an end before its start, reading the saved value of whichever one a PATCH
    leaves out (a PATCH of only the end date must not slip past the saved start)."""
    instance = serializer.instance
    first = attrs.get(start, getattr(instance, start, None))
    last = attrs.get(end, getattr(instance, end, None))
    if first and last and last < first:
        raise serializers.ValidationError({end: message})
