from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import ScopedModelAdmin
from apps.core.admin_filters import UnitSubtreeFilter

from .models import Grant, Role

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


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "description"]
    list_filter = [RoleAppFilter]
    search_fields = ["name", "code"]
    filter_horizontal = ["permissions"]


@admin.register(Grant)
class GrantAdmin(ScopedModelAdmin):
    list_display = ["user", "role", "unit", "granted_by", "created_at"]
    list_filter = [UnitSubtreeFilter, "role", "unit__kind"]
    search_fields = ["user__username", "user__first_name", "unit__name"]
    list_select_related = ["user", "role", "unit", "granted_by"]
    readonly_fields = ["granted_by", "created_at"]
    fields = ["username", "unit", "role", "granted_by", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        from .forms import grant_form_for

        kwargs["form"] = grant_form_for(request.user)
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request, obj, form, change):
        from .services import role_grant

        if change:
            super().save_model(request, obj, form, change)
            return
        grant = role_grant(user=obj.user, unit=obj.unit, role=obj.role, actor=request.user)
        obj.pk = grant.pk

    def delete_model(self, request, obj):
        from .services import grant_revoke

        grant_revoke(grant=obj, actor=request.user)
