"""People and party organisations for tests. Owned by the people/party area; others import."""

import datetime
import itertools

from apps.party.models import OrganisationKind, PartyOrganisation
from apps.people.models import Person, PoliticalStatus, UnitMembership, id_number_check_digit

_serial = itertools.count(1)


def valid_id_number(birth: datetime.date = datetime.date(1995, 6, 1), region: str = "520102") -> str:
    """A fresh resident ID number with a correct check digit."""
    seq = next(_serial) % 1000
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_digit(first17)


def make_person(
    unit,
    name: str | None = None,
    status: str = PoliticalStatus.FULL_MEMBER,
    since=datetime.date(2020, 1, 1),
    **extra,
) -> Person:
    n = next(_serial)
    person = Person.objects.create(
        name=name or f"人员{n}",
        gender=extra.pop("gender", "M"),
        id_number=extra.pop("id_number", valid_id_number()),
        unit=unit,
        political_status=status,
        **extra,
    )
    UnitMembership.objects.create(person=person, unit=unit, start_date=since)
    return person


def make_org(
    unit,
    kind: str = OrganisationKind.BRANCH,
    parent: PartyOrganisation | None = None,
    name: str | None = None,
    **extra,
) -> PartyOrganisation:
    fields = {
        "name": name or f"{unit.name}{OrganisationKind(kind).label}",
        "kind": kind,
        "unit": unit,
        **extra,
    }
    org = parent.add_child(**fields) if parent else PartyOrganisation.add_root(**fields)
    return PartyOrganisation.objects.get(pk=org.pk)
