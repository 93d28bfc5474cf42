"""Talk records: ten per person over the last two years, in the person's unit, with encrypted
content (a small pool of ciphertexts, so that reading costs a real decryption), and
follow-ups on the talks that raised something."""

import datetime

from apps.talks import crypto
from apps.talks.models import FollowUp, TalkKind, TalkRecord

from .context import Ctx
from .people import TALK_WINDOW_DAYS, pick

KIND_MIX = [
    (TalkKind.ROUTINE, 70),
    (TalkKind.WARTIME, 4),
    (TalkKind.PRE_DEPLOYMENT, 4),
    (TalkKind.RETURN_FROM_LEAVE, 8),
    (TalkKind.DIFFICULTY_HELP, 4),
    (TalkKind.REMINDER, 2),
    (TalkKind.ADMONITION, 1),
    (TalkKind.HOME_VISIT, 3),
    (TalkKind.SOLIDARITY_VISIT, 3),
    (TalkKind.ISOLATION_TALK, 1),
]
PLACES = ["站内谈心室", "宿舍", "训练场", "队部办公室", "家中", ""]
MINDS = [
    "思想稳定，工作积极",
    "训练压力较大，情绪正常",
    "家中老人生病，略有牵挂",
    "对岗位调整有想法",
    "状态良好",
]
WARNINGS = ["近期作息不规律，需关注", "与战友有矛盾苗头", "网络借贷苗头"]
DIFFICULTIES = ["配偶工作调动", "子女入学", "住房困难", "父母就医"]
FOLLOWUPS = ["协调就医绿色通道", "联系地方教育部门", "安排骨干结对帮扶", "每周回访一次"]
POOL = 8  # ciphertexts per text (Fernet tokens are random: encrypting each row would cost ~20 s)
WARNING_SHARE, DIFFICULTY_SHARE = 0.03, 0.15


def _pool(texts):
    return [crypto.encrypt(t) for t in texts for _ in range(POOL // len(texts) + 1)]


def create_talks(ctx: Ctx) -> None:
    rnd = ctx.rng("talks")
    per_person = ctx.c["talks"]
    ids = ctx.writer.reserve_ids(TalkRecord, len(ctx.people) * per_person)
    talker = ctx.user("talker", is_superuser=True).pk
    minds, warnings, difficulties = _pool(MINDS), _pool(WARNINGS), _pool(DIFFICULTIES)
    followups = []  # (talk id, talk date)

    def rows():
        i = 0
        for person in ctx.people:
            for _ in range(per_person):
                pk = ids[i]
                i += 1
                day = ctx.today - datetime.timedelta(days=rnd.randint(0, TALK_WINDOW_DAYS))
                warning = rnd.choice(warnings) if rnd.random() < WARNING_SHARE else ""
                difficulty = rnd.choice(difficulties) if rnd.random() < DIFFICULTY_SHARE else ""
                if warning or (difficulty and rnd.random() < 0.3):
                    followups.append((pk, day))
                yield (
                    pk,
                    person.unit_id,
                    person.id,
                    talker,
                    day,
                    rnd.choice(PLACES),
                    pick(rnd, KIND_MIX),
                    rnd.choice(minds),
                    warning,
                    difficulty,
                    bool(warning),
                )

    fields = ["id", "unit_id", "person_id", "talker_id", "date", "place", "kind"]
    fields += ["state_of_mind_enc", "warning_signs_enc", "difficulties_enc", "has_warning_signs"]
    ctx.figures["talks"] = ctx.writer.insert(TalkRecord, fields, rows())
    ctx.figures["talk_followups"] = ctx.writer.insert(
        FollowUp,
        ["record_id", "owner_id", "due_date", "status", "description_enc", "outcome_enc", "completed_on"],
        _followup_rows(ctx, rnd, followups, talker),
    )


def _followup_rows(ctx, rnd, followups, owner):
    descriptions = _pool(FOLLOWUPS)
    outcome = crypto.encrypt("已落实，对象表示满意")
    for pk, day in followups:
        due = day + datetime.timedelta(days=30)
        done = due < ctx.today and rnd.random() < 0.8
        completed = min(ctx.today, day + datetime.timedelta(days=rnd.randint(3, 40))) if done else None
        status = FollowUp.Status.DONE if done else FollowUp.Status.OPEN
        yield (pk, owner, due, status, rnd.choice(descriptions), outcome if done else "", completed)
