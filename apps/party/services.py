"""Writes on party organisations: creation under the rules of the tree, temporary branches."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from .models import OrganisationKind, PartyOrganisation

#: which organisation kinds may sit under which (None: a root of the party tree)
ALLOWED_PARENTS = {
    OrganisationKind.COMMITTEE: {None, OrganisationKind.COMMITTEE},
    OrganisationKind.GENERAL_BRANCH: {OrganisationKind.COMMITTEE},
    OrganisationKind.BRANCH: {OrganisationKind.COMMITTEE, OrganisationKind.GENERAL_BRANCH},
    OrganisationKind.PARTY_GROUP: {OrganisationKind.BRANCH, OrganisationKind.TEMPORARY_BRANCH},
    OrganisationKind.TEMPORARY_BRANCH: {OrganisationKind.COMMITTEE, OrganisationKind.GENERAL_BRANCH},
}


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, unit, parent: PartyOrganisation | None = None, actor=None, **extra
):
    """Add a party organisation attached to a command unit, under the allowed parent kind."""
    parent_kind = parent.kind if parent else None
    if kind not in ALLOWED_PARENTS:
        raise ValidationError({"kind": "未知的党组织类别。"})
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise ValidationError({"parent": f"{OrganisationKind(kind).label}不能设在该上级党组织之下。"})
    if kind == OrganisationKind.TEMPORARY_BRANCH and not (extra.get("start_date") and extra.get("reason")):
        raise ValidationError({"reason": "临时党支部须填写开始日期和成立原因。"})
    if extra.get("end_date") and extra.get("start_date") and extra["end_date"] < extra["start_date"]:
        raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
    fields = {"name": name, "kind": kind, "unit": unit, **extra}
    probe = PartyOrganisation(**fields)
    if actor is not None and not actor.has_perm("party.add_partyorganisation", probe):
        raise PermissionDenied("您无权在该单位设立党组织。")
    node = parent.add_child(**fields) if parent else PartyOrganisation.add_root(**fields)
    return PartyOrganisation.objects.get(pk=node.pk)


@transaction.atomic
def temporary_branches_close_expired(*, today: datetime.date | None = None) -> int:
    """Close temporary branches whose end date has passed, and end their memberships.

    Idempotent: a branch already closed is not touched again.
    """
    from apps.people.models import PartyMembership

    today = today or timezone.localdate()
    expired = PartyOrganisation.objects.filter(
        kind=OrganisationKind.TEMPORARY_BRANCH, closed_on__isnull=True, end_date__lt=today
    ).select_for_update()
    count = 0
    for branch in expired:
        PartyMembership.objects.filter(organisation=branch, end_date__isnull=True).update(
            end_date=branch.end_date
        )
        branch.closed_on = today
        branch.save(update_fields=["closed_on"])
        count += 1
    return count
