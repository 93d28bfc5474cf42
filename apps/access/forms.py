"""Admin forms for grants.

The user is typed by username rather than picked from a list: a unit administrator must
not be able to browse every account in the province to find one. The form only checks
early what ``apps.access.services`` checks again when it writes.

``actor`` is set on a class built for one request (``grant_form_for``), never on the
shared ``GrantForm``.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from .models import Grant
from .services import role_grant_check


class GrantForm(forms.ModelForm):
    username = forms.CharField(label="用户名", max_length=150)

    actor = None  # set on the per-request subclass (grant_form_for)
    #: the grant page changes a grant's unit and role (``grant_update``); the grant rows on
    #: a unit's page only add and withdraw grants, so there an existing row's role is fixed
    role_editable = False

    class Meta:
        model = Grant
        fields = ["role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A view-only page builds the form without fields (everything is shown read-only).
        if self.instance.pk and "username" in self.fields:
            # Changing who holds a grant is withdrawing it and granting anew; the unit and
            # the role may be changed (``grant_update`` checks both the old and the new).
            self.fields["username"].initial = self.instance.user.username
            self.fields["username"].disabled = True
            if not self.role_editable and "role" in self.fields:
                self.fields["role"].disabled = True

    def clean_username(self):
        if self.instance.pk and self.instance.user_id:
            return self.instance.user.username
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ValidationError("用户不存在或已停用。")
        self.instance.user = user
        return username

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit") or (self.instance.unit if self.instance.unit_id else None)
        role = cleaned.get("role")
        if unit is None or role is None or self.actor is None:
            return cleaned
        if self.instance.pk and (unit.pk, role.pk) == (self.instance.unit_id, self.instance.role_id):
            return cleaned
        try:
            role_grant_check(unit=unit, role=role, actor=self.actor)
        except PermissionDenied as exc:
            raise ValidationError(str(exc)) from exc
        return cleaned


def grant_form_for(actor, base=GrantForm, *, role_editable: bool = False):
    """The grant form for one request (the actor is never set on the shared class)."""
    return type("GrantFormForActor", (base,), {"actor": actor, "role_editable": role_editable})
