"""Admin bases: every scoped changelist, form and foreign-key choice goes through ``visible_to``."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.access.authority import may_everywhere
from apps.core.api.pagination import CappedCountPaginator
from apps.core.scoping import resolve_permission, scope_unit_of
from apps.core.writes import writes_for

from .exports import xlsx_response

admin.site.site_header = "消防救援队伍党建工作平台"
admin.site.site_title = "党建工作平台"
admin.site.index_title = "工作台"


def _perm(model, action: str) -> str:
    app_label, codename = resolve_permission(model, action)
    return f"{app_label}.{codename}"


class ScopedFormMixin:
    """Refuse to save an object whose unit lies outside what the user may write to.

    ``scoped_user`` and ``service_errors`` are set on a form class built for one request
    (``ScopedModelAdmin.get_form``), never on a shared class."""

    scoped_user = None
    service_errors = None

    def _post_clean(self):
        super()._post_clean()
        if self.service_errors is not None:
            _add_service_errors(self, self.service_errors)
        user = self.scoped_user
        if user is None or user.is_superuser or self.errors:
            return
        action = "change" if self.instance.pk else "add"
        unit = scope_unit_of(self.instance)
        # A unit being created has no place yet: its parent choices are already restricted.
        if (
            unit is not None
            and unit.pk
            and not user.has_perm(_perm(type(self.instance), action), self.instance)
        ):
            self.add_error(None, ValidationError("所选单位不在您的管辖范围内，或您无权在该单位下操作。"))


class ScopedAdminMixin:
    """Shared by model admins and inlines of scoped models."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user, "view")

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return super().has_view_permission(request)
        return request.user.has_perm(_perm(self.model, "view"), obj) or request.user.has_perm(
            _perm(self.model, "change"), obj
        )

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return request.user.has_perm(_perm(self.model, "change"), obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return request.user.has_perm(_perm(self.model, "delete"), obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model.objects if hasattr(db_field.related_model, "objects") else None
        if related is not None and hasattr(related.all(), "visible_to") and "queryset" not in kwargs:
            kwargs["queryset"] = related.all().visible_to(request.user, "view")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        related = db_field.related_model.objects
        if hasattr(related.all(), "visible_to") and "queryset" not in kwargs:
            kwargs["queryset"] = related.all().visible_to(request.user, "view")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


REFUSALS = (ValidationError, PermissionDenied)


class ServiceWritesAdminMixin:
    """Saves and deletes through the model's services (``apps.core.writes``), never
    save()/delete() here. A service that refuses a save rolls the whole save back and the
    form is shown again with the user's input and the service's message. A refused delete is
    a message on the object's page (or above the list) when ``refused_delete_as_message``,
    nothing deleted; otherwise it is raised (403, or 500 for a rule)."""

    #: ``ScopedFormMixin``'s check of the form's unit against the user's grants (scoped models)
    scoped_form = False
    refused_delete_as_message = True
    #: a selection is deleted as one (one refusal keeps every row) rather than row by row
    delete_selection_as_one = False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A class built for this request: the user and the refusal are never kept on a shared class.
        attrs = {
            "scoped_user": request.user if self.scoped_form else None,
            "service_errors": getattr(request, "_service_errors", None),
        }
        return type(form.__name__, (ScopedFormMixin, form), attrs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except REFUSALS as refusal:
            if request.method != "POST" or getattr(request, "_service_errors", None) is not None:
                raise
            request._service_errors = _as_form_errors(refusal)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        writes = writes_for(type(obj))
        m2m = {
            f.name: form.cleaned_data[f.name] for f in obj._meta.many_to_many if f.name in form.cleaned_data
        }
        (writes.update if change else writes.create)(instance=obj, actor=request.user, m2m=m2m)

    def save_related(self, request, form, formsets, change):
        # Many-to-many values went through the service with the object (save_model).
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        save_inline_formset(request, formset)

    def delete_model(self, request, obj):
        writes_for(type(obj)).delete(instance=obj, actor=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except REFUSALS as refusal:
            if not self.refused_delete_as_message:
                raise
            self.message_user(request, _refusal_text(refusal), messages.ERROR)
            opts = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            )

    def delete_queryset(self, request, queryset):
        if not self.refused_delete_as_message:
            for obj in queryset:
                self.delete_model(request, obj)
        elif self.delete_selection_as_one:
            try:
                with transaction.atomic():  # all of the selection or none of it
                    for obj in queryset:
                        self.delete_model(request, obj)
            except REFUSALS as refusal:
                self.message_user(request, _refusal_text(refusal), messages.ERROR)
        else:
            for obj in queryset:
                try:
                    with transaction.atomic():
                        self.delete_model(request, obj)
                except REFUSALS as refusal:
                    self.message_user(request, f"{obj}：{_refusal_text(refusal)}", messages.ERROR)


class ScopedModelAdmin(ServiceWritesAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    """Base admin for scoped models, with history and an .xlsx export of the filtered list."""

    list_per_page = 50
    # a filtered list is counted once, not a second time unfiltered for "共 N 条": at a corps
    # that second COUNT read every zero-report in scope (1,000,000 rows, ~60 ms) on each page;
    # the search bar offers "显示全部" instead
    show_full_result_count = False
    # and counted exactly only up to 10,000 rows ("10000+" beyond, templatetags/admin_counts.py):
    # the exact count of a corps's zero-reports was the slowest part of that page
    paginator = CappedCountPaginator
    export_fields: list[tuple[str, str]] = []  # (attribute or callable name, column title)
    actions = ["export_xlsx"]
    scoped_form = True
    refused_delete_as_message = False

    # The write path is the mixin's; named here too, where tests/core/test_write_path.py
    # checks that the base admin itself replaces Django's save()/delete().
    save_model = ServiceWritesAdminMixin.save_model
    save_related = ServiceWritesAdminMixin.save_related
    save_formset = ServiceWritesAdminMixin.save_formset
    delete_model = ServiceWritesAdminMixin.delete_model
    delete_queryset = ServiceWritesAdminMixin.delete_queryset

    def history_view(self, request, object_id, extra_context=None):
        """simple-history's view for models with a history; Django's log view for the rest
        (logs and aggregates), both through the scoped ``get_object`` (out of scope: 404)."""
        if not self._visible(request, object_id):
            # Out of scope looks exactly like missing (the history rows would tell otherwise).
            raise Http404
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def _visible(self, request, object_id) -> bool:
        try:
            return self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            return False

    @admin.action(description="导出所选记录为 Excel")
    def export_xlsx(self, request, queryset):
        fields = self.export_fields or [
            (f, self.model._meta.get_field(f).verbose_name)
            for f in self.list_display
            if f != "__str__" and _is_field(self.model, f)
        ]
        return xlsx_response(
            filename=f"{self.model._meta.verbose_name_plural}.xlsx",
            headers=[str(title) for _, title in fields],
            rows=([_value(obj, name) for name, _ in fields] for obj in queryset),
        )


class ReferenceDataAdmin(ServiceWritesAdminMixin, admin.ModelAdmin):
    """Global reference data (award kinds, 必议 lists, schemes): read by whoever holds the view
    permission; added, changed and deleted only by the holders of ``authority`` at the top of
    the tree (``may_everywhere``), through the model's services."""

    authority = ""

    def _manages(self, request) -> bool:
        return may_everywhere(request.user, self.authority)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._manages(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manages(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manages(request)


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedAdminMixin, admin.StackedInline):
    extra = 0


def save_inline_formset(request, formset) -> None:
    """Inline rows created, changed and deleted through their models' services."""
    for obj in formset.save(commit=False):
        writes = writes_for(type(obj))
        (writes.update if obj.pk else writes.create)(instance=obj, actor=request.user)
    for obj in formset.deleted_objects:
        writes_for(type(obj)).delete(instance=obj, actor=request.user)


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's field messages go next to the form's fields; the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _as_form_errors(refusal) -> ValidationError:
    if isinstance(refusal, ValidationError):
        return refusal
    return ValidationError(str(refusal) or "您无权进行此操作。")


def _refusal_text(refusal) -> str:
    return "；".join(_as_form_errors(refusal).messages)


def _is_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def _value(obj, name: str):
    display = getattr(obj, f"get_{name}_display", None)
    value = display() if callable(display) else getattr(obj, name, "")
    if callable(value):
        value = value()
    return value


from . import admin_axes  # noqa: E402,F401  (django-axes' lockout admins, in Chinese)
