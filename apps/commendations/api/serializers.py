from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..models import AwardKind, AwardOrder, Decision, Delegation, ExemplaryModel, Nomination, Objection, Quota


class AwardKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwardKind
        fields = ["id", "code", "name", "approving_kind", "collective", "notice_days"]


class NominationDecisionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)
    on_behalf_of = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Decision
        fields = ["action", "from_status", "to_status", "level", "actor", "on_behalf_of", "comment", "at"]


class NominationSerializer(ScopedModelSerializer):
    award_kind_name = serializers.CharField(source="award_kind.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    subject_name = serializers.CharField(read_only=True)
    drafted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "unit",
            "award_kind",
            "award_kind_name",
            "year",
            "subject_person",
            "subject_unit",
            "subject_organisation",
            "subject_name",
            "deeds",
            "status",
            "status_display",
            "current_level",
            "waiting_since",
            "notice_ends_on",
            "priority",
            "source_note",
            "drafted_by",
            "created_at",
            "order",
        ]
        read_only_fields = [
            "status",
            "current_level",
            "waiting_since",
            "notice_ends_on",
            "drafted_by",
            "created_at",
            "order",
        ]


class NominationDetailSerializer(NominationSerializer):
    decisions = NominationDecisionSerializer(many=True, read_only=True)

    class Meta(NominationSerializer.Meta):
        fields = [*NominationSerializer.Meta.fields, "decisions"]


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class ResolveSerializer(serializers.Serializer):
    objection = serializers.IntegerField()
    upheld = serializers.BooleanField()
    resolution = serializers.CharField(max_length=2000)


class BulkApproveSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=200)
    comment = serializers.CharField(max_length=2000, allow_blank=True, default="")


class QuotaSerializer(ScopedModelSerializer):
    class Meta:
        model = Quota
        fields = ["id", "unit", "award_kind", "year", "limit"]


class DelegationSerializer(serializers.ModelSerializer):
    approver = serializers.SlugRelatedField(slug_field="username", read_only=True)
    deputy = serializers.SlugRelatedField(
        slug_field="username",
        queryset=Delegation._meta.get_field("deputy").related_model.objects.filter(is_active=True),
    )

    class Meta:
        model = Delegation
        fields = ["id", "approver", "deputy", "starts_on", "ends_on"]

    def validate(self, attrs):
        if attrs.get("starts_on") and attrs.get("ends_on") and attrs["ends_on"] < attrs["starts_on"]:
            raise serializers.ValidationError({"ends_on": "结束日期不能早于开始日期。"})
        return attrs


class ObjectionSerializer(ScopedModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "nomination", "reason", "outcome", "resolution", "raised_at"]
        read_only_fields = fields


class AwardOrderSerializer(ScopedModelSerializer):
    nominations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = AwardOrder
        fields = ["id", "unit", "number", "title", "issued_on", "nominations"]
        read_only_fields = ["issued_on", "nominations"]


class AwardOrderInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    number = serializers.CharField(max_length=40)
    title = serializers.CharField(max_length=200)
    nominations = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    exemplary = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ExemplaryModelSerializer(ScopedModelSerializer):
    name = serializers.CharField(source="nomination.subject_name", read_only=True)
    award = serializers.CharField(source="nomination.award_kind.name", read_only=True)
    unit_name = serializers.CharField(source="nomination.unit.name", read_only=True)

    class Meta:
        model = ExemplaryModel
        fields = ["id", "name", "award", "unit_name", "citation", "published_on"]
