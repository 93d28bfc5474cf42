from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..models import FollowUp, TalkContentAccess, TalkKind, TalkPolicy, TalkRecord, TalkShare, display_name


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
    talker_name = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    followups = FollowUpSerializer(many=True, read_only=True, source="followup_list")  # prefetched
    content_visible = serializers.SerializerMethodField()
    has_warning_signs = serializers.SerializerMethodField(
        help_text="有苗头性倾向性问题：仅对有权查阅谈话内容的人员给出，其他人为 null。"
    )

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
            "talker_name",
            "has_warning_signs",
            "followups",
            "content_visible",
            "created_at",
            "voided_at",
            "void_reason",
        ]
        read_only_fields = fields

    def get_content_visible(self, obj) -> bool:
        return bool(getattr(obj, "content_readable", False))

    def get_talker_name(self, obj) -> str:
        return display_name(obj.talker)

    def get_has_warning_signs(self, obj) -> bool | None:
        # derived from the encrypted content: it follows the content (annotated per row)
        return obj.has_warning_signs if getattr(obj, "content_readable", False) else None


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
        slug_field="username",
        queryset=get_user_model().objects.filter(is_active=True),
        help_text="共享对象的登录名（须在本总队内；总部可跨总队共享，均记入日志）",
    )
    reason = serializers.CharField(max_length=500, help_text="共享原因")
    ends_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="截止日期（含当日）"
    )


class RevokeSerializer(serializers.Serializer):
    share = serializers.IntegerField(help_text="共享记录 ID（见 readers）")
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="作废原因")


class TalkShareSerializer(serializers.ModelSerializer):
    reader = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reader_name = serializers.SerializerMethodField()
    shared_by_name = serializers.SerializerMethodField()
    revoked_by_name = serializers.SerializerMethodField()
    in_force = serializers.SerializerMethodField()

    class Meta:
        model = TalkShare
        fields = [
            "id",
            "record",
            "reader",
            "reader_name",
            "shared_by_name",
            "reason",
            "ends_on",
            "outside_corps",
            "created_at",
            "in_force",
            "revoked_at",
            "revoked_by_name",
            "revoke_reason",
        ]
        read_only_fields = fields

    def get_reader_name(self, obj) -> str:
        return display_name(obj.reader)

    def get_shared_by_name(self, obj) -> str:
        return display_name(obj.shared_by)

    def get_revoked_by_name(self, obj) -> str:
        return display_name(obj.revoked_by)

    def get_in_force(self, obj) -> bool:
        return obj.in_force_on()


class ReaderSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    unit_name = serializers.CharField(allow_blank=True, help_text="授权单位（党委成员）")


class ReadersSerializer(serializers.Serializer):
    """Who can read this record's content now (superusers aside)."""

    talker = ReaderSerializer()
    committee = ReaderSerializer(many=True, help_text="在本单位或上级单位有谈话内容查阅权的人员")
    shares = TalkShareSerializer(many=True, help_text="现行有效的共享")


class TalkPolicySerializer(ScopedModelSerializer):
    class Meta:
        model = TalkPolicy
        fields = ["id", "unit", "period"]


class TalkContentAccessSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    user_name = serializers.SerializerMethodField()
    reader = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reader_name = serializers.SerializerMethodField()

    class Meta:
        model = TalkContentAccess
        fields = [
            "id",
            "record",
            "record_number",
            "unit",
            "user",
            "user_name",
            "event",
            "channel",
            "reader",
            "reader_name",
            "note",
            "accessed_at",
        ]

    def get_user_name(self, obj) -> str:
        return display_name(obj.user)

    def get_reader_name(self, obj) -> str:
        return display_name(obj.reader)
