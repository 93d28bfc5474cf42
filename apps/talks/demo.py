"""Demo talk records: most people talked with this quarter, some not, some overdue follow-ups."""

import datetime

from django.utils import timezone

from apps.people.models import Person

from .models import FollowUp, TalkKind, TalkPolicy, TalkRecord
from .selectors import period_bounds

MINDS = [
    "思想稳定，训练积极，对岗位认同感强。",
    "近期家中老人住院，有些焦虑，但能坚持执勤。",
    "刚休假归队，状态良好，希望多参加业务培训。",
    "对晋升考核有顾虑，经交流后思想包袱减轻。",
    "新入职不久，生活上还在适应，班长多关心。",
]
SIGNS = ["", "", "", "连续两次请假，情绪波动较大。", "与战友发生口角，需跟踪关注。"]
DIFFICULTIES = ["", "", "子女入学问题", "配偶工作调动", "家庭经济困难"]
TALKER_FOR = {
    "GZ-ZY-HH-HZ": "demo_huizhi",
    "SX-CZ-TQ": "demo_tqz",
    "GZ": "demo_zunyi_secretary",
    "SX": "demo_changzhi",
    "HLJ": "demo_mudanjiang",
    "XFJ": "demo_guizhou",
}


def _talker(ctx, unit):
    users = ctx.get("users", {})
    for code, username in TALKER_FOR.items():
        if (unit.code == code or unit.code.startswith(code + "-")) and username in users:
            return users[username]
    return users.get("demo_admin")


def load(ctx):
    rnd = ctx["random"]
    today = timezone.localdate()
    start, _ = period_bounds("quarter", today)
    TalkPolicy.objects.create(
        unit=ctx["units"]["HLJ-MDJ"], period="month"
    ) if "units" in ctx and "HLJ-MDJ" in ctx["units"] else None
    records, followups = [], []
    people = list(Person.objects.select_related("unit").order_by("pk"))
    for person in people:
        talker = _talker(ctx, person.unit)
        if talker is None:
            continue
        talks_this_quarter = 0 if rnd.random() < 0.25 else rnd.randint(1, 2)
        dates = [
            start + datetime.timedelta(days=rnd.randint(0, max(0, (today - start).days)))
            for _ in range(talks_this_quarter)
        ]
        dates += [start - datetime.timedelta(days=rnd.randint(5, 80))]  # one last quarter
        for date in dates:
            record = TalkRecord(
                unit=person.unit,
                person=person,
                talker=talker,
                date=date,
                kind=rnd.choice(list(TalkKind)),
                place=rnd.choice(["谈心室", "营区", "家中", "电话"]),
            )
            record.set_content(
                state_of_mind=rnd.choice(MINDS),
                warning_signs=rnd.choice(SIGNS),
                difficulties=rnd.choice(DIFFICULTIES),
            )
            records.append(record)
    TalkRecord.objects.bulk_create(records, batch_size=500)
    for record in records:
        if record.has_warning_signs:
            due = record.date + datetime.timedelta(days=rnd.choice([7, 14, 30]))
            followup = FollowUp(record=record, owner=record.talker, due_date=due)
            followup.set_text(description="持续关注思想动态，一周后再次谈心。")
            if due < today and rnd.random() < 0.5:
                followup.status, followup.completed_on = FollowUp.Status.DONE, due
                followup.set_text(outcome="已再次谈心，情况好转。")
            followups.append(followup)
    FollowUp.objects.bulk_create(followups)
    from .tasks import coverage_snapshots_store

    coverage_snapshots_store(today=today)
