"""Load run: gunicorn (sync workers, 2 x cores + 1) on a free loopback port against the same
database, driven by locust headless (``bench/locustfile.py``) on a mix of scoped reads and
writes by users granted at a station, a detachment and the corps.

The user count is stepped up (1, 2, 4, ...; ``step_seconds`` each) until two steps in a row
miss (p95 over 200 ms or a failed request: one noisy step on a shared machine does not end
the ladder); the highest rate that kept p95 ≤ 200 ms with no error is then held for
``seconds`` and reported (requests/s, p50/p95/p99, errors). Talk records the run created
(and the content-read log rows it caused) are deleted afterwards.
"""

import csv
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from apps.people.models import Person
from apps.talks.models import TalkContentAccess, TalkRecord

from .common import Level, bench_user
from .report import figure

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
P95_LIMIT = 200.0


def database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"], safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def identities(levels: list[Level]) -> dict:
    today = timezone.localdate()
    secretaries = []
    for level in levels:
        if level.name not in ("station", "detachment", "corps"):
            continue
        user = bench_user(level.name, level.unit)
        person = Person.objects.filter(unit__path__startswith=level.path_prefix, is_active=True).order_by(
            "pk"
        )
        talk = TalkRecord.objects.filter(unit__path__startswith=level.path_prefix).order_by("pk")
        secretaries.append(
            {
                "level": level.name,
                "token": Token.objects.get_or_create(user=user)[0].key,
                "person": person.values_list("pk", flat=True).first(),
                "talk": talk.values_list("pk", flat=True).first(),
            }
        )
    station = next(level.unit for level in levels if level.name == "station")
    admin = bench_user("station_admin", station, role="unit_admin")
    return {
        "secretaries": secretaries,
        "station_admin": {"token": Token.objects.get_or_create(user=admin)[0].key, "unit": station.pk},
        "today": str(today),
        "yesterday": str(today - datetime.timedelta(days=1)),
        "users": [f"bench_{level.name}" for level in levels] + ["bench_station_admin"],
    }


class Server:
    """gunicorn as a subprocess; ``with Server(workers) as url:``."""

    def __init__(self, workers: int, workdir: Path):
        self.workers, self.workdir = workers, workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # the per-user throttle stays on (its cache round trip is part of each request)
            # but at a rate a handful of bench users cannot reach
            "API_USER_RATE": "1000000000/hour",
        }
        env.pop("DJANGO_ENV", None)
        self.log = open(self.workdir / "gunicorn.log", "w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "orgportal.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.workdir / 'gunicorn.log'}")
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2)
                return self.url
            except urllib.error.HTTPError:
                return self.url  # answering (503 if the broker is down) is enough
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def run_locust(url: str, config: Path, users: int, seconds: float, workdir: Path, tag: str = "step") -> dict:
    prefix = workdir / f"locust_{tag}_{users}u_{seconds:g}s"
    env = {**os.environ, "BENCH_LOAD_CONFIG": str(config)}
    completed = subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(Path(__file__).with_name("locustfile.py")),
            "--headless",
            "--host",
            url,
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{max(1, round(seconds))}s",
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "5",
            "--loglevel",
            "WARNING",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    stats = prefix.with_name(prefix.name + "_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics: {completed.stderr[-2000:]}")
    with open(stats, encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    failures = prefix.with_name(prefix.name + "_failures.csv")
    failure_lines = []
    if failures.exists():
        with open(failures, encoding="utf-8") as handle:
            failure_lines = [f"{r['Name']}: {r['Error']} x{r['Occurrences']}" for r in csv.DictReader(handle)]
    return {
        "users": users,
        "seconds": seconds,
        "requests": int(total["Request Count"]),
        "errors": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "p50": _ms(total["50%"]),
        "p95": _ms(total["95%"]),
        "p99": _ms(total["99%"]),
        "failures": failure_lines[:5],
        "per_endpoint": {
            name: {
                "requests": int(r["Request Count"]),
                "p95": _ms(r["95%"]),
                "errors": int(r["Failure Count"]),
            }
            for name, r in rows.items()
            if name != "Aggregated"
        },
    }


def _ms(value) -> float | None:
    return float(value) if value not in ("", "N/A", None) else None


def passes(step: dict) -> bool:
    return (
        step["requests"] > 0 and step["errors"] == 0 and step["p95"] is not None and step["p95"] <= P95_LIMIT
    )


def measure(levels: list[Level], *, seconds: float, step_seconds: float, max_users: int, workers: int,
            workdir: Path | None = None) -> tuple[list[dict], dict]:  # fmt: skip
    workdir = Path(workdir or tempfile.mkdtemp(prefix="orgportal-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    config_data = identities(levels)
    config = workdir / "load-config.json"
    config.write_text(json.dumps(config_data, ensure_ascii=False))
    last_talk = TalkRecord.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = timezone.now()
    steps, best = [], None
    try:
        with Server(workers, workdir) as url:
            if step_seconds >= 2:  # warm every worker up (imports, connections) first
                run_locust(url, config, workers, min(3, step_seconds), workdir, "warmup")
            users, misses = 1, 0
            while users <= max_users and misses < 2:  # two failing steps in a row end it
                step = run_locust(url, config, users, step_seconds, workdir)
                steps.append(step)
                misses = 0 if passes(step) else misses + 1
                if passes(step) and (best is None or step["rps"] > best["rps"]):
                    best = step
                users *= 2
            held = run_locust(url, config, (best or steps[0])["users"], seconds, workdir, "held")
    finally:
        cleanup(config_data["users"], last_talk, started)
    figures = [
        figure(
            "load",
            f"step: {s['users']} users, {s['seconds']:g} s",
            "mixed",
            median=s["p50"],
            p95=s["p95"],
            value=s["rps"],
            unit="req/s",
            note=f"p99 {s['p99']} ms, {s['requests']} requests, {s['errors']} errors"
            + (f" ({'; '.join(s['failures'])})" if s["failures"] else ""),
        )
        for s in steps
    ]
    limit = _what_limits(held, steps, max_users)
    figures += [
        figure(
            "load",
            f"held {seconds:g} s at {held['users']} users: rate",
            "mixed",
            median=held["p50"],
            p95=held["p95"],
            value=held["rps"],
            unit="req/s",
            note=f"{workers} gunicorn workers; p99 {held['p99']} ms, {held['requests']} requests",
        ),
        figure(
            "load",
            "held run: p95",
            "mixed",
            value=held["p95"],
            unit="ms",
            target=f"≤ {P95_LIMIT:g}",
            note=limit if held["p95"] is None or held["p95"] > P95_LIMIT else f"at {held['rps']:.1f} req/s",
        ),
        figure(
            "load",
            "held run: errors",
            "mixed",
            value=held["errors"],
            target="≤ 0",
            note=("; ".join(held["failures"]) or limit) if held["errors"] else "",
        ),
    ]
    return figures, {"steps": steps, "held": held, "workers": workers, "workdir": str(workdir)}


def _what_limits(held, steps, max_users) -> str:
    if held["errors"]:
        return "requests failed (see the failures)"
    if not any(passes(step) for step in steps):
        return "p95 is over 200 ms even for one user: the slowest endpoint of the mix, not concurrency"
    passed = [step for step in steps if passes(step) and step["users"] == held["users"]]
    if passed:
        return (
            f"at the edge: the {held['users']}-user step passed (p95 {passed[0]['p95']:g} ms) and the "
            f"{held['seconds']:g}-s run at that rate did not; the shared cores (see the load average) decide"
        )
    if steps and passes(steps[-1]):
        return "the user ladder ended before p95 reached 200 ms (raise --max-users)"
    return (
        "CPU: gunicorn workers, PostgreSQL and the load generator share the cores; "
        "more users pushed p95 over 200 ms"
    )


def cleanup(usernames: list[str], last_talk: int, started) -> None:
    """Remove what the load run wrote: talk records (with history) and content-read rows."""
    created = TalkRecord.objects.filter(pk__gt=last_talk, talker__username__in=usernames)
    ids = list(created.values_list("pk", flat=True))
    TalkContentAccess.objects.filter(record_id__in=ids).delete()
    TalkContentAccess.objects.filter(user__username__in=usernames, accessed_at__gte=started).delete()
    TalkRecord.objects.filter(pk__in=ids).delete()
    TalkRecord.history.model.objects.filter(id__in=ids).delete()  # with the deletion rows
