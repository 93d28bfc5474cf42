from django.contrib import admin

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline

from .models import (
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
    ZeroReportItem,
)


class ZeroReportItemInline(ScopedTabularInline):
    model = ZeroReportItem
    fields = ["kind", "description", "people_affected"]


@admin.register(ZeroReport)
class ZeroReportAdmin(ScopedModelAdmin):
    list_display = ["report_date", "unit", "nothing_to_report", "is_late", "filed_by", "filed_at"]
    list_filter = ["report_date", "is_late", "nothing_to_report"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "filed_by"]
    date_hierarchy = "report_date"
    fields = ["unit", "report_date", "note"]
    inlines = [ZeroReportItemInline]

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "report_date"] if obj else []

    def save_model(self, request, obj, form, change):
        from .services import zero_report_file

        if change:
            return super().save_model(request, obj, form, change)
        report = zero_report_file(
            unit=obj.unit, report_date=obj.report_date, note=obj.note, actor=request.user
        )
        obj.pk = report.pk
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        report = form.instance
        has_items = report.items.exists()
        if report.nothing_to_report == has_items:
            ZeroReport.objects.filter(pk=report.pk).update(nothing_to_report=not has_items)


@admin.register(DailyCompliance)
class DailyComplianceAdmin(ScopedModelAdmin):
    list_display = ["date", "unit", "status", "swept_at"]
    list_filter = ["status", "date"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportingPolicy)
class ReportingPolicyAdmin(ScopedModelAdmin):
    list_display = ["unit", "must_report", "deadline"]
    list_filter = ["must_report"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]


@admin.register(GroupWeeklyReport)
class GroupWeeklyReportAdmin(ScopedModelAdmin):
    list_display = ["week_start", "group", "filed_by", "filed_at"]
    list_filter = ["week_start"]
    search_fields = ["group__name"]
    list_select_related = ["group", "filed_by"]
    exclude = ["filed_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.filed_by = request.user
        super().save_model(request, obj, form, change)


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    fields = ["person", "present", "absence_reason"]
    autocomplete_fields = ["person"]


class DecisionInline(ScopedTabularInline):
    model = Decision
    fields = ["item", "matter", "decision", "date", "organisation"]


@admin.register(Meeting)
class MeetingAdmin(ScopedModelAdmin):
    list_display = ["starts_at", "kind", "topic", "organisation", "attendance"]
    list_filter = ["kind", "starts_at"]
    search_fields = ["topic", "organisation__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceInline, DecisionInline]

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                _total=Count("attendances"),
                _present=Count("attendances", filter=Q(attendances__present=True)),
            )
        )

    @admin.display(description="出席率")
    def attendance(self, obj):
        return (
            f"{round(100 * obj._present / obj._total, 1)}%（{obj._present}/{obj._total}）"
            if obj._total
            else "—"
        )


@admin.register(Decision)
class DecisionAdmin(ScopedModelAdmin):
    list_display = ["date", "matter", "organisation", "item", "meeting", "flagged"]
    list_filter = ["date", "item__list"]
    search_fields = ["matter", "organisation__name"]
    list_select_related = ["organisation", "item__list", "meeting"]

    @admin.display(description="会外决定必议事项", boolean=True)
    def flagged(self, obj):
        return obj.outside_meeting


class DeliberationItemInline(admin.TabularInline):
    model = DeliberationItem
    extra = 0


@admin.register(DeliberationList)
class DeliberationListAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "unit_kinds"]
    search_fields = ["name"]
    inlines = [DeliberationItemInline]


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(ScopedModelAdmin):
    list_display = ["year", "kind", "description", "organisation", "assignee", "due_date", "completed_on"]
    list_filter = ["year", "kind", ("completed_on", admin.EmptyFieldListFilter)]
    search_fields = ["description", "organisation__name", "assignee__name"]
    list_select_related = ["organisation", "assignee"]
    autocomplete_fields = ["assignee"]
