from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..choices import DISSOLVED_OR_MISSING
from ..models import Unit, UnitKind, UnitMove


class UnitSerializer(ScopedModelSerializer):
    parent = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Unit
        fields = [
            "id",
            "name",
            "short_name",
            "code",
            "kind",
            "kind_display",
            "parent",
            "depth",
            "path",
            "dissolved_on",
        ]
        read_only_fields = ["depth", "path", "dissolved_on"]

    def get_parent(self, obj) -> int | None:
        if hasattr(obj, "parent_pk"):
            return obj.parent_pk
        parent = obj.get_parent()
        return parent.pk if parent else None


class UnitCreateSerializer(serializers.Serializer):
    """Input of ``POST /api/units/``; the service decides whether the placement is allowed."""

    parent = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), allow_null=True, error_messages={"does_not_exist": DISSOLVED_OR_MISSING}
    )
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=40)
    kind = serializers.ChoiceField(choices=UnitKind.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["parent"].queryset = Unit.objects.visible_to(request.user, "view").live()


class UnitUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True)


class UnitMoveSerializer(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(),
        label="新的上级单位",
        error_messages={"does_not_exist": DISSOLVED_OR_MISSING},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["parent"].queryset = Unit.objects.visible_to(request.user, "view").live()


class MovedUnitSerializer(serializers.Serializer):
    """A parent a unit left or went to: the id only where the caller may see that unit
    (a station's users are not handed their corps' ids, as ``ancestors`` does), the name always
    (it is part of the move, as in the unit's admin history)."""

    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class UnitMoveRecordSerializer(serializers.ModelSerializer):
    """One move of the unit (``GET /api/units/{id}/moves/``): when, from which parent to which,
    and by whom (the mover's name, never the login name)."""

    from_parent = serializers.SerializerMethodField()
    to_parent = serializers.SerializerMethodField()
    moved_by = serializers.SerializerMethodField()

    class Meta:
        model = UnitMove
        fields = ["id", "moved_at", "from_parent", "to_parent", "moved_by"]

    def _parent(self, unit) -> dict:
        visible = self.context.get("visible_units", set())
        return {"id": unit.pk if unit.pk in visible else None, "name": unit.name}

    @extend_schema_field(MovedUnitSerializer)
    def get_from_parent(self, obj) -> dict:
        return self._parent(obj.from_parent)

    @extend_schema_field(MovedUnitSerializer)
    def get_to_parent(self, obj) -> dict:
        return self._parent(obj.to_parent)

    def get_moved_by(self, obj) -> str | None:
        """The mover's name (their person's name, else the account's name); null for the system."""
        from apps.people.selectors import user_full_name

        user = obj.moved_by
        if user is None:
            return None
        person = getattr(user, "person", None)
        return (person.name if person else "") or user_full_name(user) or "（未填写姓名的账号）"
