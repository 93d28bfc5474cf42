"""Serializers of wartime operations: output serializers show names (not ids only); input
serializers validate the shape and pass the values to the services, which own the rules."""

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, ScopedPrimaryKeyRelatedField
from apps.party.models import CampaignTeam, OrganisationKind, PartyOrganisation, TeamKind
from apps.people.models import Person
from apps.units.models import Unit

from ..models import (
    CareAction,
    CommendedPerson,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationKind,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    ReportContentAccess,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)


@extend_schema_field(OpenApiTypes.INT)
class OperationField(serializers.PrimaryKeyRelatedField):
    """An operation the user sees, or one that covers a unit the user sees (a station files
    its report and its people's pledges for an operation run by the detachment above)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Operation.objects.none()
        user = request.user
        visible = Operation.objects.visible_to(user, "view").values("pk")
        units = Unit.objects.visible_to(user, "view").values("pk")
        return Operation.objects.filter(Q(pk__in=visible) | Q(covered__unit__in=units)).distinct()


def _scoped(model, **kwargs):
    return ScopedPrimaryKeyRelatedField(queryset=model.objects.all(), **kwargs)


# ---------------------------------------------------------------- operations


class OperationSerializer(ScopedModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    committee_name = serializers.CharField(source="committee.name", read_only=True, default="")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    activated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Operation
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "unit",
            "unit_name",
            "committee",
            "committee_name",
            "coverage",
            "coverage_root",
            "start_date",
            "planned_end",
            "reason",
            "report_level",
            "report_deadline",
            "status",
            "status_display",
            "reporting",
            "activated_at",
            "activated_by",
            "closed_on",
            "closed_at",
            "closed_by",
            "closing_note",
        ]
        read_only_fields = fields


class OperationInputSerializer(serializers.Serializer):
    name = serializers.CharField(label="行动名称", max_length=120)
    kind = serializers.ChoiceField(label="行动类别", choices=OperationKind.choices)
    unit = _scoped(Unit, label="指挥单位")
    committee = _scoped(PartyOrganisation, label="领导党委", required=False, allow_null=True)
    coverage = serializers.ChoiceField(
        label="覆盖方式", choices=Operation.Coverage.choices, default="subtree"
    )
    coverage_root = _scoped(Unit, label="覆盖范围", required=False, allow_null=True)
    units = _scoped(Unit, label="覆盖单位", many=True, required=False)
    start_date = serializers.DateField(label="开始日期")
    planned_end = serializers.DateField(label="计划结束日期", required=False, allow_null=True)
    reason = serializers.CharField(label="启动原因", max_length=2000)
    report_level = serializers.ChoiceField(
        label="战时日报报送单元", choices=Operation.ReportLevel.choices, default="station"
    )
    report_deadline = serializers.TimeField(label="战时日报截止时间", required=False)


class OperationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(label="行动名称", max_length=120, required=False)
    kind = serializers.ChoiceField(label="行动类别", choices=OperationKind.choices, required=False)
    committee = _scoped(PartyOrganisation, label="领导党委", required=False, allow_null=True)
    coverage = serializers.ChoiceField(label="覆盖方式", choices=Operation.Coverage.choices, required=False)
    coverage_root = _scoped(Unit, label="覆盖范围", required=False, allow_null=True)
    units = _scoped(Unit, label="覆盖单位", many=True, required=False)
    start_date = serializers.DateField(label="开始日期", required=False)
    planned_end = serializers.DateField(label="计划结束日期", required=False, allow_null=True)
    reason = serializers.CharField(label="启动原因", max_length=2000, required=False)
    report_level = serializers.ChoiceField(
        label="战时日报报送单元", choices=Operation.ReportLevel.choices, required=False
    )
    report_deadline = serializers.TimeField(label="战时日报截止时间", required=False)


class OrganisationSpecSerializer(serializers.Serializer):
    name = serializers.CharField(label="名称", max_length=120)
    kind = serializers.ChoiceField(
        label="类别（临时党支部或党小组）",
        choices=OrganisationKind.choices,
        default=OrganisationKind.TEMPORARY_BRANCH,
    )
    unit = _scoped(Unit, label="所在单位")
    parent = _scoped(PartyOrganisation, label="上级党组织")
    reason = serializers.CharField(label="成立原因", max_length=200, required=False, default="")
    members = _scoped(Person, label="成员", many=True, required=False)


class TeamSpecSerializer(serializers.Serializer):
    name = serializers.CharField(label="名称", max_length=120)
    kind = serializers.ChoiceField(label="类别", choices=TeamKind.choices)
    unit = _scoped(Unit, label="所在单位")
    organisation = serializers.CharField(
        label="所属党组织", help_text="已有党组织的 ID，或本次一并设立的临时党组织名称"
    )
    purpose = serializers.CharField(label="任务", max_length=200, required=False, default="")
    members = _scoped(Person, label="队员", many=True, required=False)


class ActivateSerializer(serializers.Serializer):
    organisations = OrganisationSpecSerializer(many=True, required=False, default=list)
    teams = TeamSpecSerializer(many=True, required=False, default=list)


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(
        label="结束说明", max_length=2000, required=False, default="", allow_blank=True
    )
    closed_on = serializers.DateField(label="结束日期", required=False)


# ---------------------------------------------------------------- task force, organisations, teams


class WorkingGroupMemberSerializer(ScopedModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = WorkingGroupMember
        fields = ["id", "group", "person", "person_name", "is_leader"]


class WorkingGroupSerializer(ScopedModelSerializer):
    operation = OperationField()
    members = WorkingGroupMemberSerializer(many=True, read_only=True)

    class Meta:
        model = WorkingGroup
        fields = ["id", "operation", "name", "duty", "members"]
        validators = []  # the service answers a duplicate name in Chinese


class OperationOrganisationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="organisation.name", read_only=True)
    kind = serializers.CharField(source="organisation.get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="organisation.unit.name", read_only=True)
    start_date = serializers.DateField(source="organisation.start_date", read_only=True)
    closed_on = serializers.DateField(source="organisation.closed_on", read_only=True)

    class Meta:
        model = OperationOrganisation
        fields = ["id", "operation", "organisation", "name", "kind", "unit_name", "start_date", "closed_on"]
        read_only_fields = fields


class OrganisationSetupSerializer(OrganisationSpecSerializer):
    operation = OperationField(label="战时行动")


class OperationTeamSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="team.name", read_only=True)
    kind = serializers.CharField(source="team.get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="team.unit.name", read_only=True)
    start_date = serializers.DateField(source="team.start_date", read_only=True)
    end_date = serializers.DateField(source="team.end_date", read_only=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = OperationTeam
        fields = ["id", "operation", "team", "name", "kind", "unit_name", "start_date", "end_date", "members"]
        read_only_fields = fields

    def get_members(self, obj) -> int:
        return getattr(obj, "member_count", 0)


class TeamSetupSerializer(serializers.Serializer):
    operation = OperationField(label="战时行动")
    name = serializers.CharField(label="名称", max_length=120)
    kind = serializers.ChoiceField(label="类别", choices=TeamKind.choices)
    unit = _scoped(Unit, label="所在单位")
    organisation = _scoped(PartyOrganisation, label="所属党组织")
    purpose = serializers.CharField(label="任务", max_length=200, required=False, default="")
    members = _scoped(Person, label="队员", many=True, required=False, default=list)


class TeamMemberInputSerializer(serializers.Serializer):
    person = _scoped(Person, label="队员")
    role = serializers.CharField(label="分工", max_length=40, required=False, default="")


# ---------------------------------------------------------------- 包片 and visits


class SectorAssignmentSerializer(ScopedModelSerializer):
    operation = OperationField()
    member_name = serializers.CharField(source="member.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = SectorAssignment
        fields = ["id", "operation", "member", "member_name", "unit", "unit_name", "note"]
        validators = []


class InspectionVisitSerializer(ScopedModelSerializer):
    operation = OperationField()
    inspector_name = serializers.CharField(source="inspector.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = InspectionVisit
        fields = ["id", "operation", "inspector", "inspector_name", "unit", "unit_name", "date", "findings"]


# ---------------------------------------------------------------- pledges, front line, care


class PledgeSerializer(ScopedModelSerializer):
    operation = OperationField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    filed_as_display = serializers.CharField(source="get_filed_as_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default="")

    class Meta:
        model = Pledge
        fields = [
            "id",
            "operation",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "kind",
            "kind_display",
            "date",
            "text",
            "volunteer",
            "filed_as",
            "filed_as_display",
            "team",
            "team_name",
        ]
        read_only_fields = ["unit", "filed_as", "team"]
        extra_kwargs = {"date": {"required": False}}
        validators = []


class SelfPledgeSerializer(serializers.Serializer):
    operation = serializers.IntegerField(label="战时行动 ID")
    kind = serializers.ChoiceField(label="形式", choices=Pledge.Kind.choices, default=Pledge.Kind.PETITION)
    text = serializers.CharField(label="内容", max_length=4000, required=False, default="", allow_blank=True)
    volunteer = serializers.BooleanField(label="主动请缨", default=True)


class AssignTeamSerializer(serializers.Serializer):
    pledges = _scoped(Pledge, label="请战记录", many=True)
    team = serializers.PrimaryKeyRelatedField(label="队伍", queryset=CampaignTeam.objects.all())


class FrontlinePersonSerializer(ScopedModelSerializer):
    operation = OperationField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = FrontlinePerson
        fields = [
            "id",
            "operation",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "post",
            "isolated",
            "since",
        ]
        read_only_fields = ["unit"]
        extra_kwargs = {"since": {"required": False}}
        validators = []


class CareActionSerializer(ScopedModelSerializer):
    operation = OperationField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    item_display = serializers.CharField(source="get_item_display", read_only=True)

    class Meta:
        model = CareAction
        fields = ["id", "operation", "person", "person_name", "unit", "item", "item_display", "date", "note"]
        read_only_fields = ["unit"]
        extra_kwargs = {"date": {"required": False}}


# ---------------------------------------------------------------- daily report


class DailyReportSerializer(ScopedModelSerializer):
    """Metadata and figures for everyone who may view the report; the confidential parts
    (``content``) are added by the viewset for entitled readers, and each read is logged."""

    operation_name = serializers.CharField(source="operation.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    party_group_name = serializers.CharField(source="party_group.name", read_only=True, default="")
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    content_visible = serializers.SerializerMethodField()

    class Meta:
        model = DailyReport
        fields = [
            "id",
            "operation",
            "operation_name",
            "unit",
            "unit_name",
            "party_group",
            "party_group_name",
            "report_date",
            "on_duty",
            "has_health_issues",
            "difficulties_raised",
            "difficulties_solved",
            "suggestions",
            "suggestion_count",
            "filed_by",
            "filed_at",
            "is_late",
            "content_visible",
        ]
        read_only_fields = fields

    def get_content_visible(self, obj) -> bool:
        return bool(getattr(obj, "content_readable", False))


class DailyReportInputSerializer(serializers.Serializer):
    operation = OperationField(label="战时行动")
    unit = _scoped(Unit, label="报送单位", required=False, allow_null=True)
    party_group = _scoped(PartyOrganisation, label="党小组", required=False, allow_null=True)
    report_date = serializers.DateField(label="日报日期")
    on_duty = serializers.IntegerField(label="在岗人数", min_value=0, max_value=100000)
    thought_status = serializers.CharField(
        label="思想状况", max_length=4000, required=False, default="", allow_blank=True
    )
    health_status = serializers.CharField(
        label="健康状况", max_length=4000, required=False, default="", allow_blank=True
    )
    difficulties = serializers.CharField(
        label="困难问题", max_length=4000, required=False, default="", allow_blank=True
    )
    has_health_issues = serializers.BooleanField(label="有健康异常", default=False)
    difficulties_raised = serializers.IntegerField(
        label="新发现困难", min_value=0, max_value=10000, default=0
    )
    difficulties_solved = serializers.IntegerField(label="解决困难", min_value=0, max_value=10000, default=0)
    suggestions = serializers.CharField(
        label="金点子", max_length=4000, required=False, default="", allow_blank=True
    )


class ReportContentSerializer(serializers.Serializer):
    thought_status = serializers.CharField()
    health_status = serializers.CharField()
    difficulties = serializers.CharField()


class DailyReportDetailSerializer(DailyReportSerializer):
    content = ReportContentSerializer(read_only=True, required=False)

    class Meta(DailyReportSerializer.Meta):
        fields = [*DailyReportSerializer.Meta.fields, "content"]
        read_only_fields = fields


class ReportContentAccessSerializer(serializers.ModelSerializer):
    user = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReportContentAccess
        fields = ["id", "report", "user", "channel", "accessed_at"]
        read_only_fields = fields


class DailyAssessmentSerializer(ScopedModelSerializer):
    operation = OperationField()
    written_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DailyAssessment
        fields = ["id", "operation", "date", "note", "written_by"]
        validators = []


# ---------------------------------------------------------------- observations and commendations


class ObservationSerializer(ScopedModelSerializer):
    operation = OperationField()
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    observer = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "operation",
            "person",
            "person_name",
            "unit",
            "unit_name",
            "date",
            "category",
            "category_display",
            "conduct",
            "observer",
        ]
        read_only_fields = ["unit"]


class ObservationLinkSerializer(ScopedModelSerializer):
    linked_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ObservationLink
        fields = ["id", "observation", "nomination", "evaluation", "linked_by", "linked_at"]
        validators = []


class CommendedPersonSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = CommendedPerson
        fields = ["id", "person", "person_name", "unit", "unit_name", "deeds", "exemplary"]
        read_only_fields = fields


class QuickCommendationSerializer(ScopedModelSerializer):
    entries = CommendedPersonSerializer(many=True, read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published = serializers.SerializerMethodField()

    class Meta:
        model = QuickCommendation
        fields = [
            "id",
            "operation",
            "title",
            "number",
            "decided_on",
            "notice_days",
            "published_on",
            "published",
            "preamble",
            "decided_by",
            "entries",
        ]
        read_only_fields = fields

    def get_published(self, obj) -> bool:
        from django.utils import timezone

        return obj.is_published(timezone.localdate())


class CommendedEntryInputSerializer(serializers.Serializer):
    person = _scoped(Person, label="受表扬人员")
    deeds = serializers.CharField(label="主要事迹", max_length=500)
    exemplary = serializers.BooleanField(label="作为先进典型宣传", default=False)


class QuickCommendationInputSerializer(serializers.Serializer):
    operation = OperationField(label="战时行动")
    title = serializers.CharField(label="通报标题", max_length=200)
    number = serializers.CharField(label="文号", max_length=60)
    decided_on = serializers.DateField(label="决定日期", required=False)
    notice_days = serializers.IntegerField(label="公示天数", min_value=0, max_value=5, default=0)
    preamble = serializers.CharField(
        label="通报正文", max_length=4000, required=False, default="", allow_blank=True
    )
    entries = CommendedEntryInputSerializer(label="受表扬人员", many=True, allow_empty=False)
