"""Admins for the permission-bearing models: roles, grants and accounts.

They write only through ``apps.access.services``: roles and the staff/superuser flags are
for superusers; grants follow the no-escalation rule on both their old and their new unit;
the account admin is scoped (an administrator sees the accounts holding grants in, or linked
to people in, their subtree, and edits only those whose every grant they could have made).
"""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import ScopedModelAdmin
from apps.core.admin_filters import UnitSubtreeFilter

from . import services
from .models import Grant, Role

User = get_user_model()

# Roles granted on units replace Django's groups: a group would grant permissions everywhere,
# outside the unit scoping. Nothing in the product uses groups, so they are not in the admin.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


class RoleAppFilter(admin.SimpleListFilter):
    """涉及模块: roles holding at least one permission of an application of the platform."""

    title = "涉及模块"
    parameter_name = "app"

    def lookups(self, request, model_admin):
        return [
            (config.label, config.verbose_name)
            for config in apps.get_app_configs()
            if config.name.startswith("apps.") and config.models_module is not None
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            pk__in=Role.objects.filter(permissions__content_type__app_label=self.value()).values("pk")
        )


class ServiceRefused(Exception):
    """A service refused a save the form had accepted (raised out of ``save_model`` so the
    whole save rolls back; the admin's own permission refusals are not caught)."""

    def __init__(self, refusal):
        super().__init__(str(refusal))
        self.refusal = refusal


def _through_service(write, **kwargs):
    try:
        return write(**kwargs)
    except (ValidationError, PermissionDenied) as refusal:
        raise ServiceRefused(refusal) from refusal


class ServiceRefusalMixin:
    """A service's refusal shows its message on the page the user came from, nothing saved."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            refusal = refused.refusal
            message = "；".join(refusal.messages) if isinstance(refusal, ValidationError) else str(refusal)
            self.message_user(request, message or "您无权进行此操作。", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Role)
class RoleAdmin(ServiceRefusalMixin, SimpleHistoryAdmin):
    """Roles are global (a role counts wherever it is granted): superusers edit them; others
    holding ``access.view_role`` may read them."""

    list_display = ["name", "code", "description"]
    list_filter = [RoleAppFilter]
    search_fields = ["name", "code"]
    filter_horizontal = ["permissions"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            from .roles import bundleable_permissions

            kwargs["queryset"] = bundleable_permissions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser or request.user.has_perm("access.view_role")

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        m2m = (
            {"permissions": form.cleaned_data["permissions"]} if "permissions" in form.cleaned_data else None
        )
        write = services.role_update if change else services.role_create
        _through_service(write, instance=obj, actor=request.user, m2m=m2m)

    def save_related(self, request, form, formsets, change):
        pass  # the permissions went through the service with the role (save_model)

    def delete_model(self, request, obj):
        services.role_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.role_delete(instance=role, actor=request.user)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refusal:  # a role still held
            self.message_user(request, "；".join(refusal.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Grant)
class GrantAdmin(ScopedModelAdmin):
    """Writes go through ``apps.core.writes`` to ``grant_create`` / ``grant_update`` /
    ``grant_delete`` (registered in ``apps.access.services``)."""

    list_display = ["user", "role", "unit", "granted_by", "created_at"]
    list_filter = [UnitSubtreeFilter, "role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    list_select_related = ["user", "role", "unit", "granted_by"]
    readonly_fields = ["granted_by", "created_at"]
    fields = ["username", "unit", "role", "granted_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        from .forms import grant_form_for

        kwargs["form"] = grant_form_for(request.user, role_editable=True)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["username_display", "unit", "role", "granted_by", "created_at"]
        return super().get_readonly_fields(request, obj)

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return ["username_display", "unit", "role", "granted_by", "created_at"]
        return super().get_fields(request, obj)

    @admin.display(description="用户名")
    def username_display(self, obj):
        return obj.user.get_username()


class ScopedUserAdmin(ServiceRefusalMixin, DjangoUserAdmin):
    """Accounts, scoped: a superuser sees and edits every account; anyone else holding
    ``access.view_grant`` sees the accounts that hold grants in, or are linked to people in,
    their subtree, and (with ``access.change_grant``) edits the name, e-mail, password and
    active flag of those every grant of which they could have handed out. Creating and
    deleting accounts, the staff and superuser flags, groups and direct permissions are for
    superusers only."""

    limited_fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("first_name", "last_name", "email")}),
        ("状态", {"fields": ("is_active",)}),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk__in=services.users_visible_to(request.user).values("pk"))

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        if user.is_superuser:
            return True
        if obj is None:
            return user.has_perm("access.view_grant") or user.has_perm("access.change_grant")
        return services.users_visible_to(user).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        user = request.user
        if user.is_superuser:
            return True
        if obj is None:
            return user.has_perm("access.change_grant")
        return services.user_may_manage(user, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        if obj is None or request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        if not self.has_change_permission(request, obj):  # read only: no password hash shown
            return tuple(fs for fs in self.limited_fieldsets if "password" not in fs[1]["fields"]) + (
                (None, {"fields": ("username",)}),
            )
        return self.limited_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("last_login", "date_joined")

    def get_list_filter(self, request):
        return self.list_filter if request.user.is_superuser else ("is_active",)

    def save_model(self, request, obj, form, change):
        names = [f.name for f in obj._meta.many_to_many if f.name in form.cleaned_data]
        m2m = {name: form.cleaned_data[name] for name in names}
        write = services.user_update if change else services.user_create
        _through_service(write, instance=obj, actor=request.user, m2m=m2m or None)

    def save_related(self, request, form, formsets, change):
        pass  # groups and permissions went through the service with the account (save_model)

    def delete_model(self, request, obj):
        services.user_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            services.user_delete(instance=user, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        """Django's page, with the new password written by ``user_password_set``."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        user = self.get_object(request, unquote(id))
        if user is None:
            if not self.has_change_permission(request):
                raise PermissionDenied
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = self.change_password_form(user, request.POST)
        if not form.is_valid() or not (
            form.cleaned_data.get("set_usable_password", True) or "unset-password" in request.POST
        ):
            return super().user_change_password(request, id, form_url)  # shows the errors, writes nothing
        usable = form.cleaned_data.get("set_usable_password", True)
        user = services.user_password_set(
            user=user, password=form.cleaned_data["password1"] if usable else None, actor=request.user
        )
        self.log_change(request, user, [{"changed": {"fields": ["password"]}}])
        self.message_user(request, "密码已修改。" if usable else "已停用密码登录。", messages.SUCCESS)
        if user.pk == request.user.pk:
            update_session_auth_hash(request, user)
        return HttpResponseRedirect(reverse(f"{self.admin_site.name}:auth_user_change", args=(user.pk,)))


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, ScopedUserAdmin)
