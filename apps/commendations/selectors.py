"""Read-side figures on commendations for the dashboard (docs/selectors-contract.md),
computed in SQL from ``visible_to`` querysets in a fixed number of queries."""

from functools import cached_property

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from apps.access.authority import ABOVE, SUPERUSER, rule_for
from apps.access.models import UnitPermission
from apps.core.request_cache import memoized
from apps.core.scoping import UNIT_PATH_STEP, ancestor_paths, units_granted, user_grants
from apps.people.models import PartyMembership, Person
from apps.units.models import Unit

from . import services
from .models import Delegation, Nomination, Quota
from .services import quotas_with_usage

#: states in which a nomination waits for a decision at ``current_level``
WAITING = [Nomination.Status.SUBMITTED, Nomination.Status.APPROVING]


def status_counts(user, root: Unit) -> dict[tuple[str, int], int]:
    """``{(status, year): n}`` of the nominations drafted under ``root`` that ``user`` may see,
    from one grouped statement read once per request: the HQ board counts every year, the
    dashboard's pipeline one year, and the admin index shows both."""

    def read():
        rows = (
            Nomination.objects.visible_within(user, root)
            .order_by()
            .values_list("status", "year")
            .annotate(n=Count("id"))
        )
        return {(status, year): n for status, year, n in rows}

    return memoized(("nomination-status-counts", user.pk, root.pk), read)


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
    visible = Nomination.objects.visible_within(user, root).filter(year=year)
    counts = {status: n for (status, of_year), n in status_counts(user, root).items() if of_year == year}
    waiting = (
        visible.filter(status__in=WAITING, current_level__isnull=False, waiting_since__isnull=False)
        .order_by()
        .values("current_level__kind")
        .annotate(days=Avg(now - F("waiting_since")))
    )
    quotas = quotas_with_usage(Quota.objects.visible_within(user, root).filter(year=year)).order_by(
        "unit__path", "award_kind__order", "period"
    )
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


def nominations_available_actions(*, nominations, actor) -> dict[int, list[str]]:
    """``nomination_available_actions`` for a page of nominations at once (the inbox's rows):
    ``{pk: [codes]}``, the same answer for each, from the actor's grants, delegations, person
    and memberships read once: at most seven queries whatever the number of nominations.

    The single form stays the services' own guards (the truth the writes check under the row
    lock); this one restates them over data read in bulk, and
    ``tests/commendations/test_available_actions_batch.py`` holds the two equal in every state,
    for the demo's users and with delegations. ``actor`` is a signed-in user."""
    nominations = list(nominations)
    if not nominations:
        return {}
    authority = _BatchAuthority(actor, nominations)
    return {n.pk: authority.offered(n) for n in nominations}


class _BatchAuthority:
    """The facts the workflow's guards ask per nomination, read for all of them together
    (each read only when a nomination's state needs it)."""

    def __init__(self, actor, nominations: list[Nomination]):
        self.actor = actor
        self.nominations = nominations
        self.active = bool(actor.is_authenticated and actor.is_active)
        self.superuser = self.active and actor.is_superuser

    # --- reads, once each ---------------------------------------------------------------

    @cached_property
    def grants(self):
        """The actor's granted unit paths by permission, and per-record shares (the request's
        one read, ``apps.core.scoping.user_grants``)."""
        return user_grants(self.actor)

    @cached_property
    def facts(self) -> dict[int, dict]:
        """Paths and kinds the guards read through a nomination's relations, as stored now
        (the permission backend too judges a unit by its current path)."""
        return {
            row["pk"]: row
            for row in Nomination.objects.filter(pk__in=[n.pk for n in self.nominations]).values(
                "pk",
                "unit_id",
                "unit__path",
                "unit__kind",
                "current_level__path",
                "subject_unit__path",
                "subject_organisation__path",
                "award_kind__approving_kind",
            )
        }

    @cached_property
    def delegators(self) -> list[int]:
        """Who delegated to the actor today (``services._active_delegations``)."""
        return list(
            Delegation.objects.filter(
                deputy_id=self.actor.pk,
                starts_on__lte=timezone.localdate(),
                ends_on__gte=timezone.localdate(),
                approver__is_active=True,
            ).values_list("approver_id", flat=True)
        )

    @cached_property
    def delegators_levels(self) -> dict[int, set[str]]:
        """The unit paths where each delegator holds the approver's role exactly."""
        held: dict[int, set[str]] = {}
        if self.delegators:
            for user_id, path in UnitPermission.objects.filter(
                user_id__in=self.delegators,
                permission__codename="approve_nomination",
                permission__content_type__app_label="commendations",
            ).values_list("user_id", "content_object__path"):
                held.setdefault(user_id, set()).add(path)
        return held

    @cached_property
    def people(self) -> dict[int, tuple[int, str]]:
        """``{user id: (person id, unit path)}`` of the actor and their delegators."""
        return {
            user_id: (pk, path)
            for user_id, pk, path in Person.objects.filter(
                user_id__in=[self.actor.pk, *self.delegators]
            ).values_list("user_id", "pk", "unit__path")
        }

    @cached_property
    def party_paths(self) -> dict[int, list[str]]:
        """``{person id: [paths of the organisations they belong to now]}``."""
        paths: dict[int, list[str]] = {}
        for person_id, path in PartyMembership.objects.filter(
            person_id__in=[pk for pk, _path in self.people.values()], end_date__isnull=True
        ).values_list("person_id", "organisation__path"):
            paths.setdefault(person_id, []).append(path)
        return paths

    @cached_property
    def units_above(self) -> dict[str, dict]:
        """The ancestors of the drafting units of nominations under objection (their final
        approval level is asked), by path."""
        wanted = {
            ancestor
            for n in self.nominations
            if n.status == Nomination.Status.OBJECTED
            for ancestor in ancestor_paths(self.facts[n.pk]["unit__path"])[:-1]
        }
        if not wanted:
            return {}
        return {u["path"]: u for u in Unit.objects.filter(path__in=wanted).values("pk", "path", "kind")}

    # --- the guards' questions ------------------------------------------------------------

    def _paths(self, permission: str) -> list[str]:
        app_label, codename = permission.split(".", 1)
        return self.grants[0].get((app_label, codename), [])

    def _on_unit(self, permission: str, path: str | None) -> bool:
        """``actor.has_perm(permission, unit)``: granted on the unit or an ancestor."""
        if not self.active or path is None:
            return False
        return self.superuser or any(path.startswith(p) for p in self._paths(permission))

    def _on_nomination(self, permission: str, n: Nomination) -> bool:
        """``actor.has_perm(permission, n)``: by its unit, or shared with the actor one by one."""
        if self._on_unit(permission, self.facts[n.pk]["unit__path"]):
            return True
        app_label, codename = permission.split(".", 1)
        shared = self.grants[1].get((app_label, codename, "commendations", "nomination"), ())
        return self.active and n.pk in shared

    def _may(self, action: str, path: str | None) -> bool:
        """``apps.access.authority.may(actor, action, unit)`` for the unit at ``path``."""
        rule = rule_for(action)
        if not self.active:
            return False
        if self.superuser:
            return True
        if rule.level == SUPERUSER or path is None:
            return False
        if rule.level == ABOVE:
            return len(path) > UNIT_PATH_STEP and self._on_unit(rule.permission, path[:-UNIT_PATH_STEP])
        return self._on_unit(rule.permission, path)

    def _involved(self, n: Nomination, user_id) -> bool:
        """``services._involved``: drafted it, is named in it, or belongs to the collective."""
        if n.drafted_by_id == user_id:
            return True
        person = self.people.get(user_id)
        if person is None:
            return False
        person_id, unit_path = person
        if n.subject_person_id == person_id:
            return True
        facts = self.facts[n.pk]
        if n.subject_unit_id and unit_path.startswith(facts["subject_unit__path"]):
            return True
        if n.subject_organisation_id:
            org = facts["subject_organisation__path"]
            return any(path.startswith(org) for path in self.party_paths.get(person_id, ()))
        return False

    def _acting_for(self, n: Nomination, level_path: str | None) -> list:
        """``services.acting_for(actor, level, nomination=n)``: the actor (``None``) if they
        approve at the level exactly, and each delegator who does, if the actor sees ``n``."""
        if level_path is None:
            return []
        principals: list = []
        if level_path in self._paths("commendations.approve_nomination"):
            principals.append(None)
        if not self._on_nomination("commendations.view_nomination", n):
            return principals
        principals += [d for d in self.delegators if level_path in self.delegators_levels.get(d, ())]
        return principals

    def _approves(self, n: Nomination) -> bool:
        """``services.guard_approve`` passes."""
        if n.status != Nomination.Status.APPROVING:
            return False
        principals = self._acting_for(n, self.facts[n.pk]["current_level__path"])
        if not principals:
            return False
        if self._involved(n, self.actor.pk):
            return False
        return not any(self._involved(n, p) for p in principals if p is not None)

    def _reviews(self, n: Nomination) -> bool:
        """``services.guard_review`` passes."""
        return (
            n.status == Nomination.Status.SUBMITTED
            and self._may("nomination.review", self.facts[n.pk]["unit__path"])
            and not self._involved(n, self.actor.pk)
        )

    def _final_level(self, n: Nomination) -> str:
        """The path of ``services.approval_levels(n)[-1]``."""
        facts = self.facts[n.pk]
        target = services.KIND_ORDER.index(facts["award_kind__approving_kind"])
        if services.KIND_ORDER.index(facts["unit__kind"]) >= target:
            return facts["unit__path"]
        levels = []
        for path in reversed(ancestor_paths(facts["unit__path"])[:-1]):
            level = self.units_above.get(path)
            if level is None:
                continue
            levels.append(level["path"])
            if services.KIND_ORDER.index(level["kind"]) >= target:
                break
        return levels[-1]

    def _resolves(self, n: Nomination) -> bool:
        """``services.guard_resolve`` passes."""
        if n.status != Nomination.Status.OBJECTED:
            return False
        final = self._final_level(n)
        if not self._acting_for(n, final) and not self._may("nomination.review", final):
            return False
        return not self._involved(n, self.actor.pk)

    def offered(self, n: Nomination) -> list[str]:
        status = n.status
        drafter = n.drafted_by_id == self.actor.pk
        passes = {
            "submit": status == Nomination.Status.DRAFT
            and (drafter or self._on_nomination("commendations.change_nomination", n)),
            "review": self._reviews(n),
            "approve": self._approves(n),
            "withdraw": status in services.OPEN_FOR_WITHDRAWAL and drafter,
            "object": status in PUBLIC,
            "resolve_objection": self._resolves(n),
        }
        passes["return"] = passes["reject"] = passes["review"] or passes["approve"]
        return [code for code in WORKFLOW_ACTIONS if passes[code]]


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
