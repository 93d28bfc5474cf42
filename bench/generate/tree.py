"""The command tree (corps → detachments → battalions → stations → squads) and the party
organisations on it (a committee on the corps, each detachment and battalion, a branch on
each station, a party group on each squad), with treebeard paths computed directly."""

import datetime

from apps.party.models import OrganisationKind, PartyOrganisation
from apps.units.models import Unit

from .context import CHAIN, Ctx

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # treebeard's default, steplen 4
UNIT_SUFFIX = {"detachment": "支队", "battalion": "大队", "station": "站", "squad": "班"}
ORG_KIND = {
    "corps": OrganisationKind.COMMITTEE,
    "detachment": OrganisationKind.COMMITTEE,
    "battalion": OrganisationKind.COMMITTEE,
    "station": OrganisationKind.BRANCH,
    "squad": OrganisationKind.PARTY_GROUP,
}
ORG_SUFFIX = {
    OrganisationKind.COMMITTEE: "党委",
    OrganisationKind.BRANCH: "党支部",
    OrganisationKind.PARTY_GROUP: "党小组",
}
ESTABLISHED = datetime.date(2016, 1, 1)


def step(i: int) -> str:
    out = ""
    for _ in range(4):
        i, r = divmod(i, 36)
        out = ALPHABET[r] + out
    return out


def next_root_position(model) -> int:
    """The position after the last root of ``model``'s tree (gaps left by deleted roots stay)."""
    last = model.objects.filter(depth=1).order_by("-path").values_list("path", flat=True).first()
    position = 0
    for char in last or "":
        position = position * 36 + ALPHABET.index(char)
    return position + 1


def create_units(ctx: Ctx) -> None:
    c = ctx.c
    position = next_root_position(Unit)
    ctx.root_position = position
    corps = Unit(
        path=step(position),
        depth=1,
        numchild=c["detachment"],
        name="生成总队",
        code=ctx.root_code,
        kind="corps",
    )
    units, level = [corps], [corps]
    for depth, kind in enumerate(CHAIN, start=2):
        below = CHAIN[depth - 1] if depth - 1 < len(CHAIN) else None
        nxt = [
            Unit(
                path=parent.path + step(i),
                depth=depth,
                numchild=c[below] if below else 0,
                name=f"{parent.name}{i}{UNIT_SUFFIX[kind]}",
                code=f"{parent.code}-{i}",
                kind=kind,
            )
            for parent in level
            for i in range(1, c[kind] + 1)
        ]
        units += nxt
        level = nxt
    Unit.objects.bulk_create(units, batch_size=2000)
    ctx.units = list(Unit.objects.filter(path__startswith=corps.path).order_by("path"))
    ctx.corps = ctx.units[0]
    ctx.by_path = {u.path: u for u in ctx.units}
    ctx.by_id = {u.pk: u for u in ctx.units}
    ctx.figures["units"] = len(ctx.units)


def create_party_organisations(ctx: Ctx) -> None:
    """One organisation per unit; the party tree mirrors the command tree under a new root."""
    root = step(next_root_position(PartyOrganisation))
    orgs = []
    for unit in ctx.units:
        kind = ORG_KIND[unit.kind]
        orgs.append(
            PartyOrganisation(
                path=root + unit.path[4:],
                depth=unit.depth,
                numchild=unit.numchild,
                name=f"{unit.name}{ORG_SUFFIX[kind]}",
                kind=kind,
                unit=unit,
                established_on=ESTABLISHED,
            )
        )
    PartyOrganisation.objects.bulk_create(orgs, batch_size=2000)
    ctx.orgs = dict(
        PartyOrganisation.objects.filter(path__startswith=root).order_by().values_list("unit_id", "id")
    )
    ctx.figures["party_organisations"] = len(ctx.orgs)
