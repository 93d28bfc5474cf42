"""审批代理: an approver lends their approval to an eligible deputy for some days.

Who is eligible is the commendations service's rule (``deputy_eligible``); this page only
offers the people it accepts, by name, and the service checks again when saving."""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.access.models import UnitPermission
from apps.commendations import services
from apps.commendations.models import Delegation

from ..forms import DATE_INPUT, UserChoiceField
from .common import apply_errors, page, signed_in

MAX_CANDIDATES = 200


class DelegationForm(forms.Form):
    deputy = UserChoiceField(
        label="代理人",
        queryset=None,
        empty_label="请选择代理人",
        widget=forms.Select(attrs={"class": "weui-select"}),
        error_messages={"required": "请选择代理人。", "invalid_choice": services.NOT_ELIGIBLE},
    )
    starts_on = forms.DateField(
        label="开始日期", widget=DATE_INPUT, error_messages={"required": "请填写开始日期。"}
    )
    ends_on = forms.DateField(
        label="结束日期", widget=DATE_INPUT, error_messages={"required": "请填写结束日期。"}
    )

    def __init__(self, *args, deputies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deputy"].queryset = deputies
        self.fields["starts_on"].initial = timezone.localdate()


def eligible_deputies(approver):
    """The users the service would accept as ``approver``'s deputy: candidates holding the
    nomination view permission under a unit where the approver approves, each confirmed by
    ``services.deputy_eligible``."""
    User = get_user_model()
    approve_paths = UnitPermission.objects.filter(
        user_id=approver.pk,
        permission__codename="approve_nomination",
        permission__content_type__app_label="commendations",
    ).values_list("content_object__path", flat=True)
    inside = Q(pk__in=[])
    for path in approve_paths:
        inside |= Q(content_object__path__startswith=path)
    candidates = User.objects.filter(
        pk__in=UnitPermission.objects.filter(inside, permission__codename="view_nomination").values(
            "user_id"
        ),
        is_active=True,
    ).exclude(pk=approver.pk)
    ok = [u.pk for u in candidates[:MAX_CANDIDATES] if services.deputy_eligible(approver, u)]
    return User.objects.filter(pk__in=ok).order_by("last_name", "first_name", "pk")


def _approver_only(request):
    if not services.approves_anywhere(request.user):
        raise Http404


@signed_in
def delegations(request):
    _approver_only(request)
    form = DelegationForm(request.POST or None, deputies=eligible_deputies(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.delegation_create(
                approver=request.user,
                deputy=d["deputy"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已设置审批代理。")
            return redirect("workbench:delegations")
    given = Delegation.objects.filter(approver=request.user).select_related("deputy").order_by("-starts_on")
    return page(
        request,
        "workbench/delegations.html",
        {"form": form, "given": list(given[:50]), "today": timezone.localdate()},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@signed_in
def delegation_end(request, pk):
    delegation = get_object_or_404(Delegation.objects.filter(approver=request.user), pk=pk)
    try:
        services.delegation_delete(delegation=delegation, actor=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已撤销该审批代理。")
    return redirect("workbench:delegations")
