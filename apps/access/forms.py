"""Admin forms for grants.

The user is typed by username rather than picked from a list: a unit administrator must
not be able to browse every account in the province to find one.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from .models import Grant
from .services import role_grant_check


class GrantForm(forms.ModelForm):
    username = forms.CharField(label="用户名", max_length=150)

    actor = None  # set by the admin for the current request

    class Meta:
        model = Grant
        fields = ["role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].initial = self.instance.user.username
            self.fields["username"].disabled = True
            self.fields["role"].disabled = True

    def clean_username(self):
        if self.instance.pk:
            return self.instance.user.username
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError("用户不存在或已停用。")
        self.instance.user = user
        return username

    def clean(self):
        cleaned = super().clean()
        unit = getattr(self.instance, "unit", None) if self.instance.unit_id else cleaned.get("unit")
        role = cleaned.get("role")
        if self.instance.pk or unit is None or role is None or self.actor is None:
            return cleaned
        try:
            role_grant_check(unit=unit, role=role, actor=self.actor)
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        return cleaned


def grant_form_for(actor, base=GrantForm):
    return type("GrantFormForActor", (base,), {"actor": actor})
