"""How fast this machine is, against the run whose figures docs/scale.md records.

The list targets are ratios against floors measured in the same run, so they hold on any
machine. The page and operation targets are milliseconds (issue 19 asked ≤ 150 ms of the
board and the heaviest changelists), and a slower machine misses them with the same code:
on 2026-12-02 this bench's hand-SQL floors ran ~2x their times of the evening before, and
every page with them. This figure says how much slower (or faster) this machine ran the
very same floors, so that a millisecond figure can be read against its target.
"""

import statistics

from .report import figure

#: hand-SQL view medians (ms) of the 2026-12-01 evening run at scale 1.0 (docs/scale.md)
REFERENCE_MS = {
    ("hand-SQL view /api/people/", "station"): 1.4,
    ("hand-SQL view /api/people/", "detachment"): 1.2,
    ("hand-SQL view /api/people/", "corps"): 1.7,
    ("hand-SQL view /api/people/", "root"): 1.8,
    ("hand-SQL view /api/talks/records/", "station"): 2.2,
    ("hand-SQL view /api/talks/records/", "detachment"): 3.2,
    ("hand-SQL view /api/talks/records/", "corps"): 2.7,
    ("hand-SQL view /api/talks/records/", "root"): 2.7,
    ("hand-SQL view /api/commendations/nominations/", "station"): 2.0,
    ("hand-SQL view /api/commendations/nominations/", "detachment"): 4.0,
    ("hand-SQL view /api/commendations/nominations/", "corps"): 3.3,
    ("hand-SQL view /api/commendations/nominations/", "root"): 3.2,
}
#: the data REFERENCE_MS was measured on (``generate_province --scale 1.0``)
REFERENCE_UNITS = 3733


def speed(list_figures: list[dict], units: int) -> list[dict]:
    """One figure: the median of this run's hand-SQL floors over the reference run's (no
    target). Only at the reference scale: other data gives other floors."""
    if units != REFERENCE_UNITS:
        return []
    ratios = [
        row["median_ms"] / REFERENCE_MS[(row["figure"], row["scope"])]
        for row in list_figures
        if (row["figure"], row["scope"]) in REFERENCE_MS and row["median_ms"]
    ]
    if not ratios:
        return []
    return [
        figure(
            "machine",
            "hand-SQL floors ÷ reference run's",
            "all",
            value=statistics.median(ratios),
            unit="x",
            note="the ms targets were set and met at 1.0x (2026-12-01 evening, docs/scale.md)",
        )
    ]
