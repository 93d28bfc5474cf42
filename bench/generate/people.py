"""People: ten per squad, with valid id numbers, dated unit memberships (some transferred in
from another squad), political status history and party memberships (branch and group)."""

import datetime

from apps.people.demo import GIVEN, SURNAMES
from apps.people.models import (
    PARTY_MEMBER_STATUSES,
    PartyMembership,
    Person,
    PersonCategory,
    PoliticalStatusChange,
    UnitMembership,
    id_number_check_digit,
)

from .context import Ctx, PersonRow

STATUS_MIX = [
    ("full_member", 45),
    ("probationary", 5),
    ("activist", 10),
    ("applicant", 5),
    ("league", 15),
    ("masses", 20),
]
CATEGORY_MIX = [
    (PersonCategory.COMMANDER, 70),
    (PersonCategory.GOV_FULLTIME, 25),
    (PersonCategory.CIVILIAN, 5),
]
RANKS = ["三级消防士", "二级消防士", "一级消防士", "四级消防长", "三级消防长", ""]
POSITIONS = ["消防员", "消防员", "消防员", "驾驶员", "通信员", "战斗员"]
TRANSFERRED = 0.1  # share of people with an earlier, closed membership in another squad
TALK_WINDOW_DAYS = 720  # talks are dated in the last 720 days, after every current membership began


def pick(rnd, mix):
    return rnd.choices([v for v, _ in mix], weights=[w for _, w in mix])[0]


def id_number(root_position: int, serial: int, birth: datetime.date) -> str:
    """Region 52RRSS (RR: the corps's root position, SS: thousands of the serial), birth date,
    the serial's last three digits (odd for men), and the GB 11643 check character."""
    first17 = f"52{root_position % 100:02d}{serial // 1000 % 100:02d}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_digit(first17)


def create_people(ctx: Ctx) -> None:
    rnd = ctx.rng("people")
    squads = ctx.of_kind("squad")
    n = len(squads) * ctx.c["people"]
    ids = ctx.writer.reserve_ids(Person, n)
    rows, people, serial = [], [], 0
    for squad in squads:
        station = ctx.ancestor(squad, "station")
        for i in range(ctx.c["people"]):
            pk = ids[serial]
            serial += 1
            birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=rnd.randint(0, 9000))
            number = id_number(ctx.root_position, serial, birth)
            status = pick(rnd, STATUS_MIX)
            party = status in PARTY_MEMBER_STATUSES
            since = ctx.today - datetime.timedelta(days=rnd.randint(TALK_WINDOW_DAYS + 10, 4000))
            rows.append(
                (
                    pk,
                    rnd.choice(SURNAMES) + rnd.choice(GIVEN),
                    "M" if int(number[16]) % 2 else "F",
                    birth,
                    number,
                    pick(rnd, CATEGORY_MIX),
                    rnd.choice(RANKS),
                    "班长" if i == 0 else rnd.choice(POSITIONS),
                    squad.pk,
                    status,
                    ctx.orgs[station.pk] if party else None,
                    ctx.orgs[squad.pk] if party else None,
                )
            )
            people.append(PersonRow(pk, squad.pk, status, party, since))
    fields = ["id", "name", "gender", "birth_date", "id_number", "category", "rank", "position"]
    fields += ["unit_id", "political_status", "party_organisation_id", "party_group_id"]
    ctx.figures["people"] = ctx.writer.insert(Person, fields, rows)
    ctx.people = people


def create_memberships(ctx: Ctx) -> None:
    rnd = ctx.rng("memberships")
    squads = [u.pk for u in ctx.of_kind("squad")]
    units, status_changes, party = [], [], []
    for p in ctx.people:
        if len(squads) > 1 and rnd.random() < TRANSFERRED:
            previous = rnd.choice([s for s in rnd.sample(squads, 2) if s != p.unit_id])
            start = p.since - datetime.timedelta(days=rnd.randint(365, 2000))
            units.append((p.id, previous, start, p.since - datetime.timedelta(days=1), "调入前"))
        units.append((p.id, p.unit_id, p.since, None, ""))
        if p.status != "masses":
            effective = p.since - datetime.timedelta(days=rnd.randint(0, 1500))
            probation_end = effective + datetime.timedelta(days=365) if p.status == "probationary" else None
            status_changes.append((p.id, p.status, effective, probation_end))
        if p.party_member:
            squad = ctx.by_id[p.unit_id]
            branch = ctx.orgs[ctx.ancestor(squad, "station").pk]
            party += [(p.id, branch, p.since), (p.id, ctx.orgs[squad.pk], p.since)]
    w = ctx.writer
    ctx.figures["unit_memberships"] = w.insert(
        UnitMembership, ["person_id", "unit_id", "start_date", "end_date", "note"], units
    )
    ctx.figures["status_changes"] = w.insert(
        PoliticalStatusChange, ["person_id", "status", "effective_date", "probation_end"], status_changes
    )
    ctx.figures["party_memberships"] = w.insert(
        PartyMembership, ["person_id", "organisation_id", "start_date"], party
    )
