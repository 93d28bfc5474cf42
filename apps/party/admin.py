from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html

from apps.core.admin import ScopedModelAdmin, ScopedTabularInline
from apps.core.admin_filters import UnitSubtreeFilter
from apps.units.admin_mixins import DeleteRefusalMixin
from apps.units.choices import LiveUnitChoicesAdminMixin

from .models import CampaignTeam, PartyOrganisation, PartyPosition, TeamMembership


class PositionInline(LiveUnitChoicesAdminMixin, ScopedTabularInline):
    model = PartyPosition
    fields = ["person", "position", "start_date", "end_date"]
    autocomplete_fields = ["person"]


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(DeleteRefusalMixin, LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["tree_name", "kind", "unit", "start_date", "end_date", "closed_on"]
    list_filter = [UnitSubtreeFilter, "kind", ("closed_on", admin.EmptyFieldListFilter)]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit"]
    ordering = ["path"]
    fields = ["name", "kind", "unit", "established_on", "start_date", "end_date", "reason", "closed_on"]
    inlines = [PositionInline]

    @admin.display(description="名称", ordering="path")
    def tree_name(self, obj):
        return format_html("{}{}", "　" * (obj.depth - 1) * 2, obj.name)

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "unit"] if obj else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = PartyOrganisationAddForm
            kwargs["fields"] = ["parent", *self.fields]
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            # A field of its own for this request: the declared ``parent`` field is shared by
            # every form class built from PartyOrganisationAddForm, so setting its queryset
            # would hand one user's choices to another request.
            parent = forms.ModelChoiceField(
                queryset=PartyOrganisation.objects.visible_to(request.user, "view").open(),
                required=False,
                label="上级党组织",
            )
            form = type(form.__name__, (form,), {"parent": parent})
        return form

    def get_fields(self, request, obj=None):
        return self.fields if obj else ["parent", *self.fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.pk, obj.path, obj.depth = form.created.pk, form.created.path, form.created.depth


class PartyOrganisationAddForm(forms.ModelForm):
    """Adding goes through the service, run in ``clean`` so a refused placement is a form error."""

    parent = forms.ModelChoiceField(
        queryset=PartyOrganisation.objects.none(), required=False, label="上级党组织"
    )
    created = None

    class Meta:
        model = PartyOrganisation
        fields = ["name", "kind", "unit"]

    def clean(self):
        from django.db import transaction

        from .services import organisation_create

        cleaned = super().clean()
        if self.errors:
            return cleaned
        data = {k: v for k, v in cleaned.items() if k != "parent" and k != "closed_on"}
        try:
            with transaction.atomic():
                self.created = organisation_create(
                    parent=cleaned.get("parent"), actor=self.scoped_user, **data
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, exc)
        except PermissionDenied as exc:
            self.add_error("unit", str(exc))
        return cleaned

    def _post_clean(self):
        pass  # the service validated and saved the node (treebeard needs add_child, not save)

    scoped_user = None


@admin.register(PartyPosition)
class PartyPositionAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["person", "organisation", "position", "start_date", "end_date"]
    list_filter = [UnitSubtreeFilter, "position"]
    search_fields = ["person__name", "organisation__name"]
    list_select_related = ["person", "organisation"]
    autocomplete_fields = ["person", "organisation"]


class TeamMemberInline(ScopedTabularInline):
    """One row per stint: a person who left and came back has two rows."""

    model = TeamMembership
    fields = ["person", "role", "joined_on", "left_on"]
    autocomplete_fields = ["person"]


@admin.register(CampaignTeam)
class CampaignTeamAdmin(LiveUnitChoicesAdminMixin, ScopedModelAdmin):
    list_display = ["name", "kind", "organisation", "unit", "start_date", "end_date"]
    list_filter = [UnitSubtreeFilter, "kind"]
    search_fields = ["name", "organisation__name"]
    list_select_related = ["organisation", "unit"]
    inlines = [TeamMemberInline]
