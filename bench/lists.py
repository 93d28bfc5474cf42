"""Scoped API lists (50 rows) at each scope level, measured against two floors in the same
run, interleaved round by round (so a busy machine slows all three alike):

* the real endpoint through the whole request stack (in-process test client);
* the plain-DRF floor (``bench.floors``): a ``ListAPIView`` over the same rows, serializer
  and ordering without the scoping layer, mounted only in ``bench.urls``;
* the hand-SQL floor: a plain Django view (``bench.floors.hand_sql_view``) running one
  statement and answering ``json.dumps`` of the rows, through the same request stack; the
  bare statement (psycopg + ``json``, no request) is timed too, for reference.

Targets (issue 19): real / plain DRF ≤ 1.0, real / hand-SQL view ≤ 4, ≤ 5 queries per request.
Each raw query is checked with ``EXPLAIN ANALYZE`` at every scope level (plans in the JSON).
"""

import json
import time

from django.db import connection
from django.test.utils import override_settings
from rest_framework.test import APIClient

from .common import Level, Timing, bench_user, count_queries, ratio
from .report import figure

SCOPE = "t.unit_id IN (SELECT id FROM units_unit WHERE path LIKE %(prefix)s)"

# The same columns the list serializers send, in the same order as the API; the page is picked
# on the record table first, then joined (50 lookups instead of joining every visible row).
RAW = {
    "/api/people/": """
SELECT t.id, t.name, t.gender, t.birth_date, t.id_number, t.category, t.rank, t.position, t.phone,
       t.unit_id, u.name, t.political_status, t.party_organisation_id, t.party_group_id, t.is_active,
       t.updated_at
FROM people_person t JOIN units_unit u ON u.id = t.unit_id
WHERE u.path LIKE %(prefix)s
ORDER BY u.path, t.name, t.id LIMIT 50""",
    "/api/talks/records/": f"""
SELECT t.id, t.date, t.kind, t.place, t.person_id, p.name, t.unit_id, u.name, a.username,
       t.has_warning_signs, t.created_at,
       (SELECT json_agg(json_build_array(f.id, o.username, f.due_date, f.status, f.completed_on))
        FROM talks_followup f JOIN auth_user o ON o.id = f.owner_id WHERE f.record_id = t.id)
FROM (SELECT * FROM talks_talkrecord t WHERE {SCOPE} ORDER BY t.date DESC, t.id DESC LIMIT 50) t
     JOIN people_person p ON p.id = t.person_id JOIN units_unit u ON u.id = t.unit_id
     JOIN auth_user a ON a.id = t.talker_id
ORDER BY t.date DESC, t.id DESC""",
    "/api/commendations/nominations/": f"""
SELECT t.id, t.unit_id, t.award_kind_id, k.name, t.year, t.subject_person_id, t.subject_unit_id,
       t.subject_organisation_id, COALESCE(sp.name, su.name, so.name), t.deeds, t.status,
       t.current_level_id, t.waiting_since, t.notice_ends_on, t.priority, t.source_note, d.username,
       t.created_at, t.order_id, t.approved_on,
       (SELECT json_agg(json_build_array(s.evaluation_id, s.earlier_award_id))
        FROM commendations_support s WHERE s.nomination_id = t.id)
FROM (SELECT * FROM commendations_nomination t WHERE {SCOPE} ORDER BY t.created_at DESC, t.id DESC
      LIMIT 50) t
     JOIN commendations_awardkind k ON k.id = t.award_kind_id JOIN auth_user d ON d.id = t.drafted_by_id
     LEFT JOIN people_person sp ON sp.id = t.subject_person_id
     LEFT JOIN units_unit su ON su.id = t.subject_unit_id
     LEFT JOIN party_partyorganisation so ON so.id = t.subject_organisation_id
ORDER BY t.created_at DESC, t.id DESC""",
}
ENDPOINTS = list(RAW)
TARGET_PLAIN = "≤ 1.0"
TARGET_SQL = "≤ 4"
TARGET_QUERIES = 5


def raw_sql(url: str, level: Level) -> str:
    return raw_sql_for_prefix(url, level.path_prefix)


def raw_sql_for_prefix(url: str, path_prefix: str) -> str:
    sql = RAW[url]
    if path_prefix:
        return sql
    # root as superuser: every row, no unit restriction
    return sql.replace(SCOPE, "TRUE").replace("WHERE u.path LIKE %(prefix)s", "")


def explain(sql: str, params: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    nodes = []

    def walk(node):
        label = node["Node Type"]
        if node.get("Index Name"):
            label += f" {node['Index Name']}"
        elif node.get("Relation Name"):
            label += f" {node['Relation Name']}"
        nodes.append(label)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    return {"execution_ms": round(plan["Execution Time"], 2), "nodes": nodes}


def interleaved(contenders: dict, rounds: int) -> dict[str, Timing]:
    """Each contender once per round, in turn, after one unmeasured warm-up call each."""
    for fn in contenders.values():
        fn()
    timings = {name: Timing() for name in contenders}
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            timings[name].samples.append((time.perf_counter() - start) * 1000)
    return timings


def measure(levels: list[Level], repeat: int) -> tuple[list[dict], dict]:
    with override_settings(ROOT_URLCONF="bench.urls"):
        return _measure(levels, repeat)


def _measure(levels: list[Level], rounds: int) -> tuple[list[dict], dict]:
    figures, plans = [], {}
    for level in levels:
        user = bench_user(level.name, level.unit)
        client = APIClient()
        client.force_authenticate(user)
        params = {"prefix": level.path_prefix + "%"}
        for url in ENDPOINTS:
            sql = raw_sql(url, level)

            def raw(sql=sql, params=params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return json.dumps(cursor.fetchall(), default=str)

            def real(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            def plain(url=url, client=client, prefix=level.path_prefix):
                response = client.get(f"/bench-floor{url}", {"prefix": prefix} if prefix else {})
                assert response.status_code == 200, (url, response.status_code)
                return response

            def hand(url=url, client=client, prefix=level.path_prefix):
                response = client.get(f"/bench-sql{url}", {"prefix": prefix} if prefix else {})
                assert response.status_code == 200, (url, response.status_code)
                return response

            timings = interleaved({"real": real, "plain": plain, "hand": hand, "sql": raw}, rounds)
            real_t, plain_t, sql_t = timings["real"], timings["plain"], timings["hand"]
            bare_t = timings["sql"]
            real_queries, plain_queries = count_queries(real), count_queries(plain)
            api_ids = [row["id"] for row in real().json()["results"]]
            raw_ids = [row[0] for row in json.loads(raw())]
            plan = explain(sql, params)
            plans[f"{url} @ {level.name}"] = plan
            over_plain, over_sql = ratio(real_t.median, plain_t.median), ratio(real_t.median, sql_t.median)
            figures += [
                figure(
                    "lists",
                    f"API {url} / plain DRF",
                    level.name,
                    median=real_t.median,
                    p95=real_t.p95,
                    queries=real_queries,
                    value=over_plain,
                    unit="x",
                    target=TARGET_PLAIN,
                    note=f"{len(api_ids)} rows; queries ≤ {TARGET_QUERIES}: {real_queries <= TARGET_QUERIES}",
                ),
                figure(
                    "lists",
                    f"API {url} / hand-SQL view",
                    level.name,
                    median=real_t.median,
                    p95=real_t.p95,
                    queries=real_queries,
                    value=over_sql,
                    unit="x",
                    target=TARGET_SQL,
                ),
                figure(
                    "lists",
                    f"plain DRF {url}",
                    level.name,
                    median=plain_t.median,
                    p95=plain_t.p95,
                    queries=plain_queries,
                    value=plain_t.median,
                    unit="ms",
                ),
                figure(
                    "lists",
                    f"hand-SQL view {url}",
                    level.name,
                    median=sql_t.median,
                    p95=sql_t.p95,
                    queries=1,
                    value=sql_t.median,
                    unit="ms",
                ),
                figure(
                    "lists",
                    f"bare SQL {url}",
                    level.name,
                    median=bare_t.median,
                    p95=bare_t.p95,
                    queries=1,
                    value=plan["execution_ms"],
                    unit="ms",
                    note="EXPLAIN: "
                    + " > ".join(plan["nodes"][:4])
                    + ("" if raw_ids == api_ids else " (row order differs from the API: ties)"),
                    same_rows=raw_ids == api_ids,
                ),
            ]
    return figures, plans
