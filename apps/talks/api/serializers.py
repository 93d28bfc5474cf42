from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..models import FollowUp, TalkContentAccess, TalkKind, TalkPolicy, TalkRecord


class FollowUpSerializer(ScopedModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = FollowUp
        fields = ["id", "record", "owner", "due_date", "status", "status_display", "completed_on"]
        read_only_fields = fields


class TalkRecordSerializer(ScopedModelSerializer):
    """Metadata for everyone who may view the record; ``content`` only for entitled readers.

    ``content`` is added by the viewset (which also logs the read), never by this class.
    """

    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    talker = serializers.SlugRelatedField(slug_field="username", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    followups = FollowUpSerializer(many=True, read_only=True, source="followup_list")  # prefetched
    content_visible = serializers.SerializerMethodField()

    class Meta:
        model = TalkRecord
        fields = [
            "id",
            "date",
            "kind",
            "kind_display",
            "place",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "talker",
            "has_warning_signs",
            "followups",
            "content_visible",
            "created_at",
        ]
        read_only_fields = fields

    def get_content_visible(self, obj) -> bool:
        return bool(getattr(obj, "content_readable", False))


class FollowUpInputSerializer(serializers.Serializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )
    due_date = serializers.DateField()
    description = serializers.CharField(max_length=2000, allow_blank=True, default="")


class TalkRecordInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(label="谈话对象 ID")
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=TalkKind.choices)
    place = serializers.CharField(max_length=100, allow_blank=True, default="")
    state_of_mind = serializers.CharField(max_length=5000, allow_blank=True, default="")
    warning_signs = serializers.CharField(max_length=5000, allow_blank=True, default="")
    difficulties = serializers.CharField(max_length=5000, allow_blank=True, default="")
    followups = FollowUpInputSerializer(many=True, required=False, default=list)


class TalkRecordUpdateSerializer(serializers.Serializer):
    """Metadata corrections (date stays: the unit at that date was recorded)."""

    kind = serializers.ChoiceField(choices=TalkKind.choices, required=False)
    place = serializers.CharField(max_length=100, allow_blank=True, required=False)


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=5000, allow_blank=True, default="")
    on = serializers.DateField(required=False)


class ShareSerializer(serializers.Serializer):
    reader = serializers.SlugRelatedField(
        slug_field="username", queryset=get_user_model().objects.filter(is_active=True)
    )


class TalkPolicySerializer(ScopedModelSerializer):
    class Meta:
        model = TalkPolicy
        fields = ["id", "unit", "period"]


class TalkContentAccessSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = TalkContentAccess
        fields = ["id", "record", "user", "channel", "accessed_at"]
