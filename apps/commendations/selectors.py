"""Read-side figures on commendations for the dashboard (docs/selectors-contract.md),
computed in SQL from ``visible_to`` querysets in a fixed number of queries."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from apps.core.scoping import units_granted
from apps.units.models import Unit

from . import services
from .models import Nomination, Quota
from .services import quotas_with_usage

#: states in which a nomination waits for a decision at ``current_level``
WAITING = [Nomination.Status.SUBMITTED, Nomination.Status.APPROVING]


def pipeline_figures(*, user, root: Unit, year: int, now=None) -> dict:
    """Nominations of ``year`` drafted under ``root`` that ``user`` may see.

    * ``by_state``: ``{status code: n}`` for every status (0 included);
    * ``waiting_days_by_level``: ``{unit kind: mean days}`` over the nominations waiting for a
      decision (submitted: review at the drafting unit; approving: at ``current_level``),
      by the kind of the unit they wait at;
    * ``quota_use``: one row per quota of ``year`` on a visible unit under ``root``:
      ``{"unit_id", "unit_name", "award_kind", "award_kind_id", "period", "quota", "used"}``,
      ``used`` counted exactly as the final-approval check counts
      (``services.quotas_with_usage``).

    Three aggregate queries (plus the scoping layer's own lookups) whatever the number of
    units, quotas or nominations.
    """
    now = now or timezone.now()
    visible = Nomination.objects.visible_to(user, "view").filter(unit__path__startswith=root.path, year=year)
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("id")))
    waiting = (
        visible.filter(status__in=WAITING, current_level__isnull=False, waiting_since__isnull=False)
        .order_by()
        .values("current_level__kind")
        .annotate(days=Avg(now - F("waiting_since")))
    )
    quotas = quotas_with_usage(
        Quota.objects.visible_to(user, "view").filter(unit__path__startswith=root.path, year=year)
    ).order_by("unit__path", "award_kind__order", "period")
    return {
        "by_state": {code: counts.get(code, 0) for code in Nomination.Status.values},
        "waiting_days_by_level": {
            r["current_level__kind"]: round(r["days"].total_seconds() / 86400, 1)
            for r in waiting
            if r["days"] is not None
        },
        "quota_use": [
            {
                "unit_id": q["unit_id"],
                "unit_name": q["unit__name"],
                "award_kind": q["award_kind__name"],
                "award_kind_id": q["award_kind_id"],
                "period": q["period"],
                "quota": q["limit"],
                "used": q["used"],
            }
            for q in quotas.values(
                "unit_id", "unit__name", "award_kind__name", "award_kind_id", "period", "limit", "used"
            )
        ],
    }


#: the workflow's steps, in the order a page shows them (codes as the API's action URLs,
#: ``return`` for ``/return/``, ``resolve_objection`` for ``/resolve-objection/``)
WORKFLOW_ACTIONS = {
    "submit": ("提交", services.guard_submit),
    "review": ("审核通过", services.guard_review),
    "approve": ("审批通过", services.guard_approve),
    "return": ("退回修改", services.guard_decide_against),
    "reject": ("否决", services.guard_decide_against),
    "withdraw": ("撤回", services.guard_withdraw),
    "object": ("提出异议", services.guard_object),
    "resolve_objection": ("处理异议", services.guard_resolve),
}


def nomination_available_actions(*, nomination: Nomination, actor) -> list[str]:
    """The workflow steps ``actor`` may take on ``nomination`` now, by its state and their
    authority: the services' own guards, asked without the row lock (the service asks them
    again under it). ``nomination`` must be one the actor can see (through ``visible_to`` or
    the public notice, ``notices_for``)."""
    offered = []
    for code, (_, guard) in WORKFLOW_ACTIONS.items():
        try:
            guard(nomination, actor)
        except (PermissionDenied, ValidationError):
            continue
        offered.append(code)
    return offered


#: states shown to the units a public notice 公示 concerns
PUBLIC = [Nomination.Status.NOTICE, Nomination.Status.OBJECTED]


def notices_for(user):
    """Nominations under public notice 公示 that ``user`` may see: those in their scope, and
    those whose subject (the person's unit, the unit, the organisation's unit) lies in it, even
    when a level above drafted them: the unit a notice concerns sees it, and may object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Nomination.objects.none()
    public = Nomination.objects.filter(status__in=PUBLIC)
    if user.is_superuser:
        return public
    units = units_granted(user, "commendations", "view_nomination").values("pk")
    return public.filter(
        Q(pk__in=Nomination.objects.visible_to(user, "view").values("pk"))
        | Q(subject_person__unit__in=units)
        | Q(subject_unit__in=units)
        | Q(subject_organisation__unit__in=units)
    )
