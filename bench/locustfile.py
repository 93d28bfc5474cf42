"""Load mix for ``bench.load`` (locust, headless): scoped reads and some writes by API token.

``BENCH_LOAD_CONFIG`` names a JSON file written by ``bench.load``::

    {"secretaries": [{"level", "token", "person", "talk"}, ...],   # station, detachment, corps
     "station_admin": {"token", "unit"}, "today": "YYYY-MM-DD", "yesterday": "YYYY-MM-DD"}

Secretaries (granted at a station, a detachment and the corps) list people, talk records and
nominations, open a talk record, and record a talk; a station administrator lists and
files the station's zero-report. No think time: each simulated user sends its next request
as soon as the previous one is answered, so the rate is set by the number of users.
"""

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, constant, task

CONFIG = json.loads(Path(os.environ["BENCH_LOAD_CONFIG"]).read_text(encoding="utf-8"))
_turn = itertools.count()


class Secretary(FastHttpUser):
    weight = 4
    wait_time = constant(0)

    def on_start(self):
        self.me = CONFIG["secretaries"][next(_turn) % len(CONFIG["secretaries"])]
        self.headers = {"Authorization": f"Token {self.me['token']}"}

    def get(self, url, name):
        self.client.get(url, headers=self.headers, name=f"{name} [{self.me['level']}]")

    @task(3)
    def people(self):
        self.get("/api/people/", "GET /api/people/")

    @task(3)
    def talks(self):
        self.get("/api/talks/records/", "GET /api/talks/records/")

    @task(2)
    def nominations(self):
        self.get("/api/commendations/nominations/", "GET /api/commendations/nominations/")

    @task(1)
    def talk_detail(self):
        self.get(f"/api/talks/records/{self.me['talk']}/", "GET /api/talks/records/<id>/")

    @task(1)
    def record_talk(self):
        self.client.post(
            "/api/talks/records/",
            json={
                "person": self.me["person"],
                "date": CONFIG["today"],
                "kind": "routine",
                "place": "基准压测",
                "state_of_mind": "压测生成的谈话记录",
            },
            headers=self.headers,
            name=f"POST /api/talks/records/ [{self.me['level']}]",
        )


class StationAdmin(FastHttpUser):
    weight = 1
    wait_time = constant(0)

    def on_start(self):
        self.headers = {"Authorization": f"Token {CONFIG['station_admin']['token']}"}

    @task(2)
    def zero_reports(self):
        self.client.get(
            "/api/reports/zero-reports/", headers=self.headers, name="GET /api/reports/zero-reports/"
        )

    @task(1)
    def file_zero_report(self):
        """Files yesterday's report. Only the first filing is written: a report is not filed
        twice (corrections have their own service), so every later POST is answered 400 with
        the "已报送" message, which is the right answer here and counted as a success."""
        with self.client.post(
            "/api/reports/zero-reports/",
            json={
                "unit": CONFIG["station_admin"]["unit"],
                "report_date": CONFIG["yesterday"],
                "note": "基准压测",
            },
            headers=self.headers,
            name="POST /api/reports/zero-reports/",
            catch_response=True,
        ) as response:
            if response.status_code == 201 or (response.status_code == 400 and "已" in response.text):
                response.success()
            else:
                response.failure(f"{response.status_code}: {response.text[:200]}")
