import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path

from apps.access.authority import may, may_everywhere
from apps.core.admin import ReferenceDataAdmin, ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.exports import xlsx_response
from apps.core.writes import writes_for
from apps.units.choices import LiveUnitChoicesAdminMixin
from apps.units.models import Unit, UnitKind

from . import exports, selectors, services
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
    ZeroReportCorrection,
    ZeroReportItem,
)


class MissingExchangeForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="单位（含下级）", required=False)
    month = forms.DateField(
        label="月份",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"invalid": "月份格式应为 YYYY-MM。"},
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units.order_by("path")
        self.fields["unit"].error_messages["invalid_choice"] = "单位不存在或不在您的管辖范围内。"

    def clean_month(self):
        month = self.cleaned_data["month"]
        if not datetime.date(2000, 1, 1) <= month <= datetime.date.today().replace(day=1):
            raise forms.ValidationError("月份超出可查询范围。")
        return month


class ZeroReportItemInline(ScopedTabularInline):
    model = ZeroReportItem
    fields = ["kind", "description", "people_affected"]


class ZeroReportCorrectionInline(ScopedTabularInline):
    model = ZeroReportCorrection
    fields = ["corrected_at", "corrected_by", "reason", "previous_note", "previous_items"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "更正记录"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ZeroReportForm(forms.ModelForm):
    correction_reason = forms.CharField(
        label="更正原因", max_length=200, required=False, help_text="修改已报送的零报告须填写更正原因。"
    )

    class Meta:
        model = ZeroReport
        fields = ["unit", "report_date", "note"]

    def _get_validation_exclusions(self):
        # One report per unit and day: a second filing is refused by the service, which says
        # how to correct the filed one (the model's generic "already exists" would not).
        return {*super()._get_validation_exclusions(), "report_date"}


@admin.register(ZeroReport)
class ZeroReportAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    """Filing and correcting go through the services with the report's items in one call: a
    second filing of a day is refused; a change is a correction with a reason, kept on record."""

    form = ZeroReportForm
    list_display = ["report_date", "unit", "nothing_to_report", "is_late", "filed_by", "filed_at"]
    list_filter = [UnitSubtreeFilter, "report_date", "is_late", "nothing_to_report"]
    search_fields = ["unit__name", "unit__code"]
    list_select_related = ["unit", "filed_by"]
    date_hierarchy = "report_date"
    inlines = [ZeroReportItemInline, ZeroReportCorrectionInline]

    def get_fields(self, request, obj=None):
        return (
            ["unit", "report_date", "note", "correction_reason"] if obj else ["unit", "report_date", "note"]
        )

    def get_readonly_fields(self, request, obj=None):
        return ["unit", "report_date"] if obj else []

    def save_model(self, request, obj, form, change):
        pass  # filed or corrected together with its items in save_related (one service call)

    def save_related(self, request, form, formsets, change):
        items = []
        for formset in formsets:
            if formset.model is not ZeroReportItem:
                continue
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for item_form in formset.forms:
                data = getattr(item_form, "cleaned_data", None)
                if data and not data.get("DELETE") and data.get("kind"):
                    items.append(
                        {
                            "kind": data["kind"],
                            "description": data["description"],
                            "people_affected": data.get("people_affected") or 0,
                        }
                    )
        for formset in formsets:
            if formset.model is not ZeroReportItem:
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        report = form.instance
        if change:
            services.zero_report_correct(
                report=report,
                actor=request.user,
                reason=form.cleaned_data.get("correction_reason", ""),
                items=items,
                note=form.cleaned_data.get("note", ""),
            )
            return
        filed = services.zero_report_file(
            unit=report.unit,
            report_date=report.report_date,
            note=report.note,
            items=items,
            actor=request.user,
        )
        report.pk = filed.pk
        report._state.adding = False


@admin.register(DailyCompliance)
class DailyComplianceAdmin(ScopedModelAdmin):
    list_display = ["date", "unit", "status", "swept_at"]
    list_filter = [UnitSubtreeFilter, "status", "date"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportingPolicy)
class ReportingPolicyAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    """Written through the services (``reporting_policy.manage``, level above): the unit's own
    staff see its policy read-only."""

    list_display = ["unit", "must_report", "deadline"]
    list_filter = [UnitSubtreeFilter, "must_report"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may(request.user, "reporting_policy.manage", obj.unit))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may(request.user, "reporting_policy.manage", obj.unit))


@admin.register(GroupWeeklyReport)
class GroupWeeklyReportAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["week_start", "group", "filed_by", "filed_at"]
    list_filter = [UnitSubtreeFilter, "week_start"]
    search_fields = ["group__name"]
    list_select_related = ["group", "filed_by"]
    exclude = ["filed_by"]

    @admin.action(description="导出所选记录为 Excel")
    def export_xlsx(self, request, queryset):
        headers, rows = exports.group_weekly_rows(queryset)
        return xlsx_response(filename="党小组周报.xlsx", headers=headers, rows=rows)


class AttendanceInline(ScopedTabularInline):
    model = Attendance
    fields = ["person", "present", "absence_reason"]
    autocomplete_fields = ["person"]


class DecisionInline(ScopedTabularInline):
    model = Decision
    fields = ["item", "matter", "decision", "date", "organisation"]


@admin.register(Meeting)
class MeetingAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["starts_at", "kind", "topic", "organisation", "attendance"]
    list_filter = [UnitSubtreeFilter, "kind", "starts_at"]
    search_fields = ["topic", "organisation__name"]
    list_select_related = ["organisation"]
    date_hierarchy = "starts_at"
    inlines = [AttendanceInline, DecisionInline]
    change_list_template = "admin/reports/meeting/change_list.html"

    def get_urls(self):
        return [
            path(
                "missing-exchange/",
                self.admin_site.admin_view(self.missing_exchange_view),
                name="reports_meeting_missing_exchange",
            ),
            *super().get_urls(),
        ]

    def missing_exchange_view(self, request):
        """未按月召开党小组工作交流会的党支部: per unit subtree and month."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        units = Unit.objects.visible_to(request.user, "view").filter(dissolved_on__isnull=True)
        form = MissingExchangeForm(request.GET or None, units=units)
        context = {
            **self.admin_site.each_context(request),
            "title": "未召开党小组工作交流会的党支部",
            "opts": self.model._meta,
            "form": form,
        }
        unit, month = units.order_by("depth", "path").first(), selectors.parse_month("")
        if request.GET and form.is_valid():
            unit = form.cleaned_data["unit"] or unit
            month = (form.cleaned_data["month"].year, form.cleaned_data["month"].month)
        elif request.GET:
            unit = None  # the form shows its errors; no table for bad input
        if unit is not None:
            context.update(
                unit=unit,
                month=f"{month[0]:04d}-{month[1]:02d}",
                rows=selectors.branches_without_exchange_meeting(
                    user=request.user, root=unit, year=month[0], month=month[1]
                ),
            )
        return TemplateResponse(request, "admin/reports/meeting/missing_exchange.html", context)

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
class DecisionAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["date", "matter", "organisation", "item", "meeting", "flagged"]
    list_filter = [UnitSubtreeFilter, "date", "item__list"]
    search_fields = ["matter", "organisation__name"]
    list_select_related = ["organisation", "item__list", "meeting"]

    @admin.display(description="会外决定必议事项", boolean=True)
    def flagged(self, obj):
        return obj.outside_meeting


class DeliberationItemInline(admin.TabularInline):
    """The list's items, written with the list in one service call (``save_related``)."""

    model = DeliberationItem
    extra = 0

    def has_add_permission(self, request, obj=None):
        return may_everywhere(request.user, "deliberation_list.manage")

    def has_change_permission(self, request, obj=None):
        return may_everywhere(request.user, "deliberation_list.manage")

    def has_delete_permission(self, request, obj=None):
        return may_everywhere(request.user, "deliberation_list.manage")


class AppliesToKindFilter(admin.SimpleListFilter):
    """适用单位类别: ``unit_kinds`` is a comma-separated list of unit kinds."""

    title = "适用单位类别"
    parameter_name = "unit_kind"

    def lookups(self, request, model_admin):
        return UnitKind.choices

    def queryset(self, request, queryset):
        if self.value() not in UnitKind.values:
            return queryset
        return queryset.filter(unit_kinds__regex=rf"(^|,)\s*{self.value()}\s*(,|$)")


@admin.register(DeliberationList)
class DeliberationListAdmin(ReferenceDataAdmin):
    """必议事项清单: global, managed from the top of the tree (``deliberation_list.manage``); the
    list and its items go through the services in one call (an item a decision cites is kept)."""

    authority = "deliberation_list.manage"
    list_display = ["name", "code", "applies_to"]
    list_filter = [AppliesToKindFilter]
    search_fields = ["name", "code", "items__text"]
    inlines = [DeliberationItemInline]

    def save_model(self, request, obj, form, change):
        pass  # written with its items in save_related (one service call)

    def save_related(self, request, form, formsets, change):
        items = None
        for formset in formsets:
            if formset.model is not DeliberationItem:
                continue
            items = [
                {"order": f.cleaned_data["order"], "text": f.cleaned_data["text"]}
                for f in formset.forms
                if getattr(f, "cleaned_data", None)
                and not f.cleaned_data.get("DELETE")
                and f.cleaned_data.get("order") is not None
            ]
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        writes = writes_for(DeliberationList)
        related = {} if items is None else {"items": items}
        (writes.update if change else writes.create)(
            instance=form.instance, actor=request.user, related=related
        )

    @admin.display(description="适用单位类别", ordering="unit_kinds")
    def applies_to(self, obj):
        labels = dict(UnitKind.choices)
        return "、".join(labels.get(k.strip(), k.strip()) for k in obj.unit_kinds.split(",") if k.strip())


@admin.register(ResponsibilityItem)
class ResponsibilityItemAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["year", "kind", "description", "organisation", "assignee", "due_date", "completed_on"]
    list_filter = [UnitSubtreeFilter, "year", "kind", ("completed_on", admin.EmptyFieldListFilter)]
    search_fields = ["description", "organisation__name", "assignee__name"]
    list_select_related = ["organisation", "assignee"]
    autocomplete_fields = ["assignee"]

    @admin.action(description="导出所选记录为 Excel")
    def export_xlsx(self, request, queryset):
        headers, rows = exports.responsibility_rows(queryset)
        return xlsx_response(filename="六责清单.xlsx", headers=headers, rows=rows)
