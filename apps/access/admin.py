from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin import ScopedModelAdmin

from .models import Grant, Role


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "description"]
    search_fields = ["name", "code"]
    filter_horizontal = ["permissions"]


@admin.register(Grant)
class GrantAdmin(ScopedModelAdmin):
    list_display = ["user", "role", "unit", "granted_by", "created_at"]
    list_filter = ["role"]
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
