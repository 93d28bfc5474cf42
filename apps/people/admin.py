from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.core.exports import xlsx_response
from apps.units.models import Unit

from . import imports
from .api.views import with_pid_visibility
from .models import ImportJob, PartyMembership, Person, PoliticalStatusChange, UnitMembership, mask_id_number
from .selectors import account_label, person_search_condition
from .services import accounts_in_scope, may_link_accounts


class UnitMembershipInline(ScopedTabularInline):
    model = UnitMembership
    fields = ["unit", "start_date", "end_date", "note"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "单位任职记录（调动请使用“调动”操作）"

    def has_add_permission(self, request, obj=None):
        return False


class PartyMembershipInline(UnitMembershipInline):
    model = PartyMembership
    fields = ["organisation", "start_date", "end_date", "note"]
    readonly_fields = fields
    verbose_name_plural = "党组织关系记录"


class StatusChangeInline(UnitMembershipInline):
    model = PoliticalStatusChange
    fields = ["status", "effective_date", "probation_end", "note"]
    readonly_fields = fields
    verbose_name_plural = "政治面貌变更记录"


class TransferForm(forms.Form):
    to_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="调入单位")
    on = forms.DateField(label="调动日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", required=False, max_length=200)


class AccountChoiceField(forms.ModelChoiceField):
    """Accounts shown by their holder's name (family name first) and login name."""

    def label_from_instance(self, obj):
        return account_label(obj)


class ImportForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label="导入到单位")
    file = forms.FileField(label="花名册（.xlsx）")


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    list_display = [
        "name",
        "gender",
        "id_number_shown",
        "unit",
        "category",
        "position",
        "political_status",
        "is_active",
    ]
    list_filter = [UnitSubtreeFilter, "political_status", "category", "is_active", "gender"]
    search_fields = ["name"]  # and the exact ID number where visible: get_search_results
    list_select_related = ["unit"]
    inlines = [UnitMembershipInline, PartyMembershipInline, StatusChangeInline]
    actions = ["export_people_xlsx"]
    change_form_template = "admin/people/person/change_form.html"
    change_list_template = "admin/people/person/change_list.html"

    def get_queryset(self, request):
        return with_pid_visibility(super().get_queryset(request), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # out of scope looks exactly like missing, on every page of the object

    def get_search_results(self, request, queryset, search_term):
        """A name (contains) or an exact ID number, the latter only among people whose
        number this user may see: a masked number is no search key."""
        for term in search_term.split():
            queryset = queryset.filter(person_search_condition(request.user, term))
        return queryset, False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            kwargs["queryset"] = Unit.objects.visible_to(request.user, "people.add_person").filter(
                dissolved_on__isnull=True
            )
        elif db_field.name == "user":
            # Only accounts inside the user's scope, and not already another person's login.
            person_pk = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = _free_accounts(request.user, person_pk)
            kwargs["form_class"] = AccountChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="身份证号")
    def id_number_shown(self, obj):
        return obj.id_number if getattr(obj, "pid_visible", False) else mask_id_number(obj.id_number)

    def _sees_personal_data(self, request, obj):
        return obj is not None and request.user.has_perm("people.view_personal_data", obj)

    def _may_link_accounts(self, request, obj) -> bool:
        if obj is not None:
            return may_link_accounts(request.user, obj.unit)
        return accounts_in_scope(request.user).exists() or request.user.is_superuser

    def get_fields(self, request, obj=None):
        fields = [
            "name",
            "gender",
            "birth_date",
            "id_number",
            "category",
            "rank",
            "position",
            "phone",
            "user",
            "is_active",
        ]
        if obj is None:
            if not self._may_link_accounts(request, obj):
                fields.remove("user")
            return ["unit", *fields, "political_status"]
        if not self._sees_personal_data(request, obj):
            fields = [f if f not in ("id_number", "phone") else f"{f}_masked" for f in fields]
        if not self._may_link_accounts(request, obj):
            fields = [f if f != "user" else "user_shown" for f in fields]
        return [*fields, "unit", "political_status", "party_organisation", "party_group"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["unit", "political_status", "party_organisation", "party_group"]
        if not self._sees_personal_data(request, obj):
            readonly += ["id_number_masked", "phone_masked"]
        if not self._may_link_accounts(request, obj):
            readonly += ["user_shown"]
        return readonly

    @admin.display(description="登录账号")
    def user_shown(self, obj):
        return account_label(obj.user) if obj.user_id else "-"

    @admin.display(description="身份证号")
    def id_number_masked(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description="联系电话")
    def phone_masked(self, obj):
        return mask_id_number(obj.phone)

    # Saves and deletes go through apps.people.services (person_create_from_form,
    # person_update, person_deactivate), registered with apps.core.writes.

    @admin.action(description="导出所选人员为 Excel")
    def export_people_xlsx(self, request, queryset):
        return xlsx_response(
            filename="人员名单.xlsx",
            headers=imports.template_rows(),
            rows=imports.roster_export_rows(queryset, user=request.user),
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="people_person_transfer",
            ),
            path("import/", self.admin_site.admin_view(self.import_view), name="people_person_import"),
            *super().get_urls(),
        ]

    def transfer_view(self, request, pk):
        person = get_object_or_404(self.get_queryset(request), pk=pk)
        if not request.user.has_perm("people.change_person", person):
            raise PermissionDenied
        form = TransferForm(request.POST or None)
        form.fields["to_unit"].queryset = Unit.objects.visible_to(
            request.user, "people.change_person"
        ).filter(dissolved_on__isnull=True)
        if request.method == "POST" and form.is_valid():
            from .services import person_transfer

            try:
                person_transfer(person=person, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                self.message_user(request, f"{person.name} 已调入 {form.cleaned_data['to_unit'].name}。")
                return HttpResponseRedirect(reverse("admin:people_person_change", args=[person.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": f"人员调动：{person.name}",
            "form": form,
            "opts": self.model._meta,
            "original": person,
        }
        return TemplateResponse(request, "admin/people/person/form_page.html", context)

    def import_view(self, request):
        if not request.user.has_perm("people.add_person"):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        form.fields["unit"].queryset = Unit.objects.visible_to(request.user, "people.add_person").filter(
            dissolved_on__isnull=True
        )
        if request.method == "POST" and form.is_valid():
            try:
                job = imports.roster_import_start(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                job.refresh_from_db()
                level = messages.ERROR if job.status == ImportJob.Status.FAILED else messages.INFO
                self.message_user(request, f"导入任务已提交：{job.get_status_display()}", level)
                return HttpResponseRedirect(reverse("admin:people_importjob_change", args=[job.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": "花名册导入",
            "form": form,
            "opts": self.model._meta,
            "multipart": True,
        }
        return TemplateResponse(request, "admin/people/person/form_page.html", context)


def _free_accounts(actor, person_pk):
    """Accounts in the actor's scope that are not another person's login."""
    from django.db.models import Q

    return (
        accounts_in_scope(actor)
        .filter(Q(person__isnull=True) | Q(person__pk=person_pk or 0))
        .order_by("last_name", "first_name", "username")
    )


@admin.register(ImportJob)
class ImportJobAdmin(ScopedModelAdmin):
    list_display = [
        "created_at",
        "unit",
        "status",
        "progress_shown",
        "created_count",
        "updated_count",
        "created_by",
    ]
    list_filter = [UnitSubtreeFilter, "status", "created_at"]
    search_fields = ["unit__name", "created_by__username"]
    list_select_related = ["unit", "created_by"]
    readonly_fields = [
        "unit",
        "status",
        "progress_shown",
        "total_rows",
        "processed_rows",
        "created_count",
        "updated_count",
        "error_table",
        "created_by",
        "created_at",
        "finished_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="进度")
    def progress_shown(self, obj):
        live = obj.live_progress
        return f"{live['percent']}%（校验 {live['validated']}/{live['total']}，写入 {live['written']}/{live['total']}）"

    @admin.display(description="错误明细")
    def error_table(self, obj):
        if not obj.errors:
            return "无"
        link = reverse("admin:people_importjob_errors", args=[obj.pk])
        rows = format_html(
            "".join("<tr><td>{}</td><td>{}</td><td>{}</td></tr>" for _ in obj.errors[:200]),
            *[v for e in obj.errors[:200] for v in (e["row"], e["column"], e["message"])],
        )
        return format_html(
            '<a href="{}">下载错误报告（.xlsx）</a><table><tr><th>行</th><th>列</th><th>错误</th></tr>{}</table>',
            link,
            rows,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/errors.xlsx",
                self.admin_site.admin_view(self.errors_view),
                name="people_importjob_errors",
            ),
            *super().get_urls(),
        ]

    def errors_view(self, request, pk):
        job = get_object_or_404(self.get_queryset(request), pk=pk)
        return xlsx_response(
            filename=f"导入错误报告-{job.pk}.xlsx",
            headers=["行号", "列", "错误信息"],
            rows=imports.error_report_rows(job),
        )
