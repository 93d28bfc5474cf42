"""Writes on party organisations, positions and campaign teams: the only write path (admin,
API, tasks and ``apps.operations`` call these).

* An organisation sits under an allowed parent kind, and its parent is attached to the
  organisation's own unit or to an ancestor of it: a branch on one battalion's station never
  sits under another battalion's committee.
* Party positions (书记, 副书记, 政治委员, 委员, 党小组长) are held by full members (正式党员)
  only: a probationary member has no right to vote or to be elected (党章 第七条), and DOMAIN.md
  names no exception.
* Team membership is dated, one row per stint (``joined_on``–``left_on``): a person who left a
  team may join it again, and the earlier stints stay as they were.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from apps.core.writes import check_permission, record_create, record_update, register_writes
from apps.units.models import Unit

from .models import (
    CampaignTeam,
    OrganisationKind,
    PartyOrganisation,
    PartyPosition,
    TeamMembership,
)

#: which organisation kinds may sit under which (None: a root of the party tree)
ALLOWED_PARENTS = {
    OrganisationKind.COMMITTEE: {None, OrganisationKind.COMMITTEE},
    OrganisationKind.GENERAL_BRANCH: {OrganisationKind.COMMITTEE},
    OrganisationKind.BRANCH: {OrganisationKind.COMMITTEE, OrganisationKind.GENERAL_BRANCH},
    OrganisationKind.PARTY_GROUP: {OrganisationKind.BRANCH, OrganisationKind.TEMPORARY_BRANCH},
    OrganisationKind.TEMPORARY_BRANCH: {OrganisationKind.COMMITTEE, OrganisationKind.GENERAL_BRANCH},
}

#: days before its end date that a temporary branch's committee is reminded
TEMPORARY_BRANCH_REMINDER_DAYS = 7


def _fresh_paths(*unit_ids) -> dict[int, str]:
    """Units' current paths, read by primary key (an object loaded before a move is stale)."""
    return dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "path"))


def organisation_check_parent_chain(*, unit: Unit, parent: PartyOrganisation | None) -> None:
    """Refuse a parent organisation attached to a unit off ``unit``'s own chain of command:
    the parent's unit must be the same unit or one of its ancestors."""
    if parent is None:
        return
    paths = _fresh_paths(unit.pk, parent.unit_id)
    own, parents = paths.get(unit.pk, ""), paths.get(parent.unit_id, "")
    if not (own and parents and own.startswith(parents)):
        raise ValidationError(
            {
                "parent": f"上级党组织“{parent.name}”不在“{unit.name}”的隶属关系链上："
                "上级党组织须设在本单位或其上级单位。"
            }
        )


@transaction.atomic
def organisation_create(
    *, name: str, kind: str, unit, parent: PartyOrganisation | None = None, actor=None, **extra
):
    """Add a party organisation attached to a command unit, under the allowed parent kind,
    its parent on the unit's own chain of command."""
    parent_kind = parent.kind if parent else None
    if kind not in ALLOWED_PARENTS:
        raise ValidationError({"kind": "未知的党组织类别。"})
    if parent_kind not in ALLOWED_PARENTS[kind]:
        raise ValidationError({"parent": f"{OrganisationKind(kind).label}不能设在该上级党组织之下。"})
    if unit.dissolved_on is not None:
        raise ValidationError({"unit": f"单位“{unit.name}”已撤销，不能设立党组织。"})
    if parent is not None and parent.closed_on is not None:
        raise ValidationError({"parent": f"上级党组织“{parent.name}”已撤销。"})
    organisation_check_parent_chain(unit=unit, parent=parent)
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


ORGANISATION_EXTRA_FIELDS = ("established_on", "start_date", "end_date", "reason")


def organisation_add(*, instance: PartyOrganisation, actor, m2m=None, related=None) -> PartyOrganisation:
    """The base admin's and viewset's create: the parent comes as ``related["parent"]``."""
    parent = (related or {}).get("parent")
    extra = {f: getattr(instance, f) for f in ORGANISATION_EXTRA_FIELDS if getattr(instance, f)}
    return organisation_create(
        name=instance.name, kind=instance.kind, unit=instance.unit, parent=parent, actor=actor, **extra
    )


def organisation_update(*, instance: PartyOrganisation, actor, m2m=None, related=None) -> PartyOrganisation:
    """Change an organisation's name and dates; its kind, unit and place in the tree stay."""
    with transaction.atomic():
        stored = PartyOrganisation.objects.select_for_update().get(pk=instance.pk)
        check_permission(actor, stored, "change")
        if instance.kind != stored.kind or instance.unit_id != stored.unit_id:
            raise ValidationError({"unit": "党组织的类别和所在单位不能修改；请撤销后重新设立。"})
        if instance.start_date and instance.end_date and instance.end_date < instance.start_date:
            raise ValidationError({"end_date": "结束日期不能早于开始日期。"})
        return record_update(instance=instance, actor=actor, m2m=m2m, related=related)


def organisation_delete(*, instance: PartyOrganisation, actor) -> None:
    """Delete an organisation set up by mistake; one with sub-organisations, members, positions
    or records is refused (it is closed instead: 撤销日期)."""
    with transaction.atomic():
        stored = PartyOrganisation.objects.select_for_update().get(pk=instance.pk)
        check_permission(actor, stored, "delete")
        if (
            stored.get_children_count()
            or stored.memberships.exists()
            or stored.positions.exists()
            or stored.teams.exists()
        ):
            raise ValidationError(
                {"detail": "该党组织仍有下级组织、党员、职务或党员队伍，不能删除；请填写撤销日期。"}
            )
        stored._history_user = actor
        try:
            with transaction.atomic():
                stored.delete()
        except ProtectedError as exc:
            raise ValidationError(
                {"detail": "该党组织已有会议、报告等记录，不能删除；请填写撤销日期。"}
            ) from exc


# ------------------------------------------------------------------ positions


def position_require_member(*, person) -> None:
    """Only a full member (正式党员) holds a party position; read under a row lock so a status
    change racing with the appointment is seen."""
    from apps.people.models import Person, PoliticalStatus

    status = (
        Person.objects.select_for_update()
        .filter(pk=person.pk)
        .values_list("political_status", flat=True)
        .first()
    )
    if status != PoliticalStatus.FULL_MEMBER:
        label = PoliticalStatus(status).label if status in PoliticalStatus.values else "未知"
        raise ValidationError(
            {"person": f"{person.name}的政治面貌为{label}，只有正式党员才能担任党内职务（含党小组长）。"}
        )


def _check_position(position: PartyPosition) -> None:
    if position.end_date and position.start_date and position.end_date < position.start_date:
        raise ValidationError({"end_date": "免职日期不能早于任职日期。"})
    org = PartyOrganisation.objects.filter(pk=position.organisation_id).values("closed_on", "name").first()
    if org and org["closed_on"] is not None and position.end_date is None:
        raise ValidationError({"organisation": f"党组织“{org['name']}”已撤销，不能任命职务。"})


def position_create(*, instance: PartyPosition, actor, m2m=None, related=None) -> PartyPosition:
    """Appoint a full member to a party position."""
    with transaction.atomic():
        check_permission(actor, instance, "add")
        position_require_member(person=instance.person)
        _check_position(instance)
        return record_create(instance=instance, actor=actor, m2m=m2m, related=related)


def position_update(*, instance: PartyPosition, actor, m2m=None, related=None) -> PartyPosition:
    """Change a position; naming another person, post or start date is a new appointment and
    needs a full member, while ending a position (免职日期) is always allowed."""
    with transaction.atomic():
        stored = PartyPosition.objects.select_for_update().get(pk=instance.pk)
        check_permission(actor, stored, "change")
        check_permission(actor, instance, "change")
        reappointed = (
            stored.person_id != instance.person_id
            or stored.position != instance.position
            or stored.organisation_id != instance.organisation_id
            or stored.start_date != instance.start_date
        )
        if reappointed:
            position_require_member(person=instance.person)
            _check_position(instance)
        elif instance.end_date and instance.end_date < instance.start_date:
            raise ValidationError({"end_date": "免职日期不能早于任职日期。"})
        return record_update(instance=instance, actor=actor, m2m=m2m, related=related)


# ------------------------------------------------------------------ campaign teams


def _check_stint(membership: TeamMembership) -> None:
    """Refuse a stint that overlaps another stint of the same person in the same team."""
    if membership.left_on and membership.joined_on and membership.left_on < membership.joined_on:
        raise ValidationError({"left_on": "退出日期不能早于加入日期。"})
    others = (
        TeamMembership.objects.select_for_update()
        .filter(team_id=membership.team_id, person_id=membership.person_id)
        .exclude(pk=membership.pk)
        .order_by("joined_on")
    )
    far = datetime.date.max
    for other in others:
        if membership.joined_on <= (other.left_on or far) and other.joined_on <= (membership.left_on or far):
            until = other.left_on.isoformat() if other.left_on else "至今"
            raise ValidationError(
                {
                    "joined_on": f"{membership.person.name}在该队伍已有在队记录"
                    f"（{other.joined_on.isoformat()}–{until}），各次在队时间不能重叠。"
                }
            )


def _save_stint(save, *, instance, actor, m2m=None, related=None) -> TeamMembership:
    with transaction.atomic():
        # One team's joins are serialised: the overlap check and the write see the same rows.
        CampaignTeam.objects.select_for_update().filter(pk=instance.team_id).first()
        _check_stint(instance)
        try:
            with transaction.atomic():
                return save(instance=instance, actor=actor, m2m=m2m, related=related)
        except IntegrityError as exc:
            raise ValidationError({"person": f"{instance.person.name}已在该队伍中。"}) from exc


def team_membership_create(*, instance: TeamMembership, actor, m2m=None, related=None) -> TeamMembership:
    """Record one stint of a person in a campaign team."""
    check_permission(actor, instance, "add")
    return _save_stint(record_create, instance=instance, actor=actor, m2m=m2m, related=related)


def team_membership_update(*, instance: TeamMembership, actor, m2m=None, related=None) -> TeamMembership:
    """Change a stint (typically: set the day the person left)."""
    return _save_stint(record_update, instance=instance, actor=actor, m2m=m2m, related=related)


def team_member_join(
    *,
    team: CampaignTeam,
    person,
    actor,
    on: datetime.date | None = None,
    role: str = "",
    checked_by=None,
) -> TeamMembership:
    """A person joins (or rejoins) a team: a new stint, the earlier ones kept as they were.

    ``actor=None`` is for a caller that has already checked its own authority
    (``apps.operations``: ``operation.activate``); ``checked_by`` then names that user in the
    stint's history."""
    on = on or timezone.localdate()
    membership = TeamMembership(team=team, person=person, joined_on=on, role=(role or "")[:40])
    if team.end_date is not None and on > team.end_date:
        raise ValidationError({"team": f"队伍“{team.name}”已于{team.end_date.isoformat()}解散。"})
    if actor is None:
        membership._history_user = checked_by
        with transaction.atomic():
            CampaignTeam.objects.select_for_update().filter(pk=team.pk).first()
            _check_stint(membership)
            membership.save()
            return membership
    return team_membership_create(instance=membership, actor=actor)


def team_member_leave(
    *, membership: TeamMembership, actor, on: datetime.date | None = None
) -> TeamMembership:
    """End a person's current stint in a team."""
    with transaction.atomic():
        stored = TeamMembership.objects.select_for_update().get(pk=membership.pk)
        if stored.left_on is not None:
            raise ValidationError(
                {"left_on": f"{stored.person.name}已于{stored.left_on.isoformat()}退出该队伍。"}
            )
        stored.left_on = on or timezone.localdate()
        if actor is None:
            _check_stint(stored)
            stored.save(update_fields=["left_on"])
            return stored
        return team_membership_update(instance=stored, actor=actor)


# ------------------------------------------------------------------ temporary branches


@transaction.atomic
def temporary_branches_close_expired(*, today: datetime.date | None = None) -> int:
    """Close temporary branches whose end date has passed, on their end date (not the day this
    ran), and end their memberships on that day.

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
        branch.closed_on = branch.end_date
        branch._change_reason = f"临时党支部期满（{branch.end_date.isoformat()}）自动撤销"
        branch.save(update_fields=["closed_on"])
        count += 1
    return count


def temporary_branches_remind_ending(
    *, today: datetime.date | None = None, days: int = TEMPORARY_BRANCH_REMINDER_DAYS
) -> int:
    """Remind whoever may change a temporary branch (up the chain from its unit) that it ends
    within ``days``: close it on time, or extend it. Idempotent (one notice per branch and end date)."""
    from apps.notifications.services import notification_send, recipients_up_the_chain

    today = today or timezone.localdate()
    ending = PartyOrganisation.objects.filter(
        kind=OrganisationKind.TEMPORARY_BRANCH,
        closed_on__isnull=True,
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(days=days),
    ).select_related("unit")
    sent = 0
    for branch in ending:
        for user in recipients_up_the_chain(unit=branch.unit, permission="party.change_partyorganisation"):
            if notification_send(
                recipient=user,
                title=f"{branch.name}将于{branch.end_date.isoformat()}期满",
                body="临时党支部期满后将自动撤销，组织关系随之结束；如任务延续，请及时修改结束日期。",
                link=f"/admin/party/partyorganisation/{branch.pk}/change/",
                category="party",
                dedupe_key=f"temporary-branch-ending:{branch.pk}:{branch.end_date.isoformat()}",
            ):
                sent += 1
    return sent


#: days before a probationary member's probation ends that the conversion is announced
CONVERSION_REMINDER_DAYS = 30


def probation_ends_on(change) -> datetime.date:
    """The end of a probation: the recorded date, else one year after joining (党章 第七条)."""
    if change.probation_end:
        return change.probation_end
    start = change.effective_date
    try:
        return start.replace(year=start.year + 1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + 1, day=28)


def probationary_conversions_remind(
    *, today: datetime.date | None = None, days: int = CONVERSION_REMINDER_DAYS
) -> int:
    """Remind whoever may change a probationary member's record (up the chain from their unit)
    that the probation ends within ``days`` (or has ended): the branch must discuss the
    conversion 预备党员转正. Idempotent: one notice per person and probation end."""
    from apps.notifications.services import notification_send, recipients_up_the_chain
    from apps.people.models import Person, PoliticalStatus, PoliticalStatusChange

    today = today or timezone.localdate()
    people = list(
        Person.objects.filter(political_status=PoliticalStatus.PROBATIONARY, is_active=True)
        .select_related("unit")
        .order_by("pk")
    )
    latest = {}
    for change in PoliticalStatusChange.objects.filter(
        person__in=people, status=PoliticalStatus.PROBATIONARY
    ).order_by("person_id", "effective_date", "pk"):
        latest[change.person_id] = change  # the last probationary step wins
    chains, sent = {}, 0
    for person in people:
        change = latest.get(person.pk)
        if change is None:
            continue  # no dated step: nothing to count from
        due = probation_ends_on(change)
        if due > today + datetime.timedelta(days=days):
            continue
        if person.unit_id not in chains:
            chains[person.unit_id] = recipients_up_the_chain(
                unit=person.unit, permission="people.change_person"
            )
        for user in chains[person.unit_id]:
            sent += bool(
                notification_send(
                    recipient=user,
                    title=f"预备党员{person.name}的预备期{'已于' if due < today else '将于'}{due.isoformat()}期满",
                    body="请党支部按期讨论其转为正式党员的问题（预备党员转正），并登记政治面貌变更。",
                    link=f"/admin/people/person/{person.pk}/change/",
                    category="party",
                    dedupe_key=f"probation-due:{person.pk}:{due.isoformat()}",
                )
            )
    return sent


register_writes(
    PartyOrganisation, create=organisation_add, update=organisation_update, delete=organisation_delete
)
register_writes(PartyPosition, create=position_create, update=position_update)
register_writes(TeamMembership, create=team_membership_create, update=team_membership_update)
