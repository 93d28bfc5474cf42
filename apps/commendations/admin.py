"""Commendations in the admin: nominations with an inbox filter, decisions and bulk approval."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline

from . import services
from .documents import award_order_docx
from .models import AwardKind, AwardOrder, Decision, Delegation, ExemplaryModel, Nomination, Objection, Quota


class InboxFilter(admin.SimpleListFilter):
    title = "待办"
    parameter_name = "inbox"

    def lookups(self, request, model_admin):
        return [("1", "待我审核/审批")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=services.inbox(request.user).values("pk"))
        return queryset


class DecisionInline(ScopedTabularInline):
    model = Decision
    fields = ["at", "action", "from_status", "to_status", "level", "actor", "on_behalf_of", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ObjectionInline(ScopedTabularInline):
    model = Objection
    fields = ["raised_at", "reason", "outcome", "resolution"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


ACTIONS = [
    ("submit", "提交"),
    ("review", "审核通过"),
    ("approve", "审批通过"),
    ("return", "退回修改"),
    ("reject", "否决"),
    ("withdraw", "撤回"),
    ("object", "提出异议"),
]


class DecideForm(forms.Form):
    action = forms.ChoiceField(label="操作", choices=ACTIONS)
    comment = forms.CharField(label="意见/理由", widget=forms.Textarea(attrs={"rows": 3}), required=False)


@admin.register(Nomination)
class NominationAdmin(ScopedModelAdmin):
    list_display = [
        "id",
        "award_kind",
        "subject",
        "unit",
        "year",
        "status",
        "current_level",
        "waiting_since",
        "priority",
    ]
    list_filter = [InboxFilter, "status", "award_kind", "year", "priority"]
    search_fields = ["subject_person__name", "subject_unit__name", "subject_organisation__name", "unit__name"]
    list_select_related = [
        "award_kind",
        "unit",
        "current_level",
        "subject_person",
        "subject_unit",
        "subject_organisation",
    ]
    autocomplete_fields = ["subject_person"]
    fields = [
        "unit",
        "award_kind",
        "year",
        "subject_person",
        "subject_unit",
        "subject_organisation",
        "deeds",
        "priority",
        "source_note",
    ]
    inlines = [DecisionInline, ObjectionInline]
    actions = ["approve_selected", "export_xlsx"]
    change_form_template = "admin/commendations/nomination/change_form.html"

    @admin.display(description="推荐对象")
    def subject(self, obj):
        return obj.subject_name

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Nomination.Status.DRAFT:
            return self.fields
        return []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = {k: v for k, v in form.cleaned_data.items() if k in self.fields}
        try:
            created = services.nomination_create(actor=request.user, **data)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from exc
        obj.pk = created.pk
        obj._state.adding = False

    @admin.action(description="审批（审核）通过所选推荐")
    def approve_selected(self, request, queryset):
        waiting = services.inbox(request.user).filter(pk__in=queryset.values("pk"))
        done = 0
        for n in waiting:
            try:
                if n.status == Nomination.Status.SUBMITTED:
                    services.nomination_review(nomination=n, actor=request.user, comment="同意（批量）")
                else:
                    services.nomination_approve(nomination=n, actor=request.user, comment="同意（批量）")
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{n}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
        skipped = queryset.count() - waiting.count()
        self.message_user(
            request, f"已处理 {done} 件" + (f"；{skipped} 件不在您的待办中，未处理" if skipped else "")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="commendations_nomination_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        nomination = get_object_or_404(self.get_queryset(request), pk=pk)
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
            try:
                if action == "object":
                    services.nomination_object(nomination=nomination, actor=request.user, reason=comment)
                else:
                    fn = {
                        "submit": services.nomination_submit,
                        "review": services.nomination_review,
                        "approve": services.nomination_approve,
                        "return": services.nomination_return,
                        "reject": services.nomination_reject,
                        "withdraw": services.nomination_withdraw,
                    }[action]
                    fn(nomination=nomination, actor=request.user, comment=comment)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, "；".join(getattr(exc, "messages", [str(exc)])))
            else:
                self.message_user(request, "已处理。")
                return HttpResponseRedirect(reverse("admin:commendations_nomination_change", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"处理推荐：{nomination}",
            "form": form,
            "opts": self.model._meta,
            "original": nomination,
        }
        return TemplateResponse(request, "admin/commendations/nomination/decide.html", context)


@admin.register(AwardKind)
class AwardKindAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "approving_kind", "collective", "notice_days"]
    search_fields = ["name", "code"]
    list_filter = ["approving_kind", "collective"]


@admin.register(Quota)
class QuotaAdmin(ScopedModelAdmin):
    list_display = ["unit", "award_kind", "year", "limit"]
    list_filter = ["year", "award_kind"]
    search_fields = ["unit__name"]
    list_select_related = ["unit", "award_kind"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["approver", "deputy", "starts_on", "ends_on"]
    search_fields = ["approver__username", "deputy__username"]
    raw_id_fields = ["approver", "deputy"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(approver=request.user)


@admin.register(AwardOrder)
class AwardOrderAdmin(ScopedModelAdmin):
    list_display = ["number", "title", "unit", "issued_on"]
    search_fields = ["number", "title"]
    list_select_related = ["unit"]
    readonly_fields = ["issued_by"]

    def has_add_permission(self, request):
        return False  # issued through the API / service from awarded nominations

    def get_urls(self):
        return [
            path(
                "<int:pk>/document/",
                self.admin_site.admin_view(self.document_view),
                name="commendations_awardorder_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, pk):
        order = get_object_or_404(self.get_queryset(request), pk=pk)
        response = HttpResponse(
            award_order_docx(order),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f"attachment; filename=award-order-{order.pk}.docx"
        return response


@admin.register(ExemplaryModel)
class ExemplaryModelAdmin(ScopedModelAdmin):
    list_display = ["nomination", "published_on"]
    search_fields = ["nomination__subject_person__name", "citation"]
    list_select_related = [
        "nomination__award_kind",
        "nomination__subject_person",
        "nomination__subject_unit",
        "nomination__subject_organisation",
    ]
