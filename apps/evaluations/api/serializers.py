from decimal import Decimal

from rest_framework import serializers

from apps.access.models import Role
from apps.core.api.serializers import ScopedModelSerializer

from ..models import Criterion, Evaluation, GradeBand, GroupHonour, Scheme, SchemeEvaluator, Score


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "parent", "name", "description", "weight", "max_score", "required", "order"]


class CriterionWriteSerializer(serializers.ModelSerializer):
    """A criterion on its own (``/api/evaluations/criteria/``): written by who manages schemes."""

    scheme = serializers.PrimaryKeyRelatedField(queryset=Scheme.objects.all())
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Criterion.objects.all(), allow_null=True, required=False, help_text="上级指标（同一方案）"
    )

    class Meta:
        model = Criterion
        fields = ["id", "scheme", "parent", "name", "description", "weight", "max_score", "required", "order"]
        extra_kwargs = {
            "weight": {"max_value": Decimal("1000")},
            "max_score": {"max_value": Decimal("1000")},
            "order": {"max_value": 1000},
        }


class GradeBandSerializer(serializers.ModelSerializer):
    class Meta:
        model = GradeBand
        fields = ["label", "min_total"]
        extra_kwargs = {"min_total": {"min_value": Decimal("0"), "max_value": Decimal("100")}}


class SchemeEvaluatorSerializer(serializers.ModelSerializer):
    role = serializers.SlugRelatedField(
        slug_field="code", queryset=Role.objects.all(), help_text="角色代码，如 secretary"
    )

    class Meta:
        model = SchemeEvaluator
        fields = ["role", "weight"]
        extra_kwargs = {"weight": {"max_value": Decimal("100")}}


class SchemeSerializer(serializers.ModelSerializer):
    """A scheme with its criteria (read here, written in the admin) and, written as a whole
    when given, its grade bands and evaluator roles."""

    criteria = CriterionSerializer(many=True, read_only=True)
    bands = GradeBandSerializer(many=True, required=False)
    evaluator_roles = SchemeEvaluatorSerializer(many=True, required=False)

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
            "evaluator_roles",
        ]
        extra_kwargs = {"honour_top_n": {"min_value": 1, "max_value": 20}}

    def validate_bands(self, bands):
        labels = [b["label"] for b in bands]
        if len(labels) != len(set(labels)):
            raise serializers.ValidationError("等次名称不能重复。")
        return bands

    def validate_evaluator_roles(self, rows):
        roles = [r["role"].pk for r in rows]
        if len(roles) != len(set(roles)):
            raise serializers.ValidationError("评价人角色不能重复。")
        return rows


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


class RollupRowSerializer(serializers.Serializer):
    """逐级汇总: one direct child unit of the asked unit."""

    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    subjects = serializers.IntegerField(help_text="考核对象数")
    mean_total = serializers.FloatField(allow_null=True, help_text="平均总分；无考核对象时为空")


class DistributionRowSerializer(serializers.Serializer):
    """等次分布: one direct child unit of the asked unit."""

    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    grades = serializers.DictField(child=serializers.IntegerField(), help_text="等次 → 人数（已发布）")
    mean_total = serializers.FloatField(allow_null=True, help_text="平均总分；无已发布结果时为空")
