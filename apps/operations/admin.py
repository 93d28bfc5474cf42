"""Admin of wartime operations: scoped lists with Chinese labels, filters and search; writes
go through ``apps.operations.services`` (registered with ``apps.core.writes``). Activation and
closing are admin actions; the daily reports' confidential parts are shown only to readers
holding ``talks.view_talk_content`` on the unit, and each such view is logged."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter

from . import documents, selectors, services
from .content import read_content
from .models import (
    CareAction,
    CommendedPerson,
    DailyAssessment,
    DailyReport,
    FrontlinePerson,
    InspectionVisit,
    Observation,
    ObservationLink,
    Operation,
    OperationOrganisation,
    OperationTeam,
    Pledge,
    QuickCommendation,
    ReportContentAccess,
    SectorAssignment,
    WorkingGroup,
    WorkingGroupMember,
)


class CoveringOperationMixin:
    """The operation a station files for is run by the detachment above it: offer the
    operations the user sees and those covering a unit the user sees."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "operation":
            from django.db.models import Q

            from apps.units.models import Unit

            visible = Operation.objects.visible_to(request.user, "view").values("pk")
            units = Unit.objects.visible_to(request.user, "view").values("pk")
            kwargs["queryset"] = Operation.objects.filter(
                Q(pk__in=visible) | Q(covered__unit__in=units), status=Operation.Status.ACTIVE
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdminMixin:
    """Records written only by the operation's business steps (activation, filing, issuing)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _refusal(request, exc) -> None:
    text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, text or "您无权进行此操作。")


class WorkingGroupInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = WorkingGroup
    fields = ["name", "duty"]
    readonly_fields = fields
    show_change_link = True


class OperationOrganisationInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = OperationOrganisation
    fields = ["organisation"]
    readonly_fields = fields
    verbose_name_plural = "临时党组织"


class OperationTeamInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = OperationTeam
    fields = ["team"]
    readonly_fields = fields
    verbose_name_plural = "党员队伍"


@admin.register(Operation)
class OperationAdmin(ScopedModelAdmin):
    list_select_related = ["unit"]
    list_display = ["name", "kind", "unit", "status", "start_date", "planned_end", "closed_on", "papers"]
    list_filter = [UnitSubtreeFilter, "status", "kind", "start_date"]
    search_fields = ["name", "reason", "unit__name"]
    date_hierarchy = "start_date"
    fields = [
        "name",
        "kind",
        "unit",
        "committee",
        "coverage",
        "coverage_root",
        "start_date",
        "planned_end",
        "reason",
        "report_level",
        "report_deadline",
        "status",
        "activated_at",
        "closed_on",
        "closing_note",
    ]
    readonly_fields = ["status", "activated_at", "closed_on", "closing_note"]
    inlines = [WorkingGroupInline, OperationOrganisationInline, OperationTeamInline]
    actions = ["export_xlsx", "activate_selected", "close_selected"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Operation.Status.DRAFT:
            return [*self.readonly_fields, "unit", "coverage", "coverage_root", "start_date", "report_level"]
        return self.readonly_fields

    @admin.display(description="材料")
    def papers(self, obj):
        return format_html(
            '<a href="{}">看板</a> · <a href="{}">总结材料</a>',
            reverse("admin:operations_operation_board", args=[obj.pk]),
            reverse("admin:operations_operation_summary", args=[obj.pk]),
        )

    @admin.action(description="平转战：启动所选战时行动")
    def activate_selected(self, request, queryset):
        for op in queryset:
            try:
                services.operation_activate(operation=op, actor=request.user)
                messages.success(request, f"“{op.name}”已启动，战时日报开始报送。")
            except (ValidationError, PermissionDenied) as exc:
                _refusal(request, exc)

    @admin.action(description="战转平：结束并归档所选战时行动")
    def close_selected(self, request, queryset):
        for op in queryset:
            try:
                services.operation_close(operation=op, actor=request.user)
                messages.success(request, f"“{op.name}”已结束归档，临时党组织和队伍已撤销。")
            except (ValidationError, PermissionDenied) as exc:
                _refusal(request, exc)

    def get_urls(self):
        return [
            path(
                "<int:pk>/board/",
                self.admin_site.admin_view(self.board_view),
                name="operations_operation_board",
            ),
            path(
                "<int:pk>/summary.docx",
                self.admin_site.admin_view(self.summary_view),
                name="operations_operation_summary",
            ),
            *super().get_urls(),
        ]

    def _operation(self, request, pk) -> Operation:
        op = self.get_queryset(request).filter(pk=pk).first()
        if op is None:
            raise Http404
        return op

    def board_view(self, request, pk):
        from django.template.response import TemplateResponse

        from apps.units.models import Unit

        op = self._operation(request, pk)
        raw = request.GET.get("unit", "")
        root = Unit.objects.visible_to(request.user, "view").filter(pk=raw).first() if raw.isdigit() else None
        figures = selectors.board(operation=op, user=request.user, root=root)
        table = [
            [row["unit_name"], *(row[key] for key in selectors.FIGURES)]
            for row in [*figures["rows"], {**figures["total"], "unit_name": "合计"}]
        ]
        context = {
            "drilled": root is not None,
            "table": table,
            **self.admin_site.each_context(request),
            "title": f"{op.name}：看板",
            "operation": op,
            "figures": figures,
            "columns": list(selectors.FIGURES.items()),
            "unvisited": selectors.unvisited_units(operation=op, user=request.user),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "operations/admin/board.html", context)

    def summary_view(self, request, pk):
        from .api.views import _docx

        op = self._operation(request, pk)
        figures = selectors.board(operation=op, user=request.user)
        assessments = (
            DailyAssessment.objects.visible_to(request.user, "view").filter(operation=op).order_by("date")
        )
        exemplary = (
            CommendedPerson.objects.visible_to(request.user, "view")
            .filter(commendation__operation=op, exemplary=True)
            .select_related("person", "unit")
        )
        return _docx(
            documents.summary_docx(op, figures, assessments=assessments, exemplary=exemplary),
            f"{op.name}总结材料.docx",
        )


@admin.register(OperationOrganisation)
class OperationOrganisationAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["organisation", "operation"]
    list_display = ["organisation", "operation"]
    list_filter = [UnitSubtreeFilter, "operation"]
    search_fields = ["organisation__name", "operation__name"]


@admin.register(OperationTeam)
class OperationTeamAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["team", "operation"]
    list_display = ["team", "operation"]
    list_filter = [UnitSubtreeFilter, "operation"]
    search_fields = ["team__name", "operation__name"]


class WorkingGroupMemberInline(ScopedTabularInline):
    model = WorkingGroupMember
    fields = ["person", "is_leader"]
    autocomplete_fields = []


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ScopedModelAdmin):
    list_select_related = ["operation"]
    list_display = ["name", "operation", "duty"]
    list_filter = [UnitSubtreeFilter, "operation"]
    search_fields = ["name", "duty", "operation__name"]
    fields = ["operation", "name", "duty"]
    inlines = [WorkingGroupMemberInline]


@admin.register(SectorAssignment)
class SectorAssignmentAdmin(ScopedModelAdmin):
    list_select_related = ["member", "unit", "operation"]
    list_display = ["member", "unit", "operation", "note"]
    list_filter = [UnitSubtreeFilter, "operation"]
    search_fields = ["member__name", "unit__name"]
    fields = ["operation", "member", "unit", "note"]


@admin.register(InspectionVisit)
class InspectionVisitAdmin(ScopedModelAdmin):
    list_select_related = ["inspector", "unit", "operation"]
    list_display = ["date", "inspector", "unit", "operation"]
    list_filter = [UnitSubtreeFilter, "operation", "date"]
    search_fields = ["inspector__name", "unit__name", "findings"]
    fields = ["operation", "inspector", "unit", "date", "findings"]


@admin.register(Pledge)
class PledgeAdmin(CoveringOperationMixin, ScopedModelAdmin):
    list_select_related = ["person", "unit", "team", "operation"]
    list_display = ["person", "unit", "kind", "date", "volunteer", "filed_as", "team", "operation"]
    list_filter = [UnitSubtreeFilter, "operation", "kind", "volunteer", "filed_as"]
    search_fields = ["person__name", "unit__name", "text"]
    fields = ["operation", "person", "kind", "date", "text", "volunteer"]


@admin.register(FrontlinePerson)
class FrontlinePersonAdmin(CoveringOperationMixin, ScopedModelAdmin):
    list_select_related = ["person", "unit", "operation"]
    list_display = ["person", "unit", "post", "isolated", "since", "operation"]
    list_filter = [UnitSubtreeFilter, "operation", "isolated"]
    search_fields = ["person__name", "unit__name", "post"]
    fields = ["operation", "person", "post", "isolated", "since"]


@admin.register(CareAction)
class CareActionAdmin(CoveringOperationMixin, ScopedModelAdmin):
    list_select_related = ["person", "unit", "recorded_by", "operation"]
    list_display = ["person", "unit", "item", "date", "recorded_by", "operation"]
    list_filter = [UnitSubtreeFilter, "operation", "item", "date"]
    search_fields = ["person__name", "unit__name", "note"]
    fields = ["operation", "person", "item", "date", "note"]


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["unit", "party_group", "operation"]
    list_display = [
        "report_date",
        "unit",
        "party_group",
        "on_duty",
        "has_health_issues",
        "difficulties_raised",
        "difficulties_solved",
        "suggestion_count",
        "is_late",
        "operation",
    ]
    list_filter = [UnitSubtreeFilter, "operation", "report_date", "is_late", "has_health_issues"]
    search_fields = ["unit__name", "party_group__name", "suggestions"]
    fields = [
        "operation",
        "unit",
        "party_group",
        "report_date",
        "on_duty",
        "has_health_issues",
        "difficulties_raised",
        "difficulties_solved",
        "suggestions",
        "filed_by",
        "filed_at",
        "is_late",
        "confidential",
    ]
    readonly_fields = fields

    @admin.display(description="思想状况、健康状况、困难问题（保密）")
    def confidential(self, obj):
        request = getattr(self, "_request", None)
        content = read_content(request.user, obj, "admin") if request is not None else None
        if content is None:
            return "无权查阅（须具有谈心谈话内容查阅权限）。"
        labels = {"thought_status": "思想状况", "health_status": "健康状况", "difficulties": "困难问题"}
        return format_html_join(
            "", "<p><b>{}：</b>{}</p>", ((labels[k], v or "—") for k, v in content.items())
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # the readonly display needs the reader; kept on this request's copy of the admin only
        admin_for_request = type(self)(self.model, self.admin_site)
        admin_for_request._request = request
        return super(DailyReportAdmin, admin_for_request).change_view(
            request, object_id, form_url, extra_context
        )


@admin.register(ReportContentAccess)
class ReportContentAccessAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["user", "report__unit", "report__party_group"]
    list_display = ["accessed_at", "user", "report", "channel"]
    list_filter = [UnitSubtreeFilter, "channel", "accessed_at"]
    search_fields = ["user__username", "report__unit__name"]


@admin.register(DailyAssessment)
class DailyAssessmentAdmin(ScopedModelAdmin):
    list_select_related = ["operation", "written_by"]
    list_display = ["date", "operation", "written_by"]
    list_filter = [UnitSubtreeFilter, "operation", "date"]
    search_fields = ["note", "operation__name"]
    fields = ["operation", "date", "note"]


class ObservationLinkInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = ObservationLink
    fields = ["nomination", "evaluation", "linked_by", "linked_at"]
    readonly_fields = fields


@admin.register(Observation)
class ObservationAdmin(ScopedModelAdmin):
    list_select_related = ["person", "unit", "observer", "operation"]
    list_display = ["date", "person", "unit", "category", "observer", "operation"]
    list_filter = [UnitSubtreeFilter, "operation", "category", "date"]
    search_fields = ["person__name", "conduct"]
    fields = ["operation", "person", "date", "category", "conduct"]
    inlines = [ObservationLinkInline]


@admin.register(ObservationLink)
class ObservationLinkAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["observation__person", "linked_by"]
    list_display = ["observation", "target", "linked_by", "linked_at"]

    @admin.display(description="佐证对象")
    def target(self, obj):
        return f"表彰推荐 #{obj.nomination_id}" if obj.nomination_id else f"考核考评 #{obj.evaluation_id}"

    list_filter = [UnitSubtreeFilter, "linked_at"]
    search_fields = ["observation__person__name"]


class CommendedPersonInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = CommendedPerson
    fields = ["person", "unit", "deeds", "exemplary"]
    readonly_fields = fields


@admin.register(QuickCommendation)
class QuickCommendationAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    list_select_related = ["operation"]
    list_display = [
        "title",
        "number",
        "operation",
        "decided_on",
        "notice_days",
        "published_on",
        "people",
        "circular",
    ]
    list_filter = [UnitSubtreeFilter, "operation", "decided_on"]
    search_fields = ["title", "number", "entries__person__name"]
    inlines = [CommendedPersonInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(people_count=Count("entries"))

    @admin.display(description="人数")
    def people(self, obj):
        return obj.people_count

    @admin.display(description="通报")
    def circular(self, obj):
        return format_html(
            '<a href="{}">下载 .docx</a>', reverse("admin:operations_quickcommendation_docx", args=[obj.pk])
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/circular.docx",
                self.admin_site.admin_view(self.circular_view),
                name="operations_quickcommendation_docx",
            ),
            *super().get_urls(),
        ]

    def circular_view(self, request, pk):
        from .api.views import _docx

        commendation = self.get_queryset(request).filter(pk=pk).first()
        if commendation is None:
            raise Http404
        return _docx(documents.commendation_docx(commendation), f"{commendation.title}.docx")
