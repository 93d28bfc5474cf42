"""Server time of the pages people open first (issues 17 and 19): each role's workbench
home, the HQ board, and the heaviest admin changelists, at station and corps scope.

Targets: a station's home ≤ 100 ms p95; the corps board, the admin index and the heaviest
changelists ≤ 150 ms p95 (issue 19; the workbench issue asked ≤ 300 ms p95 of the corps
home); query counts constant (asserted in the tests)."""

from contextlib import contextmanager

from django.db import transaction
from django.test import Client

from apps.talks.models import CoverageSnapshot
from apps.talks.tasks import coverage_snapshots_store

from .common import Level, bench_user, count_queries, timed
from .report import figure

CHANGELISTS = [
    "/admin/talks/talkrecord/",
    "/admin/people/person/",
    "/admin/commendations/nomination/",
    "/admin/reports/zeroreport/",
    "/admin/reports/dailycompliance/",
]


@contextmanager
def _rolled_back():
    """A transaction undone at the end: the test client's requests run on this thread's
    connection and see its rows; the bench database is left as it was."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _page(client, url):
    def run():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    return run


def _figure(name, scope, run, repeat, target=None, limit=None):
    t = timed(run, repeat)
    met = "" if limit is None else ("met" if t.p95 <= limit else "not met")
    return figure(
        "pages",
        name,
        scope,
        median=t.median,
        p95=t.p95,
        queries=count_queries(run),
        value=t.p95,
        unit="ms p95",
        target=target,
        note=met,
    )


def measure(levels: list[Level], repeat: int) -> list[dict]:
    figures = []
    by_name = {level.name: level for level in levels}
    station, corps = by_name.get("station"), by_name.get("corps")
    if station is not None:
        client = Client()
        client.force_login(bench_user("page_station", station.unit, role="unit_admin"))
        figures.append(_figure("workbench home /", "station", _page(client, "/"), repeat, "≤ 100", 100))
    if corps is not None:
        client = Client()
        client.force_login(bench_user("page_hq", corps.unit, role="hq_admin"))
        figures.append(_figure("workbench home /", "corps", _page(client, "/"), repeat, "≤ 300", 300))
        with _rolled_back():  # whatever the database holds, the board counts live here
            CoverageSnapshot.objects.all().delete()
            figures.append(
                _figure("board /board/, coverage counted live", "corps", _page(client, "/board/"), repeat)
            )
            figures.append(
                _figure(
                    "admin index /admin/, coverage counted live", "corps", _page(client, "/admin/"), repeat
                )
            )
        with _rolled_back():
            # what the nightly task leaves for the day (talks.tasks.nightly_talk_figures): the
            # board and the admin index read the stored coverage, as in production after 01:30
            coverage_snapshots_store()
            figures.append(
                _figure("workbench board /board/", "corps", _page(client, "/board/"), repeat, "≤ 150", 150)
            )
            figures.append(
                _figure(
                    "admin index (board) /admin/", "corps", _page(client, "/admin/"), repeat, "≤ 150", 150
                )
            )
        for url in CHANGELISTS:
            figures.append(_figure(f"changelist {url}", "corps", _page(client, url), repeat, "≤ 150", 150))
    return figures
