"""Talk records in the admin: metadata for everyone in scope, content only for its readers."""

import datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from apps.access.authority import may
from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.exports import xlsx_response
from apps.core.writes import writes_for
from apps.units.models import Unit

from . import services
from .api.views import EXPORT_HEADERS, talk_export_rows
from .content import can_read_content, is_committee, read_content, with_content_readable
from .models import (
    CONTENT_FIELDS,
    CoverageSnapshot,
    FollowUp,
    TalkContentAccess,
    TalkPolicy,
    TalkRecord,
    TalkShare,
    display_name,
)
from .selectors import coverage_for_unit, coverage_per_child, period_bounds, readers_of, uncovered_people


class TalkRecordForm(forms.ModelForm):
    """Content is typed in plaintext and encrypted by the service; shown only to its readers.

    Nothing about one request is kept on this class or its fields: the decrypted content
    goes into this form instance's ``initial`` (``__init__``), never onto the shared
    ``base_fields``. ``scoped_user`` is set on a class built for one request
    (``ScopedModelAdmin.get_form``)."""

    scoped_user = None

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.scoped_user
        adding = self.instance.pk is None
        self.reads_content = user is not None and (adding or can_read_content(user, self.instance))
        if not self.reads_content:
            for name in CONTENT_FIELDS:
                self.fields.pop(name, None)
        elif not adding and not self.is_bound:
            # the content is sent to this reader now: decrypted into this instance, logged
            self.initial.update(read_content(user, self.instance, TalkContentAccess.Channel.ADMIN) or {})

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

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # follow-ups are cancelled, not deleted


class WarningSignsFilter(admin.SimpleListFilter):
    """有苗头性倾向性问题, among the records whose content the user may read (the flag is
    derived from the content: it never sorts or filters a record the user may not read)."""

    title = "有苗头性倾向性问题（可查阅内容的记录）"
    parameter_name = "warning"

    def lookups(self, request, model_admin):
        return [("yes", "是"), ("no", "否")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(content_readable=True, has_warning_signs=self.value() == "yes")
        return queryset


class VoidedFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return [("no", "有效"), ("yes", "已作废")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(voided_at__isnull=self.value() == "no")
        return queryset


class ShareForm(forms.Form):
    reader = forms.CharField(label="共享对象（登录名）", max_length=150)
    reason = forms.CharField(label="共享原因", max_length=500)
    ends_on = forms.DateField(
        label="截止日期（可不填）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(TalkRecord)
class TalkRecordAdmin(ScopedModelAdmin):
    form = TalkRecordForm
    list_display = ["date", "kind", "person", "unit", "talker", "warning_shown", "status_shown"]
    list_filter = [UnitSubtreeFilter, "kind", "date", WarningSignsFilter, VoidedFilter, "followups__status"]
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

    @admin.display(description="有苗头性倾向性问题")
    def warning_shown(self, obj):
        if not getattr(obj, "content_readable", False):
            return "—"
        return "是" if obj.has_warning_signs else "否"

    @admin.display(description="状态")
    def status_shown(self, obj):
        return "已作废" if obj.voided_at else "有效"

    def get_fields(self, request, obj=None):
        base = ["person", "date", "kind", "place"]
        fields = base + list(CONTENT_FIELDS) if self._reads(request, obj) else base + ["content_notice"]
        return fields + ["record_status", "manage_links"] if obj is not None else fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["person", "date", "record_status", "manage_links"] if obj else []
        return readonly if self._reads(request, obj) else readonly + ["content_notice"]

    # Read-only display of the content (a reader without the change permission, e.g. one a
    # record is shared with). The form of the same page decrypted and logged this read.
    @admin.display(description="思想动态")
    def state_of_mind(self, obj):
        return self._content_shown(obj, "state_of_mind")

    @admin.display(description="苗头性倾向性问题")
    def warning_signs(self, obj):
        return self._content_shown(obj, "warning_signs")

    @admin.display(description="家庭个人困难")
    def difficulties(self, obj):
        return self._content_shown(obj, "difficulties")

    def _content_shown(self, obj, name):
        if obj is None or not getattr(obj, "content_readable", False):
            return "—"
        return obj.decrypted_content()[name] or "—"

    @admin.display(description="谈话内容")
    def content_notice(self, obj):
        return "谈话内容保密，您无权查阅。"

    @admin.display(description="状态")
    def record_status(self, obj):
        if obj is None or not obj.voided_at:
            return "有效"
        return f"已作废（{timezone.localtime(obj.voided_at):%Y-%m-%d %H:%M}）"

    @admin.display(description="共享与作废")
    def manage_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">谁能查阅 / 共享</a> · <a href="{}">作废</a>',
            reverse("admin:talks_talkrecord_sharing", args=[obj.pk]),
            reverse("admin:talks_talkrecord_void", args=[obj.pk]),
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return (
            obj.voided_at is None  # a voided record is shown, no longer edited
            and super().has_change_permission(request, obj)
            and services.may_edit(request.user, obj)
        )

    def has_view_permission(self, request, obj=None):
        if obj is not None and getattr(obj, "content_readable", False):
            return True  # a reader by grant, talker or a share in force (the queryset admitted it)
        return super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # authority "talk.delete": superusers only; unit staff void a record instead
        if obj is None:
            return request.user.is_active and request.user.is_superuser
        return may(request.user, "talk.delete", obj.unit)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A past version is not reopened as a form: it would bypass who may read the content
        # and revert through no rule. The history list stays (history_view, scoped).
        raise PermissionDenied

    def revert_disabled(self, request, obj=None):
        return True

    def save_model(self, request, obj, form, change):
        """Through the services (``apps.core.writes``), with the content as typed."""
        writes = writes_for(TalkRecord)
        content = (
            {name: form.cleaned_data.get(name, "") for name in CONTENT_FIELDS} if form.reads_content else None
        )
        if change:
            writes.update(
                instance=obj,
                actor=request.user,
                related={"content": content} if content is not None else None,
            )
        else:
            writes.create(instance=obj, actor=request.user, related={"content": content or {}})

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
            path(
                "<path:object_id>/sharing/",
                self.admin_site.admin_view(self.sharing_view),
                name="talks_talkrecord_sharing",
            ),
            path(
                "<path:object_id>/void/",
                self.admin_site.admin_view(self.void_view),
                name="talks_talkrecord_void",
            ),
            *super().get_urls(),
        ]

    def _record(self, request, object_id) -> TalkRecord:
        """The record if it is in the user's scope; out of scope is 404, like missing."""
        record = self.get_object(request, object_id)
        if record is None:
            raise Http404
        return record

    def sharing_view(self, request, object_id):
        """谁能查阅 / 共享: who can read this record; share it (reason, optional end date);
        revoke a share. For the talker and the committee; every share and revoke is logged."""
        record = self._record(request, object_id)
        if record.talker_id != request.user.pk and not is_committee(request.user, record):
            raise PermissionDenied
        form = ShareForm(request.POST if request.method == "POST" and "reader" in request.POST else None)
        if request.method == "POST":
            try:
                if "revoke" in request.POST:
                    share = TalkShare.objects.filter(
                        pk=request.POST.get("revoke") or 0, record=record
                    ).first()
                    if share is None:
                        raise Http404
                    services.talk_share_revoke(
                        share=share,
                        actor=request.user,
                        reason=request.POST.get("revoke_reason", ""),
                        channel="admin",
                    )
                    self.message_user(request, f"已撤销对{display_name(share.reader)}的共享。")
                    return redirect(request.path)
                if not may(request.user, "talk.share", record.unit):
                    raise PermissionDenied
                if form.is_valid():
                    reader = services.user_named(form.cleaned_data["reader"])
                    if reader is None:
                        raise ValidationError({"reader": "没有这个在用的账号。"})
                    services.talk_share(
                        record=record,
                        reader=reader,
                        actor=request.user,
                        reason=form.cleaned_data["reason"],
                        ends_on=form.cleaned_data["ends_on"],
                        channel="admin",
                    )
                    self.message_user(request, f"已共享给{display_name(reader)}。")
                    return redirect(request.path)
            except ValidationError as refusal:
                for field, messages in refusal.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            except PermissionDenied as refusal:
                if not str(refusal):
                    raise
                form.add_error(None, str(refusal))
        context = {
            **self.admin_site.each_context(request),
            "title": f"谁能查阅：{record}",
            "opts": self.model._meta,
            "original": record,
            "readers": readers_of(record),
            "form": form,
            "may_share": may(request.user, "talk.share", record.unit),
        }
        return TemplateResponse(
            request, "admin/talks/sharing.html", context, status=400 if form.errors else 200
        )

    def void_view(self, request, object_id):
        """作废: the talker or the committee voids the record with a reason (logged)."""
        record = self._record(request, object_id)
        if not services.may_edit(request.user, record):
            raise PermissionDenied
        form = VoidForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                services.talk_record_void(
                    record=record, actor=request.user, reason=form.cleaned_data["reason"], channel="admin"
                )
            except ValidationError as refusal:
                form.add_error(None, refusal.messages)
            except PermissionDenied as refusal:
                form.add_error(None, str(refusal))
            else:
                self.message_user(request, "谈话记录已作废。")
                return redirect(reverse("admin:talks_talkrecord_change", args=[record.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"作废谈话记录：{record}",
            "opts": self.model._meta,
            "original": record,
            "form": form,
        }
        return TemplateResponse(request, "admin/talks/void.html", context, status=400 if form.errors else 200)

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
    """Changes go through ``services.followup_update``: completing keeps its rule (owner or
    talker), cancelling and re-assigning are the talker's or the committee's."""

    list_display = ["id", "record", "owner", "due_date", "status", "completed_on"]
    list_filter = [UnitSubtreeFilter, "status", "due_date"]
    search_fields = ["record__person__name", "owner__username"]
    list_select_related = ["record__person", "owner"]
    fields = ["record", "owner", "due_date", "status", "completed_on"]
    readonly_fields = ["record", "completed_on"]
    raw_id_fields = ["owner"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # cancelled, not deleted (authority "talk.delete")


@admin.register(TalkContentAccess)
class TalkContentAccessAdmin(ScopedModelAdmin):
    """The access log: append-only, for everyone (superusers included)."""

    list_display = ["accessed_at", "user", "event", "record_number", "unit", "reader", "channel", "note"]
    list_filter = [UnitSubtreeFilter, "event", "channel", "accessed_at"]
    search_fields = ["user__username", "user__last_name", "record__person__name", "=record_number"]
    list_select_related = ["user", "reader", "unit"]

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
