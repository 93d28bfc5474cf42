"""``make bench`` end to end at a tiny scale: generated data, every part of the harness
(lists, plain-guardian comparison, operations, a short gunicorn + locust load run), every
figure with a value, and the JSON written where asked (never into bench/results here)."""

import json

import pytest
from django.db import connection

from bench import run as bench_run
from bench.generate import generate

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the gunicorn subprocess must see the data
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bench is written for PostgreSQL"),
]


def test_the_bench_harness_runs_end_to_end_at_a_tiny_scale(tmp_path):
    generate(scale=0.01, seed=7, root_code="SMOKE")
    out = tmp_path / "latest.json"
    args = bench_run.parser().parse_args(
        [
            "--code",
            "SMOKE",
            "--repeat",
            "2",
            "--import-rows",
            "40",
            "--load-seconds",
            "2",
            "--step-seconds",
            "1",
            "--max-users",
            "1",
            "--workers",
            "2",
            "--out",
            str(out),
            "--workdir",
            str(tmp_path / "load"),
        ]  # fmt: skip
    )
    result = bench_run.run(args)

    written = json.loads(out.read_text())
    figures = written["figures"]
    assert figures == json.loads(json.dumps(result["figures"], default=str))
    assert {f["section"] for f in figures} == {"lists", "pages", "guardian", "operations", "load"}
    missing = [(f["figure"], f["scope"]) for f in figures if f["value"] is None]
    assert not missing, missing
    lists = [f for f in figures if f["section"] == "lists"]
    assert {f["scope"] for f in lists} == {"station", "detachment", "corps", "root"}
    # levels x endpoints x (real / plain DRF, real / hand-SQL view, the two floors, bare SQL)
    assert len(lists) == 4 * 3 * 5
    assert {f["figure"].split(" ")[0] for f in lists} == {"API", "plain", "hand-SQL", "bare"}
    assert all(f["queries"] for f in lists)
    targets = [f for f in figures if f["target"]]
    assert all(f["met"] in (True, False) for f in targets)
    assert {"detachment", "corps"} <= {
        f["scope"] for f in figures if f["section"] == "guardian" and f["target"]
    }
    assert any(f["figure"] == "held run: p95" for f in figures)
    assert written["load"]["held"]["requests"] > 0
    assert "Targets:" in result["table"]
