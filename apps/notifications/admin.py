from django import forms
from django.contrib import admin

from .models import Notification, NotificationPreference
from .services import preference_update


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


class NotificationPreferenceForm(forms.ModelForm):
    email_categories = forms.CharField(
        label="发送邮件的通知类别",
        required=False,
        help_text="以逗号分隔，如 reports,party；为空表示全部类别。",
    )

    class Meta:
        model = NotificationPreference
        fields = ["email", "email_categories"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["email_categories"] = ",".join(self.instance.email_categories or [])

    def clean_email_categories(self):
        raw = self.cleaned_data.get("email_categories") or ""
        return [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    """Each user sees and sets only their own preference (saved through the service)."""

    form = NotificationPreferenceForm
    list_display = ["user", "email", "categories", "updated_at"]
    list_filter = ["email"]
    search_fields = ["user__username", "user__last_name", "user__first_name"]

    @admin.display(description="发送邮件的通知类别")
    def categories(self, obj):
        return "、".join(obj.email_categories) or "全部"

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return request.user.is_active

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and (obj is None or obj.user_id == request.user.pk)

    def has_add_permission(self, request):
        return (
            request.user.is_active
            and not NotificationPreference.objects.filter(user_id=request.user.pk).exists()
        )

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = preference_update(
            user=request.user,
            actor=request.user,
            email=form.cleaned_data["email"],
            email_categories=form.cleaned_data["email_categories"],
        )
        obj.pk, obj.user_id = saved.pk, saved.user_id
        obj._state.adding = False
