from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Everyone sees only their own notices here."""

    list_display = ["title", "category", "created_at", "read_at"]
    list_filter = ["category", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body"]
    readonly_fields = ["recipient", "title", "body", "link", "category", "created_at", "read_at"]
    exclude = ["dedupe_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.is_active

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (obj is None or obj.recipient_id == request.user.pk)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
