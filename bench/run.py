"""The benchmark suite against generated data (``manage.py generate_province``). Not part of
the tests (``tests/scale/test_bench_smoke.py`` runs it end to end at a tiny scale).

Prints one table, every figure beside its target, and writes it as JSON
(``bench/results/latest.json`` by default):

* ``bench.lists``: scoped API lists (people, talk records, nominations; 50 rows) at station,
  detachment, corps and root, interleaved with a plain-DRF floor and a hand-SQL floor
  (EXPLAIN ANALYZE): ratios real / plain DRF (≤ 1.0) and real / hand-SQL view (≤ 4);
* ``bench.machine``: this machine's hand-SQL floors against the reference run's;
* ``bench.pages``: workbench homes, the HQ board and the heaviest admin changelists;
* ``bench.guardian_compare``: ours against a plain django-guardian per-record design;
* ``bench.operations``: coverage, dashboard, ranking, deadline sweep, unit move, import;
* ``bench.load``: gunicorn + locust, stepped up to the highest rate with p95 ≤ 200 ms.

Usage: DATABASE_URL=... .venv/bin/python -m bench.run [--code GEN] [--repeat 20]
       [--load-seconds 60] [--step-seconds 8] [--skip-load] [--out PATH]
"""

import argparse
import os
import sys
import time
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--code", default="GEN", help="code of the generated corps")
    p.add_argument("--repeat", type=int, default=30, help="timed runs (interleaved rounds for lists)")
    p.add_argument("--import-rows", type=int, default=5000)
    p.add_argument("--load-seconds", type=float, default=60, help="length of the held load run")
    p.add_argument("--step-seconds", type=float, default=8, help="length of each step of the ladder")
    p.add_argument("--max-users", type=int, default=64)
    p.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    p.add_argument("--skip-load", action="store_true")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--workdir", type=Path, default=None, help="gunicorn/locust files (default: a temp dir)")
    return p


def run(args) -> dict:
    """Run every part; returns ``{"meta", "figures", "plans", "load"}`` (also written to --out)."""
    from apps.talks.models import TalkRecord
    from apps.units.models import Unit

    from . import guardian_compare, lists, load, machine, operations, pages, report
    from .common import levels_for

    started = time.time()
    corps = Unit.objects.get(code=args.code)
    levels = levels_for(corps)
    under = Unit.objects.filter(path__startswith=corps.path)
    meta = {
        "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "data": f"{under.count():,} units, "
        f"{TalkRecord.objects.filter(unit__path__startswith=corps.path).count():,} talks under {args.code}",
        "levels": {lv.name: (lv.unit.code if lv.unit else "superuser") for lv in levels},
        "repeat": args.repeat,
        "cpus": os.cpu_count(),
        "loadavg_start": _loadavg(),
    }
    figures, extra = [], {}
    list_figures, extra["plans"] = lists.measure(levels, args.repeat)
    figures += list_figures
    figures += machine.speed(list_figures, under.count())
    figures += pages.measure(levels, args.repeat)
    figures += guardian_compare.measure(levels, args.repeat)
    figures += operations.measure(corps, args.repeat, args.import_rows)
    if not args.skip_load:
        load_figures, extra["load"] = load.measure(
            levels,
            seconds=args.load_seconds,
            step_seconds=args.step_seconds,
            max_users=args.max_users,
            workers=args.workers,
            workdir=args.workdir,
        )
        figures += load_figures
    meta["loadavg_end"] = _loadavg()
    meta["seconds"] = round(time.time() - started, 1)
    report.write(args.out, figures, meta, extra)
    return {"meta": meta, "figures": figures, **extra, "table": report.render(figures, meta)}


def _loadavg():
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return None


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orgportal.settings")
    import django

    django.setup()
    result = run(args)
    print(result["table"])
    print(f"({result['meta']['seconds']} s; written to {args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
