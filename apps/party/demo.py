"""Demo party organisations are built by ``apps.people.demo`` (people and organisations are
made together so memberships are consistent); this app adds its campaign teams."""

import datetime

from .models import CampaignTeam, TeamKind, TeamMembership


def load(ctx):
    temp = ctx["orgs"].get("SX-CZ-TQ:temp")
    if temp is None:
        return
    start = datetime.date(2026, 1, 26)
    commando = CampaignTeam.objects.create(
        name="长治支队特勤站党员突击队",
        kind=TeamKind.COMMANDO,
        organisation=temp,
        unit=temp.unit,
        start_date=start,
        purpose="防疫一线急难险重任务",
    )
    pioneer = CampaignTeam.objects.create(
        name="特勤站党员先锋岗",
        kind=TeamKind.PIONEER_POST,
        organisation=temp,
        unit=temp.unit,
        start_date=start,
        purpose="执勤备战示范岗",
    )
    members = [p for p in ctx["people"] if p.unit.path.startswith(temp.unit.path) and p.is_party_member]
    for i, person in enumerate(members[:8]):
        TeamMembership.objects.create(
            team=commando, person=person, role="队长" if i == 0 else "队员", joined_on=start
        )
    for person in members[8:11]:
        TeamMembership.objects.create(team=pioneer, person=person, role="岗员", joined_on=start)
