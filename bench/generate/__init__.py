"""Deterministic province-scale data (``manage.py generate_province``), for the benchmarks.

Scale 1.0 is ARCHITECTURE.md's province, in one new corps (a new root of the unit tree):

=====================  =========  ============================================================
table                  scale 1.0  how
=====================  =========  ============================================================
units                      3,733  1 corps, 12 detachments, 120 battalions, 600 stations, 3,000 squads
party organisations        3,733  a committee per corps/detachment/battalion, a branch per
                                  station, a party group per squad
people                    30,000  10 per squad; unit memberships (10 % transferred in),
                                  political status changes, branch + group memberships
talk records             300,000  10 per person over 720 days, encrypted content; follow-ups
evaluations               63,000  年度考核 of every person for two years (the older published)
                                  + 党小组量化评比 of every group; 2 evaluators per leaf
                                  criterion; totals, grades and ranks computed in SQL
nominations               20,000  every state, with their decision rows (and open objections)
zero-reports           1,000,000  733 reporting units x 1,393 days up to yesterday, ~2 %
                                  missing, ~4 % late, ~3 % with items
daily compliance       1,021,069  the deadline sweep's verdict for every unit and day
=====================  =========  ============================================================

A smaller ``scale`` shrinks every level of the tree by the same factor (each at least 1:
see ``counts``); people, talks, evaluations and nominations follow the tree; the zero-report
days shrink in proportion to the scale (``expected`` gives every table's row count).

The same ``seed`` (and the same ``today``) writes the same rows: every step draws from its
own ``random.Random(f"{seed}:{step}")`` and timestamps are counted from the start of
``today``. Only ids, the corps's root position (in tree paths and in id numbers), Fernet
ciphertexts and ``auto_now`` columns differ between two runs (``digest`` leaves them out).

Rows are written by COPY FROM STDIN on PostgreSQL and ``bulk_create`` elsewhere
(``writer.py``), never by ``save()``: model invariants are kept by construction (tree paths
and ``numchild``, id-number check characters, one open membership per person, one live
evaluation per subject and period, nomination decisions matching their state, one zero-report
and one compliance verdict per unit and day). Not written: django-simple-history rows (bulk
data has no history), notifications, content-read logs, quotas, meetings and weekly reports.
"""

import datetime

from django.db import connection, transaction
from django.utils import timezone

from . import commendations, evaluations, people, reports, talks, tree
from .context import Ctx, counts, expected
from .digest import digest
from .writer import Writer

__all__ = ["counts", "digest", "expected", "generate"]

STEPS = [
    ("units", tree.create_units),
    ("party organisations", tree.create_party_organisations),
    ("people", people.create_people),
    ("memberships", people.create_memberships),
    ("talk records", talks.create_talks),
    ("evaluations", evaluations.create_evaluations),
    ("evaluation ranking", evaluations.rank_evaluations),
    ("nominations", commendations.create_nominations),
    ("zero-reports", reports.create_zero_reports),
    ("daily compliance", reports.create_compliance),
]
ANALYZED = [
    "units_unit",
    "party_partyorganisation",
    "people_person",
    "people_unitmembership",
    "people_partymembership",
    "talks_talkrecord",
    "talks_followup",
    "evaluations_evaluation",
    "evaluations_score",
    "commendations_nomination",
    "commendations_decision",
    "reports_zeroreport",
    "reports_dailycompliance",
]


def generate(
    *,
    scale: float = 1.0,
    seed: int = 2026,
    root_code: str = "GEN",
    today: datetime.date | None = None,
    log=None,
) -> dict:
    """Write one generated corps; returns rows written per table, ``timings`` (seconds per
    step) and the per-parent sizes (``per_detachment``...). ``log`` gets one line per step."""
    today = today or timezone.localdate()
    ctx = Ctx(
        seed=seed,
        scale=scale,
        root_code=root_code,
        today=today,
        now=timezone.make_aware(datetime.datetime.combine(today, datetime.time())),
        log=log or (lambda line: None),
    )
    ctx.writer = Writer(ctx.now)
    ctx.c = counts(scale)
    with transaction.atomic():
        for name, function in STEPS:
            with ctx.step(name):
                function(ctx)
    if connection.vendor == "postgresql":
        with ctx.step("analyze"), connection.cursor() as cursor:
            for table in ANALYZED:
                cursor.execute(f"ANALYZE {table}")
    return {
        **ctx.figures,
        "timings": ctx.timings,
        **{f"per_{k}": v for k, v in ctx.c.items()},
    }
