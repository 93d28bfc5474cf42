"""Talk records in the admin: metadata for everyone in scope, content only for its readers."""

import datetime

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.exports import xlsx_response
from apps.units.models import Unit

from .api.views import EXPORT_HEADERS, talk_export_rows
from .content import can_read_content, log_reads, with_content_readable
from .models import CONTENT_FIELDS, CoverageSnapshot, FollowUp, TalkContentAccess, TalkPolicy, TalkRecord
from .selectors import coverage_for_unit, coverage_per_child, period_bounds, uncovered_people


class TalkRecordForm(forms.ModelForm):
    """Content is typed in plaintext and encrypted on save; shown only to entitled readers."""

    state_of_mind = forms.CharField(
        label="思想动态", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    warning_signs = forms.CharField(
        label="苗头性倾向性问题", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    difficulties = forms.CharField(
        label="家庭个人困难", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    class Meta:
        model = TalkRecord
        fields = ["person", "date", "kind", "place"]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError("谈话日期不能晚于今天。")
        return date


class FollowUpInline(ScopedTabularInline):
    model = FollowUp
    fields = ["owner", "due_date", "status", "completed_on"]
    readonly_fields = ["status", "completed_on"]
    raw_id_fields = ["owner"]


@admin.register(TalkRecord)
class TalkRecordAdmin(ScopedModelAdmin):
    form = TalkRecordForm
    list_display = ["date", "kind", "person", "unit", "talker", "has_warning_signs"]
    list_filter = [UnitSubtreeFilter, "kind", "date", "has_warning_signs", "followups__status"]
    search_fields = ["person__name", "place", "talker__username"]
    list_select_related = ["person", "unit", "talker"]
    date_hierarchy = "date"
    autocomplete_fields = ["person"]
    inlines = [FollowUpInline]
    actions = ["export_talks_xlsx"]

    def get_queryset(self, request):
        return with_content_readable(super().get_queryset(request), request.user)

    def _reads(self, request, obj):
        return obj is None or can_read_content(request.user, obj)

    def get_fields(self, request, obj=None):
        base = ["person", "date", "kind", "place"]
        return base + list(CONTENT_FIELDS) if self._reads(request, obj) else base + ["content_notice"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["person", "date"] if obj else []
        return readonly if self._reads(request, obj) else readonly + ["content_notice"]

    @admin.display(description="谈话内容")
    def content_notice(self, obj):
        return "谈话内容保密，您无权查阅。"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and self._reads(request, obj):
            log_reads(request.user, [obj], "admin")
            for name, value in obj.decrypted_content().items():
                form.base_fields[name].initial = value
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            from apps.people.services import person_unit_on

            obj.talker = request.user
            obj.unit = person_unit_on(person=obj.person, on=obj.date) or obj.person.unit
        if self._reads(request, obj if change else None):
            obj.set_content(**{name: form.cleaned_data.get(name, "") for name in CONTENT_FIELDS})
        super().save_model(request, obj, form, change)

    @admin.action(description="导出所选谈话记录（不含内容）为 Excel")
    def export_talks_xlsx(self, request, queryset):
        return xlsx_response(
            filename="谈心谈话记录.xlsx",
            headers=EXPORT_HEADERS,
            rows=talk_export_rows(queryset.prefetch_related("followups")),
        )

    def get_urls(self):
        return [
            path(
                "coverage/", self.admin_site.admin_view(self.coverage_view), name="talks_talkrecord_coverage"
            ),
            *super().get_urls(),
        ]

    def coverage_view(self, request):
        """覆盖率: per child unit for a period, people not yet talked with, overdue follow-ups."""
        units = Unit.objects.visible_to(request.user, "view")
        unit = (
            units.filter(pk=request.GET.get("unit") or 0).first() or units.order_by("depth", "path").first()
        )
        try:
            day = (
                datetime.date.fromisoformat(request.GET.get("date", ""))
                if request.GET.get("date")
                else timezone.localdate()
            )
        except ValueError:
            day = timezone.localdate()
        period = (
            request.GET.get("period") if request.GET.get("period") in TalkPolicy.Period.values else "quarter"
        )
        start, end = period_bounds(period, day)
        context = {
            **self.admin_site.each_context(request),
            "title": "谈心谈话覆盖率",
            "opts": self.model._meta,
            "unit": unit,
            "period": period,
            "start": start,
            "end": end,
        }
        if unit is not None:
            args = {"user": request.user, "period_start": start, "period_end": end}
            context.update(
                total=coverage_for_unit(unit=unit, **args),
                rows=coverage_per_child(root=unit, **args),
                uncovered=list(uncovered_people(root=unit, **args)[:300]),
            )
        return TemplateResponse(request, "admin/talks/coverage.html", context)


@admin.register(FollowUp)
class FollowUpAdmin(ScopedModelAdmin):
    list_display = ["id", "record", "owner", "due_date", "status", "completed_on"]
    list_filter = [UnitSubtreeFilter, "status", "due_date"]
    search_fields = ["record__person__name", "owner__username"]
    list_select_related = ["record", "owner"]
    fields = ["record", "owner", "due_date", "status", "completed_on"]
    readonly_fields = ["record"]
    raw_id_fields = ["owner"]

    def has_add_permission(self, request):
        return False


@admin.register(TalkContentAccess)
class TalkContentAccessAdmin(ScopedModelAdmin):
    list_display = ["accessed_at", "user", "record", "channel"]
    list_filter = [UnitSubtreeFilter, "channel", "accessed_at"]
    search_fields = ["user__username", "record__person__name"]
    list_select_related = ["user", "record"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TalkPolicy)
class TalkPolicyAdmin(ScopedModelAdmin):
    list_display = ["unit", "period"]
    list_filter = [UnitSubtreeFilter, "period"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]


@admin.register(CoverageSnapshot)
class CoverageSnapshotAdmin(ScopedModelAdmin):
    list_display = [
        "unit",
        "period_start",
        "period_end",
        "people",
        "covered",
        "coverage_shown",
        "overdue_followups",
        "computed_at",
    ]
    list_filter = [UnitSubtreeFilter, "period_start"]
    search_fields = ["unit__name"]
    list_select_related = ["unit"]

    @admin.display(description="覆盖率 %")
    def coverage_shown(self, obj):
        return obj.coverage_pct

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
