"""Units in the admin: shown as an indented tree; every write goes through the services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html

from apps.access.models import Grant
from apps.core.admin import ScopedModelAdmin, ScopedTabularInline, save_inline_formset
from apps.core.admin_filters import UnitSubtreeFilter

from . import services
from .models import Unit, UnitMove


class UnitForm(forms.ModelForm):
    parent = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label="上级单位")

    class Meta:
        model = Unit
        fields = ["name", "short_name", "code", "kind"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "parent" in self.fields:
            self.fields["parent"].queryset = Unit.objects.visible_to(user, "add").live()
        if self.instance.pk:
            if "parent" in self.fields:
                self.fields["parent"].initial = self.instance.get_parent()
            # A view-only user's form has no editable fields at all (everything is read-only).
            for name in ("code", "kind"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        parent = cleaned.get("parent")
        kind = cleaned.get("kind") or self.instance.kind
        if not kind:
            return cleaned
        if self.instance.pk:
            if self.instance.is_root():
                if parent is not None:
                    self.add_error("parent", "不能调整顶级单位的隶属关系。")
                return cleaned
            if parent is None:
                self.add_error("parent", "请选择上级单位。")
                return cleaned
        elif parent is None and not (self.user and self.user.is_superuser):
            self.add_error("parent", "请选择上级单位。")
            return cleaned
        if (
            self.instance.pk
            and parent.pk != self.instance.get_parent().pk
            and not (self.user.is_superuser or self.user.has_perm("units.move_unit", self.instance))
        ):
            self.add_error("parent", "您无权调整该单位的隶属关系。")
            return cleaned
        try:
            services.unit_validate_placement(
                kind=kind, parent=parent, unit=self.instance if self.instance.pk else None
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class GrantInline(ScopedTabularInline):
    model = Grant
    fk_name = "unit"
    fields = ["username", "role", "granted_by", "created_at"]
    readonly_fields = ["granted_by", "created_at"]
    verbose_name = "本单位授权"
    verbose_name_plural = "本单位授权（覆盖本单位及全部下级）"

    def get_formset(self, request, obj=None, **kwargs):
        from apps.access.forms import grant_form_for

        kwargs["form"] = grant_form_for(request.user)
        kwargs["fields"] = ["username", "role"]
        return super().get_formset(request, obj, **kwargs)


class UnitMoveInline(ScopedTabularInline):
    model = UnitMove
    fk_name = "unit"
    fields = ["from_parent", "to_parent", "moved_by", "moved_at"]
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "隶属调整记录"

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    form = UnitForm
    list_display = ["tree_name", "short_name", "code", "kind", "dissolved_on"]
    list_filter = [UnitSubtreeFilter, "kind", ("dissolved_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "short_name", "code"]
    ordering = ["path"]
    inlines = [GrantInline, UnitMoveInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    export_fields = [
        ("name", "名称"),
        ("short_name", "简称"),
        ("code", "单位代码"),
        ("kind", "类别"),
        ("dissolved_on", "撤销日期"),
    ]
    actions = ["export_xlsx", "dissolve_selected"]

    @admin.display(description="名称", ordering="path")
    def tree_name(self, obj):
        indent = "　" * (obj.depth - 1) * 2
        marker = "└ " if obj.depth > 1 else ""
        return format_html("{}{}{}", indent, marker, obj.name)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestUnitForm(form):
            def __init__(self, *args, **kw):
                kw["user"] = request.user
                super().__init__(*args, **kw)

        return RequestUnitForm

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if not change:
                created = services.unit_create(
                    parent=data.get("parent"),
                    name=data["name"],
                    short_name=data.get("short_name", ""),
                    kind=data["kind"],
                    code=data["code"],
                    actor=request.user,
                )
                obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
                return
            services.unit_rename(
                unit=obj, name=data["name"], short_name=data.get("short_name", ""), actor=request.user
            )
            if data.get("parent") and data["parent"].pk != obj.get_parent().pk:
                services.unit_move(unit=obj, new_parent=data["parent"], actor=request.user)
        except (ValidationError, PermissionDenied) as exc:
            raise ValidationError(str(exc)) from exc

    def save_formset(self, request, form, formset, change):
        # The grant rows go through the access services registered for Grant (no-escalation
        # check, permission rows kept equal to the live grants); a duplicate is a form error.
        save_inline_formset(request, formset)

    def delete_model(self, request, obj):
        services.unit_dissolve(unit=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # units are dissolved, never deleted

    @admin.action(description="撤销所选单位")
    def dissolve_selected(self, request, queryset):
        from django.contrib import messages

        for unit in queryset.order_by("-depth"):
            try:
                services.unit_dissolve(unit=unit, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request, f"{unit.name}：{'；'.join(getattr(exc, 'messages', [str(exc)]))}", messages.ERROR
                )
            else:
                self.message_user(request, f"已撤销：{unit.name}")
