"""Nominations in a spread of states, each with the decision rows the services would have
written on its way there (create, submit, review, approve per level, notice, award...), and
an open objection on those held in public notice. No quotas (so no limit is exceeded), no
attachments, orders or exemplary models."""

import datetime

from django.utils import timezone

from apps.commendations.models import AwardKind, Decision, Nomination, Objection
from apps.commendations.services import KIND_ORDER

from .context import NOMINATIONS_PER_PERSON, Ctx
from .people import pick

S = Nomination.Status
STATUS_MIX = [
    (S.DRAFT, 8),
    (S.SUBMITTED, 10),
    (S.APPROVING, 17),
    (S.NOTICE, 4),
    (S.OBJECTED, 1),
    (S.AWARDED, 45),
    (S.REJECTED, 9),
    (S.WITHDRAWN, 6),
]
AWARD_MIX = [
    ("circular_praise", 28),
    ("commendation", 28),
    ("merit_third", 12),
    ("merit_second", 4),
    ("merit_first", 1),
    ("honorary_title", 1),
    ("excellent_member", 10),
    ("excellent_party_worker", 4),
    ("advanced_party_group", 8),
    ("advanced_party_org", 4),
]
DEEDS = [
    "在抗洪抢险救援中冲锋在前，连续奋战七十二小时，成功转移被困群众。",
    "扎根基层，带领班组圆满完成年度执勤训练任务，多次在比武中获奖。",
    "在高层建筑火灾扑救中主动请缨，深入内攻搜救，表现英勇。",
    "认真履行党建工作职责，党组织战斗堡垒作用发挥明显。",
]
FIELDS = ["id", "unit_id", "award_kind_id", "year", "subject_person_id", "subject_unit_id"]
FIELDS += ["subject_organisation_id", "deeds", "status", "current_level_id", "waiting_since"]
FIELDS += ["notice_ends_on", "drafted_by_id", "created_at"]
# ``approved_on`` (the final approval's date, quotas count by it) is new: written when present.
HAS_APPROVED_ON = any(f.name == "approved_on" for f in Nomination._meta.concrete_fields)
if HAS_APPROVED_ON:
    FIELDS += ["approved_on"]
DECISION_FIELDS = ["nomination_id", "actor_id", "action", "from_status", "to_status", "level_id"]
DECISION_FIELDS += ["comment", "at"]


def approval_levels(ctx: Ctx, unit, approving_kind: str) -> list:
    """As ``apps.commendations.services.approval_levels``, from the in-memory tree."""
    target = KIND_ORDER.index(approving_kind)
    if KIND_ORDER.index(unit.kind) >= target:
        return [unit]
    levels = []
    for end in range(len(unit.path) - 4, 0, -4):
        level = ctx.by_path[unit.path[:end]]
        levels.append(level)
        if KIND_ORDER.index(level.kind) >= target:
            break
    return levels


class Path:
    """The decisions of one nomination, in order, one to five days apart."""

    def __init__(self, rnd, start):
        self.rnd, self.at, self.steps = rnd, start, []

    def add(self, actor, action, before, after, level=None, comment=""):
        self.at += datetime.timedelta(days=self.rnd.randint(1, 5), minutes=self.rnd.randint(0, 600))
        self.steps.append((actor, action, before, after, level, comment))
        self.steps[-1] += (self.at,)


def _walk(ctx, rnd, status, levels, kind, start, users):
    """The decision path that ends in ``status``; returns (path, current level, notice end)."""
    drafter, approver, clerk = users
    path = Path(rnd, start)
    path.add(drafter, "create", "", S.DRAFT)
    current, notice_end = None, None
    if status == S.DRAFT:
        if rnd.random() < 0.3:
            path.add(drafter, "submit", S.DRAFT, S.SUBMITTED, levels["unit"])
            path.add(approver, "return", S.SUBMITTED, S.DRAFT, levels["unit"], "请补充事迹材料")
        return path, current, notice_end
    if status == S.WITHDRAWN and rnd.random() < 0.4:
        path.add(drafter, "withdraw", S.DRAFT, S.WITHDRAWN)
        return path, current, notice_end
    path.add(drafter, "submit", S.DRAFT, S.SUBMITTED, levels["unit"])
    if status == S.SUBMITTED:
        return path, levels["unit"], notice_end
    if status in (S.WITHDRAWN, S.REJECTED) and rnd.random() < 0.4:
        action, actor = ("withdraw", drafter) if status == S.WITHDRAWN else ("reject", approver)
        comment = "" if status == S.WITHDRAWN else "事迹不够突出"
        path.add(actor, action, S.SUBMITTED, status, levels["unit"] if actor == approver else None, comment)
        return path, current, notice_end
    chain = levels["approval"]
    path.add(approver, "review", S.SUBMITTED, S.APPROVING, levels["unit"])
    stop = {S.APPROVING: rnd.randrange(len(chain)), S.WITHDRAWN: rnd.randrange(len(chain))}
    stop[S.REJECTED] = rnd.randrange(len(chain))
    for i, level in enumerate(chain):
        if status in stop and i == stop[status]:
            if status == S.REJECTED:
                path.add(approver, "reject", S.APPROVING, S.REJECTED, level, "名额有限，未予通过")
            elif status == S.WITHDRAWN:
                path.add(drafter, "withdraw", S.APPROVING, S.WITHDRAWN)
            return path, level if status == S.APPROVING else None, notice_end
        last = i == len(chain) - 1
        path.add(approver, "approve", S.APPROVING, S.NOTICE if last else S.APPROVING, level)
    notice_end = path.at.date() + datetime.timedelta(days=kind.notice_days)
    if status == S.OBJECTED:
        path.add(clerk, "object", S.NOTICE, S.OBJECTED, None, "对事迹真实性有疑问")
    elif status == S.AWARDED:
        path.at = max(
            path.at, ctx.now.replace(year=notice_end.year, month=notice_end.month, day=notice_end.day)
        )
        path.add(drafter, "award", S.NOTICE, S.AWARDED, None, "公示期满无异议，系统自动授予")
    return path, current, notice_end


def _pick_subject(ctx, rnd, kind, squads):
    """(person id, organisation, unit) of one nomination of ``kind``."""
    person = org = None
    if kind.code == "advanced_party_org":
        branch_unit = ctx.ancestor(rnd.choice(squads), "station")
        org, unit = ctx.orgs[branch_unit.pk], ctx.ancestor(branch_unit, "battalion")
    elif kind.code == "advanced_party_group":
        squad = rnd.choice(squads)
        org, unit = ctx.orgs[squad.pk], ctx.ancestor(squad, "station")
    else:
        chosen = rnd.choice(ctx.people)
        squad = ctx.by_id[chosen.unit_id]
        unit = ctx.ancestor(squad, "station" if rnd.random() < 0.7 else "battalion")
        person = chosen.id
    return person, org, unit


def _subject(ctx, rnd, kind, squads, year, live, *, counts: bool):
    """A subject not already nominated for ``kind`` in ``year`` by a live nomination (the
    database allows one: ``nomination_once_per_subject_*``); ``free`` is False when every
    try collided (the caller then withdraws this one)."""
    for _ in range(20):
        person, org, unit = _pick_subject(ctx, rnd, kind, squads)
        key = (kind.pk, year, person, getattr(org, "pk", org))
        if not counts or key not in live:
            if counts:
                live.add(key)
            return person, org, unit, True
    return person, org, unit, False


def create_nominations(ctx: Ctx) -> None:
    rnd = ctx.rng("nominations")
    kinds = {k.code: k for k in AwardKind.objects.all()}
    users = tuple(ctx.user(r).pk for r in ("drafter", "approver", "clerk"))
    n = round(len(ctx.people) * NOMINATIONS_PER_PERSON)
    ids = ctx.writer.reserve_ids(Nomination, n)
    squads = ctx.of_kind("squad")
    rows, decisions, objections = [], [], []
    live = set()  # (kind, year, subject) of nominations not rejected or withdrawn: one each
    for pk in ids:
        status, kind = pick(rnd, STATUS_MIX), kinds[pick(rnd, AWARD_MIX)]
        closed = status in (S.AWARDED, S.REJECTED, S.WITHDRAWN)
        year = ctx.today.year - (1 if closed and rnd.random() < 0.6 else 0)
        person, org, unit, free = _subject(
            ctx, rnd, kind, squads, year, live, counts=status not in (S.REJECTED, S.WITHDRAWN)
        )
        if not free:
            status, closed = S.WITHDRAWN, True
        levels = {
            "unit": unit.pk,
            "approval": [u.pk for u in approval_levels(ctx, unit, kind.approving_kind)],
        }
        if year < ctx.today.year:  # a finished case of last year
            start = ctx.now.replace(year=year, month=3, day=1) + datetime.timedelta(days=rnd.randint(0, 240))
        else:  # open cases end close to today
            start = ctx.now - datetime.timedelta(days=rnd.randint(60, 150))
        path, current, notice_end = _walk(ctx, rnd, status, levels, kind, start, users)
        if status in (S.NOTICE, S.OBJECTED):
            notice_end = max(notice_end, ctx.today)
        waiting = path.at if status in (S.SUBMITTED, S.APPROVING) else None
        row = (pk, unit.pk, kind.pk, year, person, None, org, rnd.choice(DEEDS), status, current, waiting)
        row += (notice_end, users[0], start)
        if HAS_APPROVED_ON:
            final = [at for _, action, _, after, _, _, at in path.steps if after == S.NOTICE]
            row += (timezone.localtime(final[-1]).date() if final else None,)
        rows.append(row)
        decisions += [(pk, *step) for step in path.steps]
        if status == S.OBJECTED:
            objections.append((pk, users[2], "对事迹真实性有疑问", path.at))
    w = ctx.writer
    ctx.figures["nominations"] = w.insert(Nomination, FIELDS, rows)
    ctx.figures["nomination_decisions"] = w.insert(Decision, DECISION_FIELDS, decisions)
    ctx.figures["objections"] = w.insert(
        Objection, ["nomination_id", "raised_by_id", "reason", "raised_at"], objections
    )
