"""Read-side figures on commendations for the dashboard (docs/selectors-contract.md),
computed in SQL from ``visible_to`` querysets in a fixed number of queries."""

from django.db.models import Avg, Count, F
from django.utils import timezone

from apps.units.models import Unit

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
