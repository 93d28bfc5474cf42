"""Deterministic province-scale data: a corps with detachments, battalions, stations, squads,
people and talk records, written with bulk inserts (paths computed directly, no per-row save).

Scale 1.0 is ARCHITECTURE.md's province: 12 detachments, 120 battalions, 600 stations, 3,000
squads, 30,000 people, 300,000 talk records. A smaller scale shrinks every level by the same
factor (each at least 1). Evaluations, nominations and zero-reports are not generated yet.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.people.models import Person, UnitMembership, id_number_check_digit
from apps.talks.models import TalkRecord
from apps.units.models import Unit

FULL = {"detachment": 12, "battalion": 10, "station": 5, "squad": 5, "people": 10, "talks": 10}
CHAIN = ["detachment", "battalion", "station", "squad"]
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def counts(scale: float) -> dict:
    factor = min(1.0, scale) ** (1 / 6)
    return {k: max(1, round(v * factor)) for k, v in FULL.items()}


def _step(i: int) -> str:
    out = ""
    for _ in range(4):
        i, r = divmod(i, 36)
        out = ALPHABET[r] + out
    return out


@transaction.atomic
def generate(*, scale: float = 1.0, seed: int = 2026, root_code: str = "GEN") -> dict:
    rnd = random.Random(seed)
    c = counts(scale)
    roots = Unit.get_root_nodes().count()
    corps = Unit(
        path=_step(roots + 1),
        depth=1,
        numchild=c["detachment"],
        name="生成总队",
        code=root_code,
        kind="corps",
    )
    units, level = [corps], [corps]
    for depth, kind in enumerate(CHAIN, start=2):
        children_each = c[CHAIN[depth - 1]] if depth - 1 < len(CHAIN) else 0
        nxt = []
        for parent in level:
            for i in range(1, c[kind] + 1):
                unit = Unit(
                    path=parent.path + _step(i),
                    depth=depth,
                    numchild=children_each if kind != "squad" else 0,
                    name=f"{parent.name}{i}{ {'detachment': '支队', 'battalion': '大队', 'station': '站', 'squad': '班'}[kind] }",
                    code=f"{parent.code}-{i}",
                    kind=kind,
                )
                nxt.append(unit)
        units += nxt
        level = nxt
    Unit.objects.bulk_create(units, batch_size=2000)
    squads = list(Unit.objects.filter(code__startswith=f"{root_code}-", kind="squad").order_by("path"))
    people, serial = [], 0
    for squad in squads:
        for _ in range(c["people"]):
            serial += 1
            birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=serial % 9000)
            first17 = f"52{serial // 1000 % 10000:04d}{birth:%Y%m%d}{serial % 1000:03d}"
            people.append(
                Person(
                    name=f"队员{serial}",
                    gender="M",
                    id_number=first17 + id_number_check_digit(first17),
                    unit=squad,
                    political_status=rnd.choice(["full_member", "masses", "league"]),
                )
            )
    Person.objects.bulk_create(people, batch_size=5000)
    UnitMembership.objects.bulk_create(
        [UnitMembership(person=p, unit=p.unit, start_date=datetime.date(2020, 1, 1)) for p in people],
        batch_size=5000,
    )
    talker, _ = get_user_model().objects.get_or_create(
        username=f"{root_code.lower()}_talker", defaults={"is_superuser": True}
    )
    today = timezone.localdate()
    talks = []
    for p in people:
        for _ in range(c["talks"]):
            talks.append(
                TalkRecord(
                    unit_id=p.unit_id,
                    person=p,
                    talker=talker,
                    date=today - datetime.timedelta(days=rnd.randint(0, 720)),
                    kind="routine",
                )
            )
        if len(talks) >= 20000:
            TalkRecord.objects.bulk_create(talks, batch_size=5000)
            talks = []
    TalkRecord.objects.bulk_create(talks, batch_size=5000)
    return {
        "units": len(units),
        "people": len(people),
        "talks": len(people) * c["talks"],
        **{f"per_{k}": v for k, v in c.items()},
    }
