from rest_framework import serializers

from apps.core.api.serializers import ScopedModelSerializer, check_date_order

from ..models import (
    Attendance,
    DailyCompliance,
    Decision,
    DeliberationList,
    GroupWeeklyReport,
    Meeting,
    ResponsibilityItem,
    ZeroReport,
    ZeroReportItem,
)


class ZeroReportItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ZeroReportItem
        fields = ["kind", "description", "people_affected"]


class ZeroReportSerializer(ScopedModelSerializer):
    items = ZeroReportItemSerializer(many=True, required=False)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    filed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

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
            "filed_at",
            "is_late",
        ]
        read_only_fields = ["nothing_to_report", "filed_by", "filed_at", "is_late"]
        validators = []  # refiling the same day replaces the items (the service decides)


class DailyComplianceSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = DailyCompliance
        fields = ["id", "unit", "unit_name", "date", "status", "swept_at"]


class GroupWeeklyReportSerializer(ScopedModelSerializer):
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


class DeliberationListSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()

    class Meta:
        model = DeliberationList
        fields = ["id", "code", "name", "unit_kinds", "items"]

    def get_items(self, obj) -> list[dict]:
        return [{"id": i.pk, "order": i.order, "text": i.text} for i in obj.items.all()]


class ResponsibilityItemSerializer(ScopedModelSerializer):
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
