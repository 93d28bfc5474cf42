from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from apps.evaluations.models import Evaluation
from apps.units.models import UnitKind

from ..models import (
    Attachment,
    AwardKind,
    AwardOrder,
    Decision,
    Delegation,
    ExemplaryModel,
    Nomination,
    Objection,
    Quota,
    Support,
)
from ..services import NOT_ELIGIBLE


class AwardKindSerializer(serializers.ModelSerializer):
    """奖项类别 (global reference data); the approving level is a unit kind."""

    approving_kind = serializers.ChoiceField(
        label="审批层级",
        choices=UnitKind.choices,
        error_messages={
            "invalid_choice": "审批层级须为单位类别之一（bureau、corps、detachment、battalion、station、squad）。"
        },
    )
    notice_days = serializers.IntegerField(label="公示天数", min_value=0, max_value=90, required=False)
    order = serializers.IntegerField(label="排序", min_value=0, max_value=32767, required=False)

    class Meta:
        model = AwardKind
        fields = ["id", "code", "name", "approving_kind", "collective", "notice_days", "order"]
        validators = []
        extra_kwargs = {"code": {"validators": []}}  # a taken code: the service answers in Chinese


class NominationDecisionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="操作人；为空表示系统自动处理（公示期满自动授予）",
    )
    on_behalf_of = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="代理审批时被代理的审批人；本人审批时为空",
    )

    class Meta:
        model = Decision
        fields = ["action", "from_status", "to_status", "level", "actor", "on_behalf_of", "comment", "at"]


class NominationObjectionSerializer(serializers.ModelSerializer):
    """An objection on the nomination's page: its id is what ``resolve-objection`` takes."""

    class Meta:
        model = Objection
        fields = ["id", "reason", "outcome", "resolution", "raised_at"]
        read_only_fields = fields


class NominationSerializer(ScopedModelSerializer):
    award_kind_name = serializers.CharField(source="award_kind.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    subject_name = serializers.CharField(read_only=True)
    drafted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # Supporting links (ids): visible objects only (else 400); the service checks the rest
    # (published evaluation / awarded nomination of the same subject).
    supporting_evaluations = ScopedPrimaryKeyRelatedField(
        many=True, queryset=Evaluation.objects.all(), required=False, write_only=True
    )
    earlier_awards = ScopedPrimaryKeyRelatedField(
        many=True, queryset=Nomination.objects.all(), required=False, write_only=True
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        links = instance.supports.all()  # prefetched by the views
        data["supporting_evaluations"] = [x.evaluation_id for x in links if x.evaluation_id]
        data["earlier_awards"] = [x.earlier_award_id for x in links if x.earlier_award_id]
        return data

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
            "approved_on",
            "supporting_evaluations",
            "earlier_awards",
        ]
        read_only_fields = [
            "status",
            "current_level",
            "waiting_since",
            "notice_ends_on",
            "drafted_by",
            "created_at",
            "order",
            "approved_on",
        ]


class SupportSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    label = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Support
        fields = ["id", "kind", "evaluation", "earlier_award", "label"]

    def get_kind(self, obj) -> str:
        return "evaluation" if obj.evaluation_id else "earlier_award"


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "original_name", "size", "uploaded_by", "uploaded_at", "download_url"]

    name = serializers.CharField(source="original_name", read_only=True)

    def get_download_url(self, obj) -> str:
        return f"/api/commendations/nominations/{obj.nomination_id}/attachments/{obj.pk}/"


class NominationDetailSerializer(NominationSerializer):
    decisions = NominationDecisionSerializer(many=True, read_only=True)
    supports = SupportSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    objections = NominationObjectionSerializer(many=True, read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text="当前用户此刻可执行的流程操作：submit、review、approve、return、reject、withdraw、"
        "object、resolve_objection"
    )

    class Meta(NominationSerializer.Meta):
        fields = [
            *NominationSerializer.Meta.fields,
            "decisions",
            "supports",
            "attachments",
            "objections",
            "available_actions",
        ]

    def get_available_actions(self, obj) -> list[str]:
        from ..selectors import nomination_available_actions

        request = self.context.get("request")
        if request is None:
            return []
        return nomination_available_actions(nomination=obj, actor=request.user)


class PublicNoticeSerializer(serializers.ModelSerializer):
    """公示: what the unit a notice concerns sees (no evidence, no decision trail)."""

    award_kind_name = serializers.CharField(source="award_kind.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    subject_name = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Nomination
        fields = [
            "id",
            "award_kind_name",
            "year",
            "unit_name",
            "subject_name",
            "deeds",
            "status",
            "status_display",
            "notice_ends_on",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(max_length=200, allow_empty_file=False)


class SeedFromHonoursSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)


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
    period_display = serializers.CharField(source="get_period_display", read_only=True)

    class Meta:
        model = Quota
        fields = ["id", "unit", "award_kind", "year", "period", "period_display", "limit"]


class DelegationSerializer(serializers.ModelSerializer):
    approver = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # An unknown name and one outside the approver's scope answer alike (no account oracle);
    # the service decides who is eligible.
    deputy = serializers.SlugRelatedField(
        slug_field="username",
        queryset=Delegation._meta.get_field("deputy").related_model.objects.filter(is_active=True),
        error_messages={"does_not_exist": NOT_ELIGIBLE, "invalid": NOT_ELIGIBLE},
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
