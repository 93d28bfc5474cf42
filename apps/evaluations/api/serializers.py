from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer

from ..models import Criterion, Evaluation, GradeBand, GroupHonour, Scheme, Score


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "parent", "name", "description", "weight", "max_score", "required", "order"]


class GradeBandSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeBand
        fields = ["label", "min_total"]


class SchemeSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    bands = GradeBandSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = [
            "id",
            "code",
            "name",
            "subject_kind",
            "period_kind",
            "aggregation",
            "description",
            "honour_top_n",
            "is_active",
            "criteria",
            "bands",
        ]


class ScoreSerializer(serializers.ModelSerializer):
    evaluator = serializers.CharField(source="evaluator.username", read_only=True)

    class Meta:
        model = Score
        fields = ["id", "criterion", "evaluator", "evaluator_weight", "value", "comment", "updated_at"]


class EvaluationSerializer(ScopedModelSerializer):
    scheme_name = serializers.CharField(source="scheme.name", read_only=True)
    subject_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "scheme",
            "scheme_name",
            "year",
            "period_number",
            "period_label",
            "subject_kind",
            "person",
            "organisation",
            "subject_unit",
            "subject_name",
            "unit",
            "unit_name",
            "status",
            "status_display",
            "version",
            "supersedes",
            "correction_reason",
            "total",
            "grade",
            "rank_in_parent",
            "rank_in_corps",
            "computed_at",
            "published_at",
        ]
        read_only_fields = fields

    def get_subject_name(self, obj) -> str:
        return str(obj.subject)


class EvaluationDetailSerializer(EvaluationSerializer):
    scores = ScoreSerializer(many=True, read_only=True)

    class Meta(EvaluationSerializer.Meta):
        fields = [*EvaluationSerializer.Meta.fields, "scores"]
        read_only_fields = fields


class EvaluationCreateSerializer(serializers.Serializer):
    scheme = serializers.PrimaryKeyRelatedField(queryset=Scheme.objects.filter(is_active=True))
    subject = serializers.IntegerField(help_text="人员、党组织或单位的 ID（按方案的考核对象）")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period_number = serializers.IntegerField(min_value=0, max_value=12, default=0)
    period_label = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")


class ScoreSheetSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.CharField(), help_text="{指标ID: 得分}", allow_empty=False
    )
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)


class SurveyTallySerializer(serializers.Serializer):
    satisfied = serializers.IntegerField(min_value=0, max_value=10_000_000, help_text="满意票数")
    valid = serializers.IntegerField(min_value=1, max_value=10_000_000, help_text="有效票数")


class CorrectionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class GroupHonourSerializer(ScopedModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True, default="")
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    total = serializers.DecimalField(
        source="evaluation.total", max_digits=7, decimal_places=2, read_only=True
    )

    class Meta:
        model = GroupHonour
        fields = [
            "id",
            "year",
            "group",
            "group_name",
            "branch",
            "branch_name",
            "unit",
            "unit_name",
            "evaluation",
            "total",
            "rank_in_branch",
            "status",
            "members",
            "decided_at",
        ]
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    top_n = serializers.IntegerField(min_value=1, max_value=20, required=False)
