"""Commendations in the admin: nominations with an inbox filter, decisions and bulk approval,
evidence files (uploaded and removed through the services, downloaded through a scoped view)
and supporting links."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.uploads import validate_upload

from . import services
from .documents import attachment_response, award_order_docx
from .models import (
    Attachment,
    AwardKind,
    AwardOrder,
    Decision,
    Delegation,
    ExemplaryModel,
    Nomination,
    Objection,
    Quota,
    Support,
)


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


def _evidence_editable(request, nomination) -> bool:
    return services.evidence_editable(nomination, request.user)


def _messages(exc) -> str:
    return "；".join(getattr(exc, "messages", [str(exc)]))


class EditableWhileDraftInline(ScopedTabularInline):
    """Evidence and supporting links: only the drafting unit edits them, only in a draft."""

    def has_add_permission(self, request, obj=None):
        return _evidence_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return _evidence_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _evidence_editable(request, obj)


class AttachmentForm(forms.ModelForm):
    """A new row takes a file (type, content and size checked); existing rows only show."""

    class Meta:
        model = Attachment
        fields = ["file"]
        widgets = {"file": forms.FileInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "file" in self.fields:
            self.fields["file"].disabled = True
            self.fields["file"].required = False

    def clean_file(self):
        file = self.cleaned_data.get("file")
        if not self.instance.pk and file is not None:
            try:
                validate_upload(file)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["file"]) from exc
        return file


class AttachmentInline(EditableWhileDraftInline):
    """证明材料 on the nomination page: the drafting unit adds/removes while it is a draft;
    everyone who sees the nomination downloads through ``<id>/attachments/<file id>/``."""

    model = Attachment
    form = AttachmentForm
    readonly_fields = ["download", "size", "uploaded_by", "uploaded_at"]

    def get_fields(self, request, obj=None):
        return (["file"] if _evidence_editable(request, obj) else []) + self.readonly_fields

    @admin.display(description="下载")
    def download(self, obj):
        if not obj.pk:
            return "—"
        url = reverse("admin:commendations_nomination_attachment", args=[obj.nomination_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj)


class SupportFormSet(BaseInlineFormSet):
    """The links as a whole are checked by the service's rule (visible, published/awarded,
    same subject) before anything is saved."""

    user = None

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        for f in kept:
            if bool(f.cleaned_data.get("evaluation")) == bool(f.cleaned_data.get("earlier_award")):
                raise forms.ValidationError("每条依据须且只能选择一项：考核结果或既往奖励。")
        try:
            services.supports_check(
                self.instance,
                self.user,
                [f.cleaned_data["evaluation"] for f in kept if f.cleaned_data.get("evaluation")],
                [f.cleaned_data["earlier_award"] for f in kept if f.cleaned_data.get("earlier_award")],
            )
        except ValidationError as exc:
            raise forms.ValidationError(_messages(exc)) from exc


class SupportInline(EditableWhileDraftInline):
    """推荐依据: published evaluations of the subject and its earlier awards."""

    model = Support
    fk_name = "nomination"
    formset = SupportFormSet
    fields = ["evaluation", "earlier_award"]
    raw_id_fields = ["evaluation", "earlier_award"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"user": request.user})

    def get_readonly_fields(self, request, obj=None):
        return [] if _evidence_editable(request, obj) else self.fields


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
    list_filter = [InboxFilter, UnitSubtreeFilter, "status", "award_kind", "year", "priority"]
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
    inlines = [SupportInline, AttachmentInline, DecisionInline, ObjectionInline]
    actions = ["approve_selected", "export_xlsx"]
    change_form_template = "admin/commendations/nomination/change_form.html"

    @admin.display(description="推荐对象")
    def subject(self, obj):
        return obj.subject_name

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Nomination.Status.DRAFT:
            return self.fields
        return []

    def get_form(self, request, obj=None, change=False, **kwargs):
        """A draft whose subject changes keeps only links that fit the new subject."""
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None or obj.pk is None:
            return form

        def clean(self_):
            data = form.clean(self_)
            subject = ["subject_person", "subject_unit", "subject_organisation"]
            if any(f in self_.changed_data for f in subject) and not self_.errors:
                links = list(obj.supports.all())
                probe = Nomination(pk=obj.pk, **{f: data.get(f) for f in subject})
                try:
                    services.supports_check(
                        probe,
                        request.user,
                        [x.evaluation_id for x in links if x.evaluation_id],
                        [x.earlier_award_id for x in links if x.earlier_award_id],
                    )
                except ValidationError as exc:
                    raise forms.ValidationError(
                        f"推荐对象变更后，已有推荐依据不再适用：{_messages(exc)}"
                    ) from exc
            return data

        return type(form.__name__, (form,), {"clean": clean})

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

    def save_formset(self, request, form, formset, change):
        """Evidence files and links are written by the services (rules, locks, history)."""
        nomination = form.instance
        if formset.model not in (Attachment, Support):
            return super().save_formset(request, form, formset, change)
        # what the admin's change message reads
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        try:
            if formset.model is Attachment:
                for f in formset.forms:
                    if f.instance.pk and formset._should_delete_form(f):
                        services.attachment_delete(attachment=f.instance, actor=request.user)
                        formset.deleted_objects.append(f.instance)
                    elif not f.instance.pk and f.has_changed() and f.cleaned_data.get("file"):
                        formset.new_objects.append(
                            services.attachment_add(
                                nomination=nomination, file=f.cleaned_data["file"], actor=request.user
                            )
                        )
            elif formset.has_changed():
                kept = [
                    f.cleaned_data
                    for f in formset.forms
                    if f.cleaned_data and not formset._should_delete_form(f)
                ]
                services.nomination_set_supports(
                    nomination=nomination,
                    actor=request.user,
                    supporting_evaluations=[c["evaluation"] for c in kept if c.get("evaluation")],
                    earlier_awards=[c["earlier_award"] for c in kept if c.get("earlier_award")],
                )
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(
                request, f"{formset.model._meta.verbose_name}未保存：{_messages(exc)}", messages.ERROR
            )

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
            path(
                "<int:pk>/attachments/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="commendations_nomination_attachment",
            ),
            *super().get_urls(),
        ]

    def attachment_view(self, request, pk, attachment_id):
        """Download an evidence file: the nomination and the file both through ``visible_to``."""
        nomination = get_object_or_404(self.get_queryset(request), pk=pk)
        attachment = get_object_or_404(
            Attachment.objects.visible_to(request.user, "view"), nomination=nomination, pk=attachment_id
        )
        return attachment_response(attachment)

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
    list_display = ["unit", "award_kind", "year", "period", "limit", "used"]
    list_filter = [UnitSubtreeFilter, "year", "period", "award_kind"]
    search_fields = ["unit__name"]
    list_select_related = ["unit", "award_kind"]

    def get_queryset(self, request):
        return services.quotas_with_usage(super().get_queryset(request))

    @admin.display(description="已用（公示中、异议处理中、已授予）")
    def used(self, obj):
        return getattr(obj, "used", None)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["approver", "deputy", "starts_on", "ends_on"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["approver__username", "deputy__username"]
    raw_id_fields = ["approver", "deputy"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(approver=request.user)


@admin.register(AwardOrder)
class AwardOrderAdmin(ScopedModelAdmin):
    list_display = ["number", "title", "unit", "issued_on"]
    list_filter = [UnitSubtreeFilter, "issued_on"]
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
    list_filter = [UnitSubtreeFilter, "published_on"]
    search_fields = ["nomination__subject_person__name", "citation"]
    list_select_related = [
        "nomination__award_kind",
        "nomination__subject_person",
        "nomination__subject_unit",
        "nomination__subject_organisation",
    ]
