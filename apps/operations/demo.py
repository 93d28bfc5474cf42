"""Demo wartime operations, written through the services:

* 长治 (seed 000): the detachment committee's epidemic operation — the task force's six
  working groups, the 特勤站 防疫一线临时党支部 and its teams taken under the operation, pledges
  from the party members (请战书, 倡议书, 向党旗宣誓), 包片 and visits, a month of 每日零报告-style
  daily reports with a few missing, 研判 notes, the 五个一 for the front line, 战时考察 (放弃探亲假
  提前归队, 带病坚持工作), 26 people commended in one 通报表扬, then closed (战转平) and archived.
* 牡丹江 (seed 004): a running operation reported by party groups (思想状况, 健康状况, 金点子),
  with a 战时党支部, two 战时党小组, pioneer posts, a commando and a service team.
"""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.party.models import CampaignTeam, OrganisationKind, PartyOrganisation
from apps.units.models import Unit

from . import services
from .models import Operation

SH = ZoneInfo("Asia/Shanghai")
WORKING_GROUPS = [
    ("指挥调度组", "统一指挥调度疫情防控和应急救援力量"),
    ("数据核查组", "核查人员健康、出勤和物资数据"),
    ("综合信息组", "汇总每日报告，起草简报"),
    ("技术支撑组", "防护装备、洗消和通信技术保障"),
    ("后勤保障组", "采购配发口罩、防护服、消毒液等物资"),
    ("消防宣传组", "挖掘一线典型，刊发先进事迹"),
]
THOUGHTS = [
    "队伍思想稳定，士气高昂，无明显思想波动。",
    "个别队员牵挂家中老人，已安排谈心疏导。",
    "连续执勤疲劳感有所上升，已调整轮休。",
    "新入职队员对防护流程有顾虑，已组织专题培训。",
]
HEALTH = ["全员体温正常。", "一名队员轻微感冒，已隔离观察。", "全员健康，无发热症状。"]
SUGGESTIONS = [
    "营区出入口设置消毒垫和测温点",
    "分时分区错峰就餐",
    "车辆器材出警归队后统一洗消",
    "利用微信群开展微党课",
    "为一线队员家属建立联系群",
    "防护物资按周申领、按日登记",
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=SH)


def _people_under(ctx, unit):
    return [p for p in ctx["people"] if p.unit.path.startswith(unit.path)]


def load(ctx):
    actor = ctx.get("users", {}).get("demo_admin")
    units = ctx.get("units", {})
    if actor is None or "SX-CZ" not in units or "people" not in ctx:
        return
    ctx["operations"] = {}
    changzhi = _changzhi(ctx, actor)
    if changzhi is not None:
        ctx["operations"]["changzhi"] = changzhi
    mudanjiang = _mudanjiang(ctx, actor)
    if mudanjiang is not None:
        ctx["operations"]["mudanjiang"] = mudanjiang


def _changzhi(ctx, actor) -> Operation | None:
    rnd = ctx["random"]
    det = Unit.objects.get(code="SX-CZ")
    tqz = Unit.objects.get(code="SX-CZ-TQ")
    start = datetime.date(2026, 1, 25)
    close_on = datetime.date(2026, 3, 10)
    committee = ctx["orgs"].get("SX-CZ")
    op = services.operation_create(
        name="长治支队新冠肺炎疫情防控战时行动",
        kind="epidemic",
        unit=det,
        committee=committee,
        start_date=start,
        planned_end=datetime.date(2026, 3, 31),
        reason="新冠肺炎疫情阻击战打响，支队党委按照“以党建带队建促工作”的思路，及时启动战时思想政治工作机制。",
        report_deadline=datetime.time(18, 0),
        actor=actor,
    )
    leaders = [p for p in ctx["people"] if p.unit_id == det.pk]
    battalion_people = [
        p for p in ctx["people"] if p.unit.kind == "battalion" and p.unit.path.startswith(det.path)
    ]
    staff = leaders + battalion_people
    for i, (name, duty) in enumerate(WORKING_GROUPS):
        members = [(staff[i % len(staff)], True), (staff[(i + 3) % len(staff)], False)]
        services.working_group_create(
            operation=op, name=name, duty=duty, members=list(dict(members).items()), actor=actor
        )
    op = services.operation_activate(operation=op, actor=actor, now=_at(start, 9))
    temp = ctx["orgs"].get("SX-CZ-TQ:temp")
    if temp is not None:
        services.organisation_adopt(operation=op, organisation=temp, actor=actor)
        for team in CampaignTeam.objects.filter(organisation=temp):
            services.team_adopt(operation=op, team=team, actor=actor)

    # 包片: each committee member takes charge of a battalion or the 特勤站, and visits it
    sectors = [u for u in Unit.objects.filter(path__startswith=det.path, kind__in=["battalion", "station"])]
    for i, unit in enumerate(sectors):
        member = leaders[i % len(leaders)]
        services.sector_assign(operation=op, member=member, unit=unit, note="包片负责，督导检查", actor=actor)
        if i % 4 != 3:  # a few units nobody has been to yet
            services.visit_record(
                operation=op,
                inspector=member,
                unit=unit,
                date=start + datetime.timedelta(days=2 + i),
                findings="防控措施落实到位，营区封闭管理严格；提醒加强洗消记录。",
                actor=actor,
            )

    # pledges: every party member of the covered units (请战书, some 倡议书 or 宣誓)
    covered_people = [p for p in _people_under(ctx, det) if p.unit_id != det.pk]
    members = [p for p in covered_people if p.is_party_member]
    for i, person in enumerate(members):
        kind = ["petition", "petition", "proposal", "oath"][i % 4]
        services.pledge_file(
            operation=op,
            person=person,
            kind=kind,
            date=start + datetime.timedelta(days=i % 3),
            text="疫情当前，党员在先。我志愿请战，随时听从组织召唤！",
            volunteer=i % 5 != 4,
            actor=actor,
        )

    # the front line: the 特勤站 and the commando's members; the 五个一 for most of them
    on_line = {fp.person_id for fp in op.frontline.all()}
    for person in _people_under(ctx, tqz):
        if person.pk not in on_line:
            services.frontline_add(
                operation=op,
                person=person,
                since=start,
                post="防疫一线执勤",
                isolated=rnd.random() < 0.1,
                actor=actor,
            )
    _care(ctx, op, actor, start, rnd)

    # the daily report of every covered station, with a few missing and a few late
    stations = list(Unit.objects.filter(path__startswith=det.path, kind="station").order_by("path"))
    day = start
    while day < close_on:
        for station in stations:
            if rnd.random() < 0.05:
                continue
            late = rnd.random() < 0.08
            services.daily_report_file(
                operation=op,
                unit=station,
                report_date=day,
                on_duty=rnd.randint(14, 26),
                thought_status=rnd.choice(THOUGHTS),
                health_status=rnd.choice(HEALTH),
                difficulties="队员家属返岗受阻，已协调社区解决。" if rnd.random() < 0.2 else "",
                has_health_issues=rnd.random() < 0.1,
                difficulties_raised=(raised := rnd.choice([0, 0, 0, 1, 1, 2])),
                difficulties_solved=rnd.randint(max(raised - 1, 0), raised),
                suggestions=rnd.choice(SUGGESTIONS) if rnd.random() < 0.3 else "",
                actor=actor,
                now=_at(day, 19 if late else rnd.randint(8, 17), rnd.randint(0, 59)),
            )
        if (day - start).days % 3 == 0:
            services.assessment_write(
                operation=op,
                date=day,
                note="全支队队伍思想稳定，防控措施落实有力；个别站报送不及时，责成包片党委成员督导。",
                actor=actor,
            )
        day += datetime.timedelta(days=1)

    # 战时考察: 10 gave up their home leave, others worked while ill
    observed = [p for p in covered_people if p.is_party_member or p.political_status == "activist"]
    for i, person in enumerate(observed[:24]):
        category = "leave_given_up" if i < 10 else "worked_ill" if i < 20 else "vanguard"
        conduct = {
            "leave_given_up": "主动放弃探亲假，提前归队投入疫情防控一线。",
            "worked_ill": "身体不适仍坚守岗位，带病坚持工作。",
            "vanguard": "承担隔离点消杀任务，冲锋在前。",
        }[category]
        services.observation_record(
            operation=op,
            person=person,
            date=start + datetime.timedelta(days=3 + i % 20),
            category=category,
            conduct=conduct,
            actor=actor,
        )

    # 通报表扬: 26 commanders and government full-time firefighters in one batch
    praised = (observed + [p for p in covered_people if p not in observed])[:26]
    services.commendation_issue(
        operation=op,
        title="关于对疫情防控一线表现突出的26名同志予以通报表扬的决定",
        number="长消党〔2026〕7号",
        decided_on=datetime.date(2026, 3, 6),
        notice_days=0,
        entries=[
            {
                "person": p,
                "deeds": "疫情防控期间主动请缨、冲锋在前，圆满完成急难险重任务。",
                "exemplary": i < 3,
            }
            for i, p in enumerate(praised)
        ],
        actor=actor,
    )
    services.operation_close(
        operation=op, actor=actor, on=close_on, note="疫情形势平稳，经支队党委研究，转入常态化防控。"
    )
    return op


def _care(ctx, op, actor, start, rnd):
    from apps.talks.services import talk_record

    for i, fp in enumerate(op.frontline.select_related("person")):
        if i % 6 == 5:
            continue  # some still waiting for their 五个一
        talk_record(
            person=fp.person,
            talker=actor,
            date=start + datetime.timedelta(days=2 + i % 7),
            kind="wartime",
            state_of_mind="思想稳定，表示坚决完成防控任务。",
            actor=actor,
        )
        for item in ("home_visit", "solidarity", "difficulty") + (("isolation",) if fp.isolated else ()):
            if rnd.random() < 0.85:
                services.care_record(
                    operation=op,
                    person=fp.person,
                    item=item,
                    date=start + datetime.timedelta(days=5 + i % 10),
                    note="已落实",
                    actor=actor,
                )


def _mudanjiang(ctx, actor) -> Operation | None:
    rnd = ctx["random"]
    det = Unit.objects.filter(code="HLJ-MDJ").first()
    committee = ctx["orgs"].get("HLJ-MDJ")
    if det is None or committee is None:
        return None
    today = timezone.localdate()
    start = today - datetime.timedelta(days=14)
    op = services.operation_create(
        name="牡丹江支队疫情防控党小组战时工作",
        kind="epidemic",
        unit=det,
        committee=committee,
        start_date=start,
        reason="把党小组建在班组上，党小组每日向党支部报告人员思想状况、健康状况和意见建议，迅速完成平战转换。",
        report_level=Operation.ReportLevel.PARTY_GROUP,
        report_deadline=datetime.time(21, 0),
        actor=actor,
    )
    stations = list(Unit.objects.filter(path__startswith=det.path, kind="station").order_by("path"))
    first = stations[0]
    people = _people_under(ctx, det)
    first_members = [p for p in _people_under(ctx, first) if p.is_party_member]
    teams = [
        {"name": f"{s.short_name}党员先锋岗", "kind": "pioneer_post", "unit": s, "organisation": "战时党支部"}
        for s in stations[:2]
    ] + [
        {
            "name": "支队党员突击队",
            "kind": "commando",
            "unit": first,
            "organisation": "战时党支部",
            "members": first_members[:4],
        },
        {"name": "党员服务队", "kind": "service_team", "unit": first, "organisation": "战时党支部"},
    ]
    op = services.operation_activate(
        operation=op,
        actor=actor,
        now=_at(start, 8, 30),
        organisations=[
            {
                "name": "战时党支部",
                "unit": first,
                "parent": committee,
                "reason": "疫情防控战时党支部",
                "members": first_members,
            }
        ],
        teams=teams,
    )
    temp = PartyOrganisation.objects.get(name="战时党支部", unit=first)
    for n in (1, 2):
        services.organisation_setup(
            operation=op,
            actor=actor,
            name=f"战时第{n}党小组",
            kind=OrganisationKind.PARTY_GROUP,
            unit=first,
            parent=temp,
            on=start,
        )
    for i, person in enumerate(p for p in people if p.is_party_member and p.unit_id != det.pk):
        services.pledge_file(
            operation=op,
            person=person,
            kind="oath" if i % 3 == 0 else "petition",
            date=start + datetime.timedelta(days=i % 2),
            text="我是党员，我先上！",
            actor=actor,
        )
    # the front line: the first station's people; 包片 and the first visits; the 五个一 begun
    on_line = {fp.person_id for fp in op.frontline.all()}
    for person in _people_under(ctx, first):
        if person.pk not in on_line:
            services.frontline_add(operation=op, person=person, since=start, post="执勤备战一线", actor=actor)
    _care(ctx, op, actor, start, rnd)
    leaders = [p for p in people if p.unit_id == det.pk]
    for i, station in enumerate(stations):
        services.sector_assign(operation=op, member=leaders[i % len(leaders)], unit=station, actor=actor)
        if i % 2 == 0:
            services.visit_record(
                operation=op,
                inspector=leaders[i % len(leaders)],
                unit=station,
                date=start + datetime.timedelta(days=1 + i),
                findings="党小组每日报告制度落实，微信群组运行正常。",
                actor=actor,
            )
    for person in first_members[:2]:
        services.observation_record(
            operation=op,
            person=person,
            date=start + datetime.timedelta(days=4),
            category="duty",
            conduct="党小组长靠前指挥，每日分析研判防疫工作进度和指战员思想动态。",
            actor=actor,
        )
    groups = list(
        PartyOrganisation.objects.filter(
            kind=OrganisationKind.PARTY_GROUP, closed_on__isnull=True, unit__path__startswith=det.path
        )
    )
    day = start
    while day < today:
        for group in groups:
            if rnd.random() < 0.06:
                continue
            services.daily_report_file(
                operation=op,
                party_group=group,
                report_date=day,
                on_duty=rnd.randint(3, 6),
                thought_status=rnd.choice(THOUGHTS),
                health_status=rnd.choice(HEALTH),
                difficulties_raised=(raised := rnd.choice([0, 0, 0, 1])),
                difficulties_solved=rnd.randint(max(raised - 1, 0), raised),
                suggestions="\n".join(rnd.sample(SUGGESTIONS, rnd.choice([0, 0, 1, 2]))),
                actor=actor,
                now=_at(day, rnd.randint(15, 21), rnd.randint(0, 59)),
            )
        services.assessment_write(
            operation=op,
            date=day,
            note="各党小组报告人员思想稳定、健康状况良好；对未按时报送的党小组，由支部靠前指导。",
            actor=actor,
        )
        day += datetime.timedelta(days=1)
    return op
