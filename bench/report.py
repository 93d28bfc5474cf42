"""One table for every figure, each beside its target; the same rows as JSON.

A figure is a dict: ``section``, ``figure``, ``scope``, ``median_ms``, ``p95_ms``,
``queries``, ``value`` (the figure the target is about: a ratio, milliseconds, requests/s),
``unit``, ``target`` (text such as ``"≤ 1.5"``), ``met`` (True/False/None when there is no
target) and ``note`` (what limits it, when a target is not met; or what was measured).
"""

import json
import operator
from pathlib import Path

COMPARE = {"≤": operator.le, "≥": operator.ge}
COLUMNS = [
    ("section", "section", 11, "<"),
    ("figure", "figure", 42, "<"),
    ("scope", "scope", 11, "<"),
    ("median_ms", "median", 8, ">"),
    ("p95_ms", "p95", 8, ">"),
    ("queries", "queries", 8, ">"),
    ("value", "value", 10, ">"),
    ("target", "target", 11, ">"),
    ("met", "met", 5, ">"),
]


def figure(section, name, scope="", *, median=None, p95=None, queries=None, value=None, unit="",
           target=None, note="", **extra) -> dict:  # fmt: skip
    """A figure row; ``met`` is worked out from ``target`` ("≤ 3", "≥ 5") and ``value``."""
    met = None
    if target is not None:
        sign, bound = target.split()
        met = value is not None and COMPARE[sign](value, float(bound))
    return {
        "section": section,
        "figure": name,
        "scope": scope,
        "median_ms": _round(median),
        "p95_ms": _round(p95),
        "queries": queries,
        "value": _round(value),
        "unit": unit,
        "target": f"{target} {unit}".strip() if target else None,
        "met": met,
        "note": note,
        **extra,
    }


def _round(x):
    return round(x, 1) if isinstance(x, float) else x


def _cell(row, key):
    value = row.get(key)
    if key == "met":
        return {True: "yes", False: "NO", None: ""}[value]
    if value is None:
        return ""
    if key == "value" and row.get("unit"):
        return f"{value}{row['unit'] if row['unit'] in ('x', 's') else ' ' + row['unit']}"
    return str(value)


def render(figures: list[dict], meta: dict) -> str:
    lines = [
        f"OrgPortal bench · {meta.get('data', '')} · {meta.get('started', '')} · "
        f"load average {meta.get('loadavg_start')} → {meta.get('loadavg_end')}",
        "".join(f"{title:{align}{width}}" for _, title, width, align in COLUMNS) + "  note",
    ]
    for row in figures:
        cells = "".join(f"{_cell(row, key)[:width]:{align}{width}}" for key, _, width, align in COLUMNS)
        lines.append(f"{cells}  {row.get('note') or ''}".rstrip())
    missed = [r for r in figures if r["met"] is False]
    lines.append(
        f"Targets: {sum(1 for r in figures if r['met'])} met, {len(missed)} not met"
        + (":" if missed else ".")
    )
    for r in missed:
        lines.append(
            f"  - {r['figure']} @ {r['scope'] or '-'}: {_cell(r, 'value')} vs {r['target']} — {r['note']}"
        )
    return "\n".join(lines)


def write(path: Path, figures: list[dict], meta: dict, extra: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"meta": meta, "figures": figures, **extra}, ensure_ascii=False, indent=2, default=str)
    )
