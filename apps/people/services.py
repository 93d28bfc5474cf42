"""Writes on people: creation, changes, transfers, political status, party organisation and group.

These are the only write path for people: the base admin and the base viewset create, change
and delete a ``Person`` through ``person_create_from_form``, ``person_update`` and
``person_deactivate`` (registered with ``apps.core.writes`` at the bottom of this module);
the API's own actions, the roster import and other apps call the named services below.
``actor=None`` means the system itself (an import already authorised, a wartime operation).
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.core.exports import FORMULA_LEADS
from apps.core.writes import register_writes
from apps.party.models import OrganisationKind, PartyOrganisation

from .models import (
    PartyMembership,
    Person,
    PoliticalStatus,
    PoliticalStatusChange,
    UnitMembership,
    mask_id_number,
)

BRANCH_KINDS = {OrganisationKind.BRANCH, OrganisationKind.GENERAL_BRANCH, OrganisationKind.COMMITTEE}

# The road into the party (DOMAIN.md §3): 群众/共青团员 → 入党申请人 → 入党积极分子 → 预备党员 → 正式党员.
# A step forward may skip stages (a record being corrected), never go back to a lower stage
# of the road; leaving the road altogether (取消预备党员资格, 出党, 撤回申请) returns to 群众 or
# 共青团员, and an applicant starts again from there.
STATUS_STAGE = {
    PoliticalStatus.MASSES: 0,
    PoliticalStatus.LEAGUE: 0,
    PoliticalStatus.APPLICANT: 1,
    PoliticalStatus.ACTIVIST: 2,
    PoliticalStatus.PROBATIONARY: 3,
    PoliticalStatus.FULL_MEMBER: 4,
}
OUT_OF_SCOPE = "您无权在该单位下进行此操作。"


def _require(actor, perm: str, obj) -> None:
    if actor is not None and not actor.has_perm(perm, obj):
        raise PermissionDenied(OUT_OF_SCOPE)


def _label(status: str) -> str:
    return PoliticalStatus(status).label


def status_transition_check(*, old: str, new: str, field: str = "political_status") -> None:
    """``ValidationError`` unless ``old → new`` is an allowed step of political status."""
    if new not in PoliticalStatus.values:
        raise ValidationError({field: "未知的政治面貌。"})
    if old == new:
        raise ValidationError({field: f"政治面貌已是“{_label(new)}”。"})
    if STATUS_STAGE[new] == 0 or STATUS_STAGE[new] > STATUS_STAGE[old]:
        return
    raise ValidationError(
        {
            field: f"政治面貌不能由“{_label(old)}”改为“{_label(new)}”：只能按"
            "入党申请人→入党积极分子→预备党员→正式党员的顺序向前变更，或退回群众/共青团员。"
        }
    )


def name_check(name: str, *, field: str = "name") -> None:
    """Names are shown in every roster and export: none may start like a spreadsheet formula."""
    if (name or "").startswith(FORMULA_LEADS):
        raise ValidationError({field: "姓名不能以 =、+、-、@ 或制表符开头。"})


# --- accounts linked to people --------------------------------------------------------------


def accounts_in_scope(actor):
    """Login accounts the actor may link to people: for a superuser every active account;
    for anyone else the accounts holding a grant in, or already linked to a person in, a
    unit where the actor may manage accounts (``user.manage``: ``access.change_grant``);
    none at all for users who may not manage accounts. Superuser accounts never."""
    from apps.access.models import Grant
    from apps.core.scoping import units_granted

    users = get_user_model().objects.filter(is_active=True)
    if actor is None or actor.is_superuser:
        return users
    if not actor.is_active:
        return users.none()
    units = units_granted(actor, "access", "change_grant").values("pk")
    return users.filter(
        models.Q(pk__in=Grant.objects.filter(unit__in=units).values("user_id"))
        | models.Q(person__unit__in=units)
    ).exclude(is_superuser=True)


def may_link_accounts(actor, unit) -> bool:
    """Whether the actor may link or unlink login accounts for people of ``unit``."""
    from apps.access.authority import may

    return actor is None or may(actor, "user.manage", unit)


def _account_check(actor, person: Person, user_id) -> None:
    if actor is None:
        return
    if not may_link_accounts(actor, person.unit):
        raise PermissionDenied("您无权为该单位的人员关联登录账号。")
    if user_id is not None and not accounts_in_scope(actor).filter(pk=user_id).exists():
        raise ValidationError({"user": "所选账号不在您的管辖范围内。"})


# --- people -------------------------------------------------------------------------------


def _unit_open(unit, field: str = "unit") -> None:
    if unit is not None and unit.dissolved_on:
        raise ValidationError({field: f"单位“{unit.name}”已撤销，不能选用。"})


def _insert(person: Person, *, since: datetime.date, actor) -> Person:
    """Save a new person with an open unit membership (and the first status step)."""
    _require(actor, "people.add_person", person)
    _unit_open(person.unit)
    name_check(person.name)
    if person.user_id is not None:
        _account_check(actor, person, person.user_id)
    person.full_clean()
    person._history_user = actor
    person.save()
    UnitMembership.objects.create(person=person, unit=person.unit, start_date=since)
    if person.political_status != PoliticalStatus.MASSES:
        PoliticalStatusChange.objects.create(
            person=person, status=person.political_status, effective_date=since
        )
    return person


@transaction.atomic
def person_create(*, unit, since: datetime.date, actor=None, **fields) -> Person:
    """Create a person in ``unit`` with an open membership starting ``since``."""
    return _insert(Person(unit=unit, **fields), since=since, actor=actor)


@transaction.atomic
def person_create_from_form(*, instance: Person, actor, m2m=None, related=None) -> Person:
    """The base admin's and viewset's create: the person starts in the unit today."""
    if m2m or related:
        raise ValidationError("人员不接受附加数据。")
    return _insert(instance, since=timezone.localdate(), actor=actor)


@transaction.atomic
def person_update(*, instance: Person, actor, m2m=None, related=None) -> Person:
    """Change a person's own fields. The unit changes only by a transfer and the party
    organisation and group only by ``person_join_organisation`` (both keep dated history);
    political status follows ``status_transition_check`` and leaves a dated step. Someone
    who may not see the ID number cannot change it (sending back the masked value, or the
    masked phone, means "unchanged")."""
    if m2m or related:
        raise ValidationError("人员不接受附加数据。")
    stored = Person.objects.select_for_update().get(pk=instance.pk)
    _require(actor, "people.change_person", stored)
    if instance.unit_id != stored.unit_id:
        raise ValidationError({"unit": "调整所在单位请使用“调动”（保留任职记录）。"})
    for org_field in ("party_organisation_id", "party_group_id"):
        if getattr(instance, org_field) != getattr(stored, org_field):
            raise ValidationError({org_field[:-3]: "调整党组织关系请使用“加入党组织”（保留组织关系记录）。"})
    sees_personal = actor is None or actor.has_perm("people.view_personal_data", stored)
    if not sees_personal:
        if (instance.id_number or "").upper() in (stored.id_number, mask_id_number(stored.id_number)):
            instance.id_number = stored.id_number
        else:
            raise PermissionDenied("您无权修改身份证号。")
        if stored.phone and instance.phone == mask_id_number(stored.phone):
            instance.phone = stored.phone
    instance.id_number = (instance.id_number or "").upper()
    if instance.user_id != stored.user_id:
        _account_check(actor, stored, instance.user_id)
    name_check(instance.name)
    instance.full_clean()
    if instance.political_status != stored.political_status:
        status_transition_check(old=stored.political_status, new=instance.political_status)
        PoliticalStatusChange.objects.create(
            person=stored, status=instance.political_status, effective_date=timezone.localdate()
        )
    instance._history_user = actor
    instance.save()
    return instance


@transaction.atomic
def person_deactivate(*, instance: Person, actor) -> None:
    """People leave, their records stay: "deleting" a person marks them no longer active."""
    person = Person.objects.select_for_update().get(pk=instance.pk)
    _require(actor, "people.delete_person", person)
    if not person.is_active:
        return
    person.is_active = False
    person._history_user = actor
    person.save(update_fields=["is_active", "updated_at"])


@transaction.atomic
def person_transfer(
    *, person: Person, to_unit, on: datetime.date, actor=None, note: str = ""
) -> UnitMembership:
    """Move a person to another unit: the open membership ends the day before ``on``; so
    does the membership of a party group built outside the new unit (the group belongs to
    the squad or station being left: the party app has no service for it, so it ends here)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "people.change_person", person)
    _require(actor, "people.change_person", Person(unit=to_unit))  # the destination too, before writing
    if to_unit.dissolved_on:
        raise ValidationError({"to_unit": "不能调入已撤销的单位。"})
    if to_unit.pk == person.unit_id:
        raise ValidationError({"to_unit": "调入单位与当前单位相同。"})
    current = UnitMembership.objects.filter(person=person, end_date__isnull=True).first()
    if current and on <= current.start_date:
        raise ValidationError({"on": f"调动日期须晚于当前任职起始日期（{current.start_date}）。"})
    if current:
        current.end_date = on - datetime.timedelta(days=1)
        current._history_user = actor
        current.save(update_fields=["end_date"])
    membership = UnitMembership(person=person, unit=to_unit, start_date=on, note=note)
    membership._history_user = actor
    membership.save()
    _leave_groups_outside(person, to_unit, on, actor)
    person.unit = to_unit
    person._history_user = actor
    person.save(update_fields=["unit", "party_group", "updated_at"])
    return membership


def _leave_groups_outside(person: Person, to_unit, on: datetime.date, actor) -> None:
    """End the open party-group memberships whose group is not built on ``to_unit`` or above it."""
    open_groups = PartyMembership.objects.select_related("organisation__unit").filter(
        person=person, end_date__isnull=True, organisation__kind=OrganisationKind.PARTY_GROUP
    )
    to_path = to_unit.path
    for membership in open_groups:
        if to_path.startswith(membership.organisation.unit.path):
            continue
        membership.end_date = max(membership.start_date, on - datetime.timedelta(days=1))
        membership.note = (membership.note + " 调动离开").strip()[:200]
        membership._history_user = actor
        membership.save(update_fields=["end_date", "note"])
        if person.party_group_id == membership.organisation_id:
            person.party_group = None
    if person.party_group_id is not None and not any(
        m.organisation_id == person.party_group_id for m in open_groups
    ):
        group = PartyOrganisation.objects.select_related("unit").get(pk=person.party_group_id)
        if not to_path.startswith(group.unit.path):
            person.party_group = None


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
    """Record a step of political status (application, joining, conversion); history is kept
    and the step must be allowed (``status_transition_check``)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    _require(actor, "people.change_person", person)
    status_transition_check(old=person.political_status, new=status, field="status")
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
    person._history_user = actor
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
    person._history_user = actor
    person.save(update_fields=["party_organisation", "party_group", "updated_at"])
    return membership


def _close_open(person, on, kinds):
    for membership in PartyMembership.objects.filter(
        person=person, end_date__isnull=True, organisation__kind__in=kinds
    ):
        membership.end_date = max(membership.start_date, on - datetime.timedelta(days=1))
        membership.save(update_fields=["end_date"])


register_writes(Person, create=person_create_from_form, update=person_update, delete=person_deactivate)
