"""Benchmarks against generated data (``manage.py generate_province``): scoped API list
latency and query counts per scope level, against the best hand-written SQL for the same
rows. Prints one table and writes ``bench/results/latest.json``. Not part of the tests.

Usage: DATABASE_URL=... .venv/bin/python -m bench.run [--code GEN] [--repeat 20]
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orgportal.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from apps.access.models import Grant, Role  # noqa: E402
from apps.units.models import Unit  # noqa: E402

RAW_TALKS = """
SELECT t.id, t.date, t.kind, t.place, t.person_id, p.name, t.unit_id, u.name, t.has_warning_signs
FROM talks_talkrecord t JOIN people_person p ON p.id = t.person_id JOIN units_unit u ON u.id = t.unit_id
WHERE t.unit_id IN (SELECT id FROM units_unit WHERE path LIKE %s)
ORDER BY t.date DESC, t.id DESC LIMIT 50
"""


def user_at(unit, label):
    user, _ = get_user_model().objects.get_or_create(username=f"bench_{label}", defaults={"is_staff": True})
    Grant.objects.get_or_create(user=user, unit=unit, role=Role.objects.get(code="secretary"))
    return user


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--code", default="GEN")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    corps = Unit.objects.get(code=args.code)
    levels = {
        "station": Unit.objects.filter(path__startswith=corps.path, kind="station").order_by("path").first(),
        "detachment": Unit.objects.filter(path__startswith=corps.path, kind="detachment")
        .order_by("path")
        .first(),
        "corps": corps,
    }
    rows = []
    for level, unit in levels.items():
        client = APIClient()
        client.force_authenticate(user_at(unit, level))
        for url in ["/api/people/", "/api/talks/records/", "/api/commendations/nominations/"]:
            client.get(url)
            queries = []
            with connection.execute_wrapper(
                lambda execute, sql, *a, q=queries: q.append(sql) or execute(sql, *a)
            ):
                client.get(url)
            median, p95 = timed(lambda u=url, c=client: c.get(u), args.repeat)
            row = {
                "level": level,
                "endpoint": url,
                "median_ms": round(median, 1),
                "p95_ms": round(p95, 1),
                "queries": len(queries),
            }
            if url == "/api/talks/records/":
                with connection.cursor() as cursor:

                    def raw(cursor=cursor, path=unit.path):
                        cursor.execute(RAW_TALKS, [path + "%"])
                        return json.dumps(cursor.fetchall(), default=str)

                    raw_median, _ = timed(raw, args.repeat)
                row["raw_sql_ms"] = round(raw_median, 1)
                row["api_over_raw"] = round(median / raw_median, 1) if raw_median else None
                row["target_api_over_raw"] = 3
            rows.append(row)
    print(
        f"{'level':<11}{'endpoint':<34}{'median':>8}{'p95':>8}{'queries':>9}{'raw SQL':>9}{'API/raw (≤3)':>14}"
    )
    for r in rows:
        print(
            f"{r['level']:<11}{r['endpoint']:<34}{r['median_ms']:>8}{r['p95_ms']:>8}{r['queries']:>9}{r.get('raw_sql_ms', ''):>9}{r.get('api_over_raw', ''):>14}"
        )
    print(
        "Not measured yet: plain-guardian comparison, coverage/ranking/sweep/move/import timings, load run."
    )
    out = Path(__file__).parent / "results" / "latest.json"
    out.write_text(json.dumps(rows, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
