"""Transfers, political status and party organisations keep dated history."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.party.models import OrganisationKind
from apps.party.services import temporary_branches_close_expired
from apps.people import services
from apps.people.models import PartyMembership, Person, PoliticalStatus, UnitMembership
from tests.factories.people import make_org, make_person, valid_id_number
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


def test_transfer_closes_the_old_membership_and_answers_unit_on_date(tree):
    person = make_person(tree.station, since=D(2020, 1, 1))
    services.person_transfer(person=person, to_unit=tree.station2, on=D(2024, 3, 1))
    person.refresh_from_db()
    assert person.unit == tree.station2
    stays = list(UnitMembership.objects.filter(person=person).order_by("start_date"))
    assert [(s.unit, s.start_date, s.end_date) for s in stays] == [
        (tree.station, D(2020, 1, 1), D(2024, 2, 29)),
        (tree.station2, D(2024, 3, 1), None),
    ]
    assert services.person_unit_on(person=person, on=D(2024, 2, 29)) == tree.station
    assert services.person_unit_on(person=person, on=D(2024, 3, 1)) == tree.station2
    assert services.person_unit_on(person=person, on=D(2019, 12, 31)) is None


def test_transfer_backwards_in_time_is_refused_and_writes_nothing(tree):
    person = make_person(tree.station, since=D(2022, 1, 1))
    with pytest.raises(ValidationError) as exc:
        services.person_transfer(person=person, to_unit=tree.station2, on=D(2021, 1, 1))
    assert "on" in exc.value.message_dict
    assert UnitMembership.objects.filter(person=person).count() == 1


def test_unit_admin_cannot_transfer_someone_out_of_their_subtree(tree):
    admin = user_with_role("unit_admin", tree.bat)
    person = make_person(tree.station)
    with pytest.raises(PermissionDenied):
        services.person_transfer(person=person, to_unit=tree.station3, on=D(2025, 1, 1), actor=admin)
    person.refresh_from_db()
    assert person.unit == tree.station
    assert UnitMembership.objects.filter(person=person).count() == 1


def test_status_history_is_kept_in_order(tree):
    person = make_person(tree.station, status=PoliticalStatus.ACTIVIST)
    services.person_change_status(person=person, status=PoliticalStatus.PROBATIONARY, on=D(2024, 7, 1))
    services.person_change_status(person=person, status=PoliticalStatus.FULL_MEMBER, on=D(2025, 7, 1))
    statuses = list(person.status_changes.values_list("status", "effective_date", "probation_end"))
    assert statuses == [
        ("probationary", D(2024, 7, 1), D(2025, 7, 1)),
        ("full_member", D(2025, 7, 1), None),
    ]
    with pytest.raises(ValidationError):
        services.person_change_status(person=person, status=PoliticalStatus.MASSES, on=D(2025, 1, 1))


def test_party_group_members_must_belong_to_its_branch(tree):
    branch = make_org(tree.station, OrganisationKind.BRANCH)
    other = make_org(tree.station2, OrganisationKind.BRANCH)
    group = make_org(tree.squad, OrganisationKind.PARTY_GROUP, parent=branch)
    person = make_person(tree.station)
    services.person_join_organisation(person=person, organisation=other, on=D(2024, 1, 1))
    with pytest.raises(ValidationError):
        services.person_join_organisation(person=person, organisation=group, on=D(2024, 2, 1))
    services.person_join_organisation(person=person, organisation=branch, on=D(2024, 3, 1))
    services.person_join_organisation(person=person, organisation=group, on=D(2024, 3, 2))
    person.refresh_from_db()
    assert (person.party_organisation, person.party_group) == (branch, group)
    closed = PartyMembership.objects.get(person=person, organisation=other)
    assert closed.end_date == D(2024, 2, 29)


def test_temporary_branch_members_keep_their_home_branch_and_it_closes_itself(tree):
    committee = make_org(tree.det, OrganisationKind.COMMITTEE)
    home = make_org(tree.tqz, OrganisationKind.BRANCH, parent=committee)
    temp = make_org(
        tree.tqz,
        OrganisationKind.TEMPORARY_BRANCH,
        parent=committee,
        name="防疫一线临时党支部",
        start_date=D(2026, 1, 1),
        end_date=D(2026, 3, 31),
        reason="疫情防控",
    )
    person = make_person(tree.tqz)
    services.person_join_organisation(person=person, organisation=home, on=D(2025, 1, 1))
    services.person_join_organisation(person=person, organisation=temp, on=D(2026, 1, 2))
    person.refresh_from_db()
    assert person.party_organisation == home
    open_orgs = set(
        PartyMembership.objects.filter(person=person, end_date=None).values_list("organisation", flat=True)
    )
    assert open_orgs == {home.pk, temp.pk}
    assert temporary_branches_close_expired(today=D(2026, 3, 31)) == 0
    assert temporary_branches_close_expired(today=D(2026, 4, 1)) == 1
    assert temporary_branches_close_expired(today=D(2026, 4, 2)) == 0  # idempotent
    temp.refresh_from_db()
    assert temp.closed_on == D(2026, 3, 31)  # its end date, not the day the task ran
    assert PartyMembership.objects.get(person=person, organisation=temp).end_date == D(2026, 3, 31)
    assert PartyMembership.objects.get(person=person, organisation=home).end_date is None


def test_id_number_checksum_is_validated(tree):
    good = valid_id_number()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.person_create(unit=tree.station, since=D(2024, 1, 1), name="张三", gender="M", id_number=bad)
    assert "id_number" in exc.value.message_dict
    assert not Person.objects.filter(id_number=bad).exists()
