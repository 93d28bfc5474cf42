"""What the generation steps share: sizes, the seed, the clock, the writer and what earlier
steps produced (units, party organisations, people, users)."""

import datetime
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

from django.contrib.auth import get_user_model

from .writer import Writer

# Scale 1.0, per parent (ARCHITECTURE.md "Scale the design must hold").
FULL = {"detachment": 12, "battalion": 10, "station": 5, "squad": 5, "people": 10, "talks": 10}
CHAIN = ["detachment", "battalion", "station", "squad"]
REPORTING_KINDS = ("corps", "detachment", "battalion", "station")

# Whole-corps figures at scale 1.0 that are not "n per parent".
EVALUATION_YEARS = 2  # annual assessment of every person, last year and the year before
NOMINATIONS_PER_PERSON = 2 / 3  # 20,000 for 30,000 people
ZERO_REPORT_DAYS = 1393  # 733 reporting units x 1,393 days = 1,021,069 unit-days
ZERO_REPORTS = 1_000_000  # filed at scale 1.0; the other 21,069 unit-days are missing
FULL_REPORTING_UNITS = 1 + 12 + 120 + 600


def counts(scale: float) -> dict:
    """Children per parent (and people per squad, talks per person) at ``scale``: every level
    shrinks by the same factor, so the leaves shrink by about ``scale``; each is at least 1."""
    factor = min(1.0, scale) ** (1 / 6)
    return {k: max(1, round(v * factor)) for k, v in FULL.items()}


def zero_report_days(scale: float) -> int:
    """Days of zero-reports: proportional to the scale (a week at least)."""
    return max(7, round(ZERO_REPORT_DAYS * min(1.0, scale)))


def expected(scale: float) -> dict:
    """Rows per table that ``generate(scale=...)`` writes (the tests hold it to this)."""
    c = counts(scale)
    detachments = c["detachment"]
    battalions = detachments * c["battalion"]
    stations = battalions * c["station"]
    squads = stations * c["squad"]
    people = squads * c["people"]
    reporting = 1 + detachments + battalions + stations
    unit_days = reporting * zero_report_days(scale)
    units = 1 + detachments + battalions + stations + squads
    return {
        "units": units,
        "party_organisations": units,
        "people": people,
        "talks": people * c["talks"],
        "evaluations": people * EVALUATION_YEARS + squads,
        "nominations": round(people * NOMINATIONS_PER_PERSON),
        "zero_reports": round(ZERO_REPORTS * unit_days / (FULL_REPORTING_UNITS * ZERO_REPORT_DAYS)),
        "daily_compliance": unit_days,
    }


class PersonRow(NamedTuple):
    id: int
    unit_id: int  # the squad
    status: str
    party_member: bool
    since: datetime.date  # start of the open unit membership


@dataclass
class Ctx:
    seed: int
    scale: float
    root_code: str
    today: datetime.date
    now: datetime.datetime  # the generation instant: start of ``today`` (deterministic)
    log: callable
    writer: Writer = None
    c: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    corps: object = None
    root_position: int = 0  # the corps's position among the unit roots (in id numbers)
    units: list = field(default_factory=list)  # Unit objects of the corps, by path
    by_path: dict = field(default_factory=dict)
    by_id: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)  # unit id -> party organisation id
    people: list = field(default_factory=list)  # PersonRow, in squad path order

    def rng(self, step: str) -> random.Random:
        """One generator per step, so that a change in one step leaves the others' rows alone."""
        return random.Random(f"{self.seed}:{step}")

    def of_kind(self, *kinds: str) -> list:
        return [u for u in self.units if u.kind in kinds]

    def ancestor(self, unit, kind: str):
        """``unit`` itself or its nearest ancestor of ``kind``."""
        for end in range(len(unit.path), 0, -4):
            candidate = self.by_path.get(unit.path[:end])
            if candidate is not None and candidate.kind == kind:
                return candidate
        return None

    def user(self, role: str, **defaults):
        if role not in self.users:
            self.users[role], _ = get_user_model().objects.get_or_create(
                username=f"{self.root_code.lower()}_{role}", defaults=defaults
            )
        return self.users[role]

    @contextmanager
    def step(self, name: str):
        """Time one step and print what it wrote (``self.figures`` entries added meanwhile)."""
        before = set(self.figures)
        started = time.monotonic()
        yield
        elapsed = time.monotonic() - started
        self.timings[name] = round(elapsed, 1)
        written = ", ".join(f"{k} {v:,}" for k, v in self.figures.items() if k not in before)
        self.log(f"{name:<24} {elapsed:7.1f}s  {written}")
