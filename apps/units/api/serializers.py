from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..choices import DISSOLVED_OR_MISSING
from ..models import Unit, UnitKind


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
