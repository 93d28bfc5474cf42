from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, check_date_order
from apps.units.choices import LiveUnitsSerializerMixin

from ..models import (
    Attendance,
    DailyCompliance,
    Decision,
    DeliberationItem,
    DeliberationList,
    GroupWeeklyReport,
    Meeting,
    ReportingPolicy,
    ResponsibilityItem,
    ZeroReport,
    ZeroReportCorrection,
    ZeroReportItem,
)


class ZeroReportItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ZeroReportItem
        fields = ["kind", "description", "people_affected"]


class ZeroReportCorrectionSerializer(serializers.ModelSerializer):
    corrected_by_name = serializers.SerializerMethodField()

    class Meta:
        model = ZeroReportCorrection
        fields = ["corrected_by_name", "corrected_at", "reason", "previous_note", "previous_items"]

    def get_corrected_by_name(self, obj) -> str:
        from ..services import person_name

        return person_name(obj.corrected_by)


class ZeroReportSerializer(LiveUnitsSerializerMixin, ScopedModelSerializer):
    items = ZeroReportItemSerializer(many=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    filed_by_name = serializers.SerializerMethodField()
    corrections = ZeroReportCorrectionSerializer(many=True, read_only=True)

    class Meta:
        model = ZeroReport
        fields = [
            "id",
            "unit",
            "unit_name",
            "report_date",
            "nothing_to_report",
            "items",
            "note",
            "filed_by",
            "filed_by_name",
            "filed_at",
            "is_late",
            "corrections",
        ]
        read_only_fields = ["nothing_to_report", "filed_by", "filed_at", "is_late"]
        validators = []  # a second filing of the day is refused by the service, in Chinese

    def get_filed_by_name(self, obj) -> str:
        from ..services import person_name

        return person_name(obj.filed_by)


class ZeroReportCorrectSerializer(serializers.Serializer):
    """A correction: the report's items and note as they should read, and why."""

    reason = serializers.CharField(max_length=200, label="更正原因")
    items = ZeroReportItemSerializer(many=True, required=False, default=list)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DailyComplianceSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DailyCompliance
        fields = ["id", "unit", "unit_name", "date", "status", "swept_at"]


class GroupWeeklyReportSerializer(ScopedModelSerializer):
    """Filed by the caller (the service sets ``filed_by``); one per group and week."""

    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = GroupWeeklyReport
        fields = [
            "id",
            "group",
            "week_start",
            "work_done",
            "next_week_plan",
            "members_state_of_mind",
            "difficulties",
            "filed_by",
            "filed_at",
        ]
        read_only_fields = ["filed_by", "filed_at"]
        validators = []  # one per group and week: the service answers in Chinese

    def validate(self, attrs):
        group, week = attrs.get("group"), attrs.get("week_start")
        if group is not None and group.kind != "party_group":
            raise serializers.ValidationError({"group": "只有党小组填报周报。"})
        if week is not None and week.weekday() != 0:
            raise serializers.ValidationError({"week_start": "请填写该周的周一日期。"})
        return attrs


class AttendanceSerializer(ScopedModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["person", "person_name", "present", "absence_reason"]


class MeetingSerializer(ScopedModelSerializer):
    attendances = AttendanceSerializer(many=True, required=False)
    attendance_rate = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organisation",
            "kind",
            "kind_display",
            "starts_at",
            "ends_at",
            "place",
            "topic",
            "organiser",
            "minutes",
            "attendances",
            "attendance_rate",
        ]

    def get_attendance_rate(self, obj) -> float | None:
        rows = list(obj.attendances.all())
        return round(100 * sum(a.present for a in rows) / len(rows), 1) if rows else None

    def validate(self, attrs):
        check_date_order(self, attrs, "starts_at", "ends_at", "结束时间不能早于开始时间。")
        return attrs


class DecisionSerializer(ScopedModelSerializer):
    outside_meeting = serializers.BooleanField(read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "organisation", "item", "meeting", "date", "matter", "decision", "outside_meeting"]

    def validate(self, attrs):
        meeting, org = attrs.get("meeting"), attrs.get("organisation")
        if meeting is not None and org is not None and meeting.organisation_id != org.pk:
            raise serializers.ValidationError({"meeting": "会议不属于该党组织。"})
        return attrs


class DeliberationItemSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(label="序号", min_value=1, max_value=999)

    class Meta:
        model = DeliberationItem
        fields = ["id", "order", "text"]


class DeliberationListSerializer(serializers.ModelSerializer):
    """必议事项清单 with its items. Writing ``items`` makes them exactly those, matched by 序号
    (an item a decision cites cannot be dropped: 400, nothing written)."""

    items = DeliberationItemSerializer(many=True, required=False)

    class Meta:
        model = DeliberationList
        fields = ["id", "code", "name", "unit_kinds", "items"]
        extra_kwargs = {"code": {"validators": []}}  # a taken code: the service answers in Chinese


class ReportingPolicySerializer(LiveUnitsSerializerMixin, ScopedModelSerializer):
    """零报告报送设置 of a unit (inherited by its subtree), set by the level above it."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ReportingPolicy
        fields = ["id", "unit", "unit_name", "must_report", "deadline"]
        extra_kwargs = {"unit": {"validators": []}}  # one per unit: the service answers in Chinese


class OverdueWeeklyReportSerializer(serializers.Serializer):
    """A party group of the branch without a weekly report for the last finished week."""

    group_id = serializers.IntegerField()
    group_name = serializers.CharField()
    week_start = serializers.DateField(help_text="上一完整周的周一")


class ResponsibilityItemSerializer(ScopedModelSerializer):
    """六责 items; overdue ones are reminded daily (``apps.reports.reminders``)."""

    class Meta:
        model = ResponsibilityItem
        fields = [
            "id",
            "organisation",
            "year",
            "kind",
            "description",
            "assignee",
            "due_date",
            "evidence",
            "completed_on",
        ]
