"""Demo people and party organisations for the demo corps.

Every corps, detachment and battalion gets a party committee, every station a branch with a
party group on each squad, and every station about a dozen people with believable names,
categories and political status. The 特勤站 of 长治 gets the temporary branch
防疫一线临时党支部 of the seed report, its volunteers keeping their home branch.
"""

import datetime

from apps.party.models import OrganisationKind, PartyOrganisation, PartyPosition, PositionKind
from apps.units.models import Unit

from .models import (
    PartyMembership,
    Person,
    PersonCategory,
    PoliticalStatus,
    PoliticalStatusChange,
    UnitMembership,
    id_number_check_digit,
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段漕钱汤尹黎易常武乔贺赖龚文"
GIVEN = [
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "超",
    "明",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "鑫",
    "波",
    "宁",
    "浩",
    "建华",
    "志强",
    "海涛",
    "文博",
    "子轩",
    "俊杰",
    "宇航",
    "浩然",
    "晓东",
    "国庆",
    "红军",
    "卫国",
    "振华",
    "家豪",
    "思远",
    "立新",
    "永刚",
    "晨阳",
    "天佑",
    "春雷",
    "雪梅",
    "丽娟",
    "晓燕",
    "婷婷",
    "静",
]
REGIONS = {"GZ": "520302", "SX": "140403", "HLJ": "231002", "XFJ": "110105"}
STATUS_MIX = (
    [PoliticalStatus.FULL_MEMBER] * 5
    + [PoliticalStatus.PROBATIONARY]
    + [PoliticalStatus.ACTIVIST] * 2
    + [
        PoliticalStatus.APPLICANT,
        PoliticalStatus.LEAGUE,
        PoliticalStatus.LEAGUE,
        PoliticalStatus.MASSES,
    ]
)
POSITIONS = ["站长", "指导员", "副站长", "班长", "副班长", "战斗员", "战斗员", "驾驶员", "通信员", "战斗员"]
COMMITTEE_KINDS = {"corps", "detachment", "battalion"}


def _person(ctx, unit, name, status, position, category, serial, user=None):
    rnd = ctx["random"]
    birth = datetime.date(rnd.randint(1975, 2003), rnd.randint(1, 12), rnd.randint(1, 28))
    region = REGIONS[unit.code.split("-")[0]]
    first17 = f"{region}{birth:%Y%m%d}{serial % 1000:03d}"
    return Person(
        name=name,
        gender="F" if name[-1] in "梅娟燕婷静" else "M",
        birth_date=birth,
        id_number=first17 + id_number_check_digit(first17),
        category=category,
        rank=""
        if category == PersonCategory.CIVILIAN
        else rnd.choice(["消防士", "消防员", "中级消防长", "初级指挥长"]),
        position=position,
        phone=f"1{rnd.choice('3578')}{rnd.randint(100000000, 999999999)}",
        unit=unit,
        political_status=status,
        user=user,
    )


def load(ctx):
    rnd = ctx["random"]
    since = datetime.date(2021, 9, 1)
    units = list(Unit.objects.filter(dissolved_on__isnull=True).order_by("path"))
    by_path = {u.path: u for u in units}
    orgs: dict[str, PartyOrganisation] = {}

    def committee_above(unit):
        for i in range(len(unit.path) - 4, 0, -4):
            parent = by_path.get(unit.path[:i])
            if parent is not None and parent.code in orgs:
                return orgs[parent.code]
        return None

    for unit in units:
        if unit.kind in COMMITTEE_KINDS:
            name = f"中共{unit.name}委员会"
            parent = committee_above(unit)
            node = (
                parent.add_child(
                    name=name, kind="committee", unit=unit, established_on=datetime.date(2019, 1, 1)
                )
                if parent
                else PartyOrganisation.add_root(
                    name=name, kind="committee", unit=unit, established_on=datetime.date(2019, 1, 1)
                )
            )
            orgs[unit.code] = PartyOrganisation.objects.get(pk=node.pk)
        elif unit.kind == "station":
            parent = committee_above(unit)
            node = parent.add_child(
                name=f"{unit.name}党支部", kind="branch", unit=unit, established_on=datetime.date(2019, 1, 1)
            )
            orgs[unit.code] = PartyOrganisation.objects.get(pk=node.pk)
    for unit in units:
        if unit.kind == "squad":
            branch = orgs[by_path[unit.path[:-4]].code]
            node = branch.add_child(name=f"{unit.name}党小组", kind="party_group", unit=unit)
            orgs[unit.code] = PartyOrganisation.objects.get(pk=node.pk)

    people, serial = [], 0
    users_by_unit = {}
    for user in ctx.get("users", {}).values():
        grant = user.grants.select_related("unit").first() if hasattr(user, "grants") else None
        if grant and not user.is_superuser:
            users_by_unit.setdefault(grant.unit.code, []).append(user)
    for unit in units:
        if unit.kind in ("bureau", "squad"):
            continue
        count = {"corps": 4, "detachment": 4, "battalion": 3, "station": 3}[unit.kind]
        for i in range(count):
            serial += 1
            linked = users_by_unit.get(unit.code, [])
            user = linked[i] if i < len(linked) else None
            name = (user.last_name + user.first_name) if user else rnd.choice(SURNAMES) + rnd.choice(GIVEN)
            category = (
                PersonCategory.CIVILIAN
                if i == count - 1 and unit.kind != "station"
                else PersonCategory.COMMANDER
            )
            status = PoliticalStatus.FULL_MEMBER if i < 2 else rnd.choice(STATUS_MIX)
            position = ["主官", "政治工作干部", "干事", "文员"][i] if unit.kind != "station" else POSITIONS[i]
            people.append(_person(ctx, unit, name, status, position, category, serial, user=user))
        if unit.kind == "station":
            for squad in (u for u in units if u.kind == "squad" and u.path[:-4] == unit.path):
                for i in range(rnd.randint(3, 5)):
                    serial += 1
                    category = PersonCategory.GOV_FULLTIME if rnd.random() < 0.2 else PersonCategory.COMMANDER
                    name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
                    position = "班长" if i == 0 else rnd.choice(POSITIONS[5:])
                    people.append(
                        _person(ctx, squad, name, rnd.choice(STATUS_MIX), position, category, serial)
                    )
    Person.objects.bulk_create(people)
    people = list(Person.objects.select_related("unit").order_by("pk"))

    memberships, statuses, party = [], [], []
    for person in people:
        memberships.append(UnitMembership(person=person, unit=person.unit, start_date=since))
        if person.political_status != PoliticalStatus.MASSES:
            statuses.append(
                PoliticalStatusChange(person=person, status=person.political_status, effective_date=since)
            )
        if person.is_party_member:
            unit = person.unit
            home = orgs.get(by_path[unit.path[:-4]].code) if unit.kind == "squad" else orgs.get(unit.code)
            group = orgs.get(unit.code) if unit.kind == "squad" else None
            person.party_organisation, person.party_group = home, group
            party += [
                PartyMembership(person=person, organisation=o, start_date=since) for o in (home, group) if o
            ]
    UnitMembership.objects.bulk_create(memberships)
    PoliticalStatusChange.objects.bulk_create(statuses)
    PartyMembership.objects.bulk_create(party)
    Person.objects.bulk_update(people, ["party_organisation", "party_group"])

    positions = []
    for org in orgs.values():
        members = [p for p in people if p.party_organisation_id == org.pk or p.party_group_id == org.pk]
        if not members:
            members = [p for p in people if p.unit_id == org.unit_id and p.is_party_member]
        if not members:
            continue
        if org.kind == "party_group":
            positions.append(
                PartyPosition(
                    person=members[0], organisation=org, position=PositionKind.GROUP_LEADER, start_date=since
                )
            )
        else:
            positions.append(
                PartyPosition(
                    person=members[0], organisation=org, position=PositionKind.SECRETARY, start_date=since
                )
            )
            if org.kind == "committee" and len(members) > 1:
                positions.append(
                    PartyPosition(
                        person=members[1], organisation=org, position=PositionKind.COMMISSAR, start_date=since
                    )
                )
    PartyPosition.objects.bulk_create(positions)

    _temporary_branch(ctx, orgs, people, by_path)
    ctx["orgs"] = orgs
    ctx["people"] = people


def _temporary_branch(ctx, orgs, people, by_path):
    """防疫一线临时党支部 at the 长治 特勤站, the seed report's wartime example."""
    station = Unit.objects.filter(code="SX-CZ-TQ").first()
    if station is None:
        return
    committee = orgs["SX-CZ"]
    node = committee.add_child(
        name="防疫一线临时党支部",
        kind=OrganisationKind.TEMPORARY_BRANCH,
        unit=station,
        start_date=datetime.date(2026, 1, 25),
        reason="疫情防控一线任务",
    )
    temp = PartyOrganisation.objects.get(pk=node.pk)
    orgs["SX-CZ-TQ:temp"] = temp
    volunteers = [p for p in people if p.unit.path.startswith(station.path) and p.is_party_member]
    PartyMembership.objects.bulk_create(
        [
            PartyMembership(
                person=p, organisation=temp, start_date=datetime.date(2026, 1, 26), note="自愿报名"
            )
            for p in volunteers
        ]
    )
    if volunteers:
        PartyPosition.objects.create(
            person=volunteers[0],
            organisation=temp,
            position=PositionKind.SECRETARY,
            start_date=datetime.date(2026, 1, 25),
        )
