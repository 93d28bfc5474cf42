"""Demo reports: a month of zero-reports (some missing, some late), group weekly reports,
meetings of every kind with attendance, 必议 decisions and a 六责 checklist."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from apps.party.models import PartyOrganisation
from apps.people.models import Person
from apps.units.models import Unit

from .models import (
    Attendance,
    DailyCompliance,
    Decision,
    DeliberationItem,
    GroupWeeklyReport,
    Meeting,
    MeetingKind,
    ResponsibilityItem,
    ResponsibilityKind,
    ZeroReport,
    ZeroReportItem,
)
from .services import deadline_sweep

SH = ZoneInfo("Asia/Shanghai")
TOPICS = {
    MeetingKind.MICRO_MEETING: "学习贯彻全会精神微会议",
    MeetingKind.MICRO_LESSON: "“赴汤蹈火 竭诚为民”微党课",
    MeetingKind.MICRO_REPORT: "执勤备战情况微报告",
    MeetingKind.GROUP_EXCHANGE: "党小组工作交流会",
    MeetingKind.BRANCH_ASSEMBLY: "支部党员大会",
    MeetingKind.BRANCH_COMMITTEE: "支委会",
    MeetingKind.PARTY_COMMITTEE: "党委会",
}


def load(ctx):
    rnd = ctx["random"]
    today = timezone.localdate()
    filer = ctx.get("users", {}).get("demo_admin")
    units = list(Unit.objects.exclude(kind="squad").filter(dissolved_on__isnull=True))
    reports = []
    for offset in range(30, 0, -1):
        day = today - datetime.timedelta(days=offset)
        for unit in units:
            roll = rnd.random()
            if roll < 0.06:
                continue  # missing
            hour = 19 if roll < 0.12 else rnd.randint(8, 17)
            reports.append(
                ZeroReport(
                    unit=unit,
                    report_date=day,
                    filed_by=filer,
                    filed_at=datetime.datetime.combine(
                        day, datetime.time(hour, rnd.randint(0, 59)), tzinfo=SH
                    ),
                    is_late=hour >= 18,
                    nothing_to_report=rnd.random() > 0.05,
                )
            )
    ZeroReport.objects.bulk_create(reports, batch_size=1000)
    ZeroReportItem.objects.bulk_create(
        [
            ZeroReportItem(
                report=r, kind="health", description="一名队员训练中轻微扭伤，已就医。", people_affected=1
            )
            for r in reports
            if not r.nothing_to_report
        ]
    )
    # The first sweep of a fresh install starts today; seed the month's verdicts directly.
    filed = {(r.unit_id, r.report_date): r.is_late for r in reports}
    DailyCompliance.objects.bulk_create(
        [
            DailyCompliance(
                unit=u,
                date=today - datetime.timedelta(days=o),
                status=(
                    "missing"
                    if (u.pk, today - datetime.timedelta(days=o)) not in filed
                    else "late"
                    if filed[(u.pk, today - datetime.timedelta(days=o))]
                    else "on_time"
                ),
            )
            for o in range(30, 0, -1)
            for u in units
        ],
        batch_size=2000,
    )
    deadline_sweep()

    people_by_org = {}
    for person in Person.objects.filter(party_organisation__isnull=False):
        people_by_org.setdefault(person.party_organisation_id, []).append(person)
        if person.party_group_id:
            people_by_org.setdefault(person.party_group_id, []).append(person)
    branches = list(PartyOrganisation.objects.filter(kind="branch"))
    groups = list(PartyOrganisation.objects.filter(kind="party_group"))
    monday = today - datetime.timedelta(days=today.weekday())
    weekly = []
    for group in groups:
        for week in range(1, 5):
            if rnd.random() < 0.85:
                weekly.append(
                    GroupWeeklyReport(
                        group=group,
                        week_start=monday - datetime.timedelta(weeks=week),
                        work_done="组织党员学习，完成执勤训练任务。",
                        next_week_plan="开展微党课一次。",
                        members_state_of_mind="思想稳定。",
                        filed_by=filer,
                    )
                )
    GroupWeeklyReport.objects.bulk_create(weekly)

    four = list(DeliberationItem.objects.filter(list__code="four"))
    for branch in branches:
        members = people_by_org.get(branch.pk, [])
        for kind in [
            MeetingKind.MICRO_MEETING,
            MeetingKind.MICRO_LESSON,
            MeetingKind.MICRO_REPORT,
            MeetingKind.GROUP_EXCHANGE,
            MeetingKind.BRANCH_COMMITTEE,
        ]:
            when = datetime.datetime.combine(
                today + datetime.timedelta(days=rnd.randint(-25, 10)),
                datetime.time(rnd.choice([9, 15, 19])),
                tzinfo=SH,
            )
            meeting = Meeting.objects.create(
                organisation=branch,
                kind=kind,
                starts_at=when,
                ends_at=when + datetime.timedelta(hours=1),
                topic=TOPICS[kind],
                place="党员活动室",
                organiser=members[0] if members else None,
                minutes="会议按议程进行。",
            )
            Attendance.objects.bulk_create(
                [
                    Attendance(meeting=meeting, person=p, present=rnd.random() < 0.9, absence_reason="")
                    for p in members
                ]
            )
            if kind == MeetingKind.BRANCH_COMMITTEE and four:
                Decision.objects.create(
                    organisation=branch,
                    item=four[1],
                    meeting=meeting,
                    date=when.date(),
                    matter="推荐年度优秀共产党员",
                    decision="同意推荐",
                )
        if four and (branch is branches[0] or rnd.random() < 0.2):
            Decision.objects.create(
                organisation=branch,
                item=four[2],
                date=today - datetime.timedelta(days=3),
                matter="购置学习资料",
                decision="站长签批同意",
            )  # flagged: decided outside a meeting
        for kind in ResponsibilityKind:
            if members:
                ResponsibilityItem.objects.create(
                    organisation=branch,
                    year=today.year,
                    kind=kind,
                    description=f"{kind.label}：落实党建工作责任清单",
                    assignee=members[0],
                    due_date=datetime.date(today.year, 12, 31)
                    if rnd.random() < 0.7
                    else today - datetime.timedelta(days=10),
                    completed_on=today - datetime.timedelta(days=20) if rnd.random() < 0.5 else None,
                )
