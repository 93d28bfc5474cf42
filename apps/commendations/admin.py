"""Commendations in the admin: nominations with an inbox filter, decisions and bulk approval,
evidence files (uploaded and removed through the services, downloaded through a scoped view)
and supporting links."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.access.authority import may
from apps.core.admin import (
    ReferenceDataAdmin,
    ScopedModelAdmin,
    ScopedTabularInline,
    ServiceWritesAdminMixin,
)
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
from .selectors import WORKFLOW_ACTIONS, nomination_available_actions, notices_for


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
    """Read-only here; objections are raised and resolved on the "审核/审批/处理" page."""

    model = Objection
    fields = ["id", "raised_at", "reason", "outcome", "resolution"]
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


class DecideForm(forms.Form):
    """The steps offered are those the user may take now (``nomination_available_actions``);
    the choices are set on this form instance, never on the class."""

    action = forms.ChoiceField(label="操作", choices=())
    comment = forms.CharField(
        label="意见/理由", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    objection = forms.ModelChoiceField(label="异议", queryset=Objection.objects.none(), required=False)
    upheld = forms.TypedChoiceField(
        label="处理结果",
        choices=[("0", "异议不成立，继续公示"), ("1", "异议成立，不予授予")],
        coerce=lambda v: v == "1",
        required=False,
    )

    def __init__(self, *args, actions, objections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(code, WORKFLOW_ACTIONS[code][0]) for code in actions]
        if "resolve_objection" in actions:
            self.fields["objection"].queryset = objections
        else:
            del self.fields["objection"], self.fields["upheld"]

    def clean(self):
        data = super().clean()
        if data.get("action") == "resolve_objection":
            if data.get("objection") is None:
                self.add_error("objection", "请选择要处理的异议。")
            if data.get("upheld") in (None, ""):
                self.add_error("upheld", "请选择处理结果。")
        return data


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
    # The subject is one of three optional links: read them as three small queries for the
    # page's rows, not as three more LEFT JOINs (with the scope's join, planning the nine-table
    # statement took ~40 ms at a corps; running it 1 ms).
    list_select_related = ["award_kind", "unit", "current_level"]
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

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related("subject_person", "subject_unit", "subject_organisation")
        )

    @admin.display(description="推荐对象")
    def subject(self, obj):
        return obj.subject_name

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != Nomination.Status.DRAFT:
            return self.fields
        return []

    def has_delete_permission(self, request, obj=None):
        """Only a draft that never entered the workflow (``services.deletable``)."""
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or services.deletable(obj))

    def delete_queryset(self, request, queryset):
        """Bulk delete through the service, one by one; what it refuses is named and kept."""
        deleted = 0
        for obj in queryset:
            try:
                services.nomination_delete(instance=obj, actor=request.user)
                deleted += 1
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{obj}：{_messages(exc)}", messages.ERROR)
        if deleted != queryset.count():
            self.message_user(request, f"实际删除 {deleted} 件。", messages.WARNING)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["available_actions"] = (
            nomination_available_actions(nomination=obj, actor=request.user) if obj is not None else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

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
        """Each selected nomination waiting for this user is reviewed or approved in its own
        transaction; the message counts what was done, refused and not waiting."""
        selected = list(queryset.values_list("pk", flat=True))
        waiting = list(services.inbox(request.user).filter(pk__in=selected))
        done = refused = 0
        for n in waiting:
            try:
                if n.status == Nomination.Status.SUBMITTED:
                    services.nomination_review(nomination=n, actor=request.user, comment="同意（批量）")
                else:
                    services.nomination_approve(nomination=n, actor=request.user, comment="同意（批量）")
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                refused += 1
                self.message_user(request, f"{n}：{_messages(exc)}", messages.ERROR)
        not_waiting = len(selected) - len(waiting)
        parts = [f"已处理 {done} 件"]
        if refused:
            parts.append(f"{refused} 件未通过（见上方原因）")
        if not_waiting:
            parts.append(f"{not_waiting} 件不在您的待办中，未处理")
        self.message_user(request, "；".join(parts), messages.SUCCESS if done else messages.WARNING)

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

    def _decidable(self, request, pk):
        """The nomination as this user may see it: in their scope, or under a public notice
        that concerns their units (to object). Otherwise 404, like a missing one."""
        found = self.get_queryset(request).filter(pk=pk).first()
        if found is None:
            found = notices_for(request.user).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    def decide_view(self, request, pk):
        nomination = self._decidable(request, pk)
        actions = nomination_available_actions(nomination=nomination, actor=request.user)
        objections = nomination.objections.filter(outcome=Objection.Outcome.OPEN)
        form = DecideForm(request.POST or None, actions=actions, objections=objections)
        if request.method == "POST" and form.is_valid():
            action, comment = form.cleaned_data["action"], form.cleaned_data["comment"]
            try:
                if action == "object":
                    services.nomination_object(nomination=nomination, actor=request.user, reason=comment)
                elif action == "resolve_objection":
                    services.objection_resolve(
                        objection=form.cleaned_data["objection"],
                        actor=request.user,
                        upheld=form.cleaned_data["upheld"],
                        resolution=comment,
                    )
                else:
                    DECIDE[action](nomination=nomination, actor=request.user, comment=comment)
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _messages(exc))
            else:
                self.message_user(request, "已处理。")
                if self.get_queryset(request).filter(pk=pk).exists():
                    return HttpResponseRedirect(reverse("admin:commendations_nomination_change", args=[pk]))
                return HttpResponseRedirect(reverse("admin:commendations_nomination_decide", args=[pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"处理推荐：{nomination}",
            "form": form,
            "actions_offered": actions,
            "opts": self.model._meta,
            "original": nomination,
        }
        return TemplateResponse(request, "admin/commendations/nomination/decide.html", context)


DECIDE = {
    "submit": services.nomination_submit,
    "review": services.nomination_review,
    "approve": services.nomination_approve,
    "return": services.nomination_return,
    "reject": services.nomination_reject,
    "withdraw": services.nomination_withdraw,
}


@admin.register(AwardKind)
class AwardKindAdmin(ReferenceDataAdmin):
    """奖项类别: global, managed from the top of the tree (``award_kind.manage``)."""

    authority = "award_kind.manage"
    list_display = ["name", "code", "approving_kind", "collective", "notice_days", "order"]
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

    # Quotas are set by the level that allocates them (authority ``quota.set``, "above"): the
    # capped unit's own staff see its quota read-only.
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may(request.user, "quota.set", obj.unit))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or may(request.user, "quota.set", obj.unit))

    @admin.display(description="已用（公示中、异议处理中、已授予）")
    def used(self, obj):
        return getattr(obj, "used", None)


class DeputyField(forms.ModelChoiceField):
    """The deputy by username, typed: no list of accounts; unknown and ineligible read alike."""

    def __init__(self, **kwargs):
        from django.contrib.auth import get_user_model

        kwargs.update(
            queryset=get_user_model().objects.filter(is_active=True),
            to_field_name="username",
            widget=forms.TextInput,
            error_messages={"invalid_choice": services.NOT_ELIGIBLE},
            help_text="代理人的用户名：须在您审批的单位或其下级单位任职。",
        )
        super().__init__(**kwargs)


@admin.register(Delegation)
class DelegationAdmin(ServiceWritesAdminMixin, admin.ModelAdmin):
    """审批代理: an approver lends their own authority; only they (or a superuser, naming the
    approver) create, change or revoke it, through the services."""

    list_display = ["approver", "deputy", "starts_on", "ends_on"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["approver__username", "deputy__username"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("approver", "deputy")
        if request.user.is_superuser:
            return queryset
        return queryset.filter(Q(approver=request.user) | Q(deputy=request.user))

    def get_fields(self, request, obj=None):
        own = ["deputy", "starts_on", "ends_on"]
        return own if not request.user.is_superuser else ["approver", *own]

    def get_readonly_fields(self, request, obj=None):
        return ["approver"] if obj is not None and request.user.is_superuser else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("approver", "deputy"):
            field = DeputyField(label=db_field.verbose_name)
            if db_field.name == "approver":
                field.help_text = "委托人（审批人）的用户名。"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _approves(self, request) -> bool:
        return request.user.is_active and (
            request.user.is_superuser or services.approves_anywhere(request.user)
        )

    def has_module_permission(self, request):
        return self._approves(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self._approves(request) or Delegation.objects.filter(deputy=request.user).exists()
        return request.user.is_superuser or request.user.pk in (obj.approver_id, obj.deputy_id)

    def has_add_permission(self, request):
        return self._approves(request)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return self._approves(request)
        return request.user.is_superuser or obj.approver_id == request.user.pk

    has_delete_permission = has_change_permission


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
