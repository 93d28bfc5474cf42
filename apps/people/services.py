"""Writes on people: creation, transfers, political status, party organisation and group."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from apps.party.models import OrganisationKind, PartyOrganisation

from .models import PartyMembership, Person, PoliticalStatus, PoliticalStatusChange, UnitMembership

BRANCH_KINDS = {OrganisationKind.BRANCH, OrganisationKind.GENERAL_BRANCH, OrganisationKind.COMMITTEE}


def _require(actor, perm: str, obj) -> None:
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied("您无权在该单位下进行此操作。")


@transaction.atomic
def person_create(*, unit, since: datetime.date, actor=None, **fields) -> Person:
    """Create a person in ``unit`` with an open membership starting ``since``."""
    person = Person(unit=unit, **fields)
    person.full_clean()
    _require(actor, "people.add_person", person)
    person.save()
    UnitMembership.objects.create(person=person, unit=unit, start_date=since)
    if person.political_status != PoliticalStatus.MASSES:
        PoliticalStatusChange.objects.create(
            person=person, status=person.political_status, effective_date=since
        )
    return person


@transaction.atomic
def person_transfer(
    *, person: Person, to_unit, on: datetime.date, actor=None, note: str = ""
) -> UnitMembership:
    """Move a person to another unit: the open membership ends the day before ``on``."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "people.change_person", person)
    if to_unit.dissolved_on:
        raise ValidationError({"to_unit": "不能调入已撤销的单位。"})
    if to_unit.pk == person.unit_id:
        raise ValidationError({"to_unit": "调入单位与当前单位相同。"})
    current = UnitMembership.objects.filter(person=person, end_date__isnull=True).first()
    if current and on <= current.start_date:
        raise ValidationError({"on": f"调动日期须晚于当前任职起始日期（{current.start_date}）。"})
    if current:
        current.end_date = on - datetime.timedelta(days=1)
        current.save(update_fields=["end_date"])
    membership = UnitMembership.objects.create(person=person, unit=to_unit, start_date=on, note=note)
    person.unit = to_unit
    person.save(update_fields=["unit", "updated_at"])
    _require(actor, "people.change_person", person)  # the destination must be in scope too
    return membership


def person_unit_on(*, person: Person, on: datetime.date):
    """The unit a person belonged to on date ``on`` (``None`` if none)."""
    membership = (
        UnitMembership.objects.filter(person=person, start_date__lte=on)
        .exclude(end_date__lt=on)
        .select_related("unit")
        .first()
    )
    return membership.unit if membership else None


@transaction.atomic
def person_change_status(
    *, person: Person, status: str, on: datetime.date, probation_end=None, actor=None, note: str = ""
) -> PoliticalStatusChange:
    """Record a step of political status (application, joining, conversion); history is kept."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "people.change_person", person)
    if status not in PoliticalStatus.values:
        raise ValidationError({"status": "未知的政治面貌。"})
    last = person.status_changes.order_by("-effective_date", "-id").first()
    if last and on < last.effective_date:
        raise ValidationError({"on": f"生效日期不能早于上一次变更（{last.effective_date}）。"})
    if status == PoliticalStatus.PROBATIONARY and probation_end is None:
        probation_end = (
            on.replace(year=on.year + 1)
            if not (on.month == 2 and on.day == 29)
            else on + datetime.timedelta(days=365)
        )
    change = PoliticalStatusChange.objects.create(
        person=person, status=status, effective_date=on, probation_end=probation_end, note=note
    )
    person.political_status = status
    person.save(update_fields=["political_status", "updated_at"])
    return change


@transaction.atomic
def person_join_organisation(
    *, person: Person, organisation: PartyOrganisation, on: datetime.date, actor=None
):
    """Move a party member's relationship to a branch (closing the old one), or into a group.

    Joining a temporary branch does not touch the home branch: both memberships stay open.
    """
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "people.change_person", person)
    kind = organisation.kind
    if organisation.closed_on:
        raise ValidationError({"organisation": "该党组织已撤销。"})
    if kind == OrganisationKind.PARTY_GROUP:
        branch = organisation.get_parent()
        if person.party_organisation_id != getattr(branch, "pk", None):
            raise ValidationError({"organisation": "党小组成员须属于该党小组所在的党支部。"})
        _close_open(person, on, kinds=[OrganisationKind.PARTY_GROUP])
        person.party_group = organisation
    elif kind == OrganisationKind.TEMPORARY_BRANCH:
        if PartyMembership.objects.filter(
            person=person, organisation=organisation, end_date__isnull=True
        ).exists():
            raise ValidationError({"organisation": "已是该临时党支部成员。"})
    else:
        _close_open(person, on, kinds=[*BRANCH_KINDS, OrganisationKind.PARTY_GROUP])
        person.party_organisation = organisation
        person.party_group = None
    membership = PartyMembership.objects.create(person=person, organisation=organisation, start_date=on)
    person.save(update_fields=["party_organisation", "party_group", "updated_at"])
    return membership


def _close_open(person, on, kinds):
    for membership in PartyMembership.objects.filter(
        person=person, end_date__isnull=True, organisation__kind__in=kinds
    ):
        membership.end_date = max(membership.start_date, on - datetime.timedelta(days=1))
        membership.save(update_fields=["end_date"])
