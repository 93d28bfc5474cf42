"""Scoped API lists (50 rows) at each scope level: the API page through the whole request
stack (in-process), the ORM page (the viewset's own queryset, materialised), and the best
hand-written SQL for the same rows fetched with psycopg and serialised with ``json``.

Ratios: ORM page / raw SQL (target ≤ 1.5), API page / raw SQL (target ≤ 3). Each raw query
is checked with ``EXPLAIN ANALYZE`` at every scope level (plans are kept in the JSON).
"""

import json

from django.db import connection
from django.urls import resolve
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from .common import Level, bench_user, count_queries, ratio, timed
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
TARGET_ORM = "≤ 1.5"
TARGET_API = "≤ 3"


def raw_sql(url: str, level: Level) -> str:
    sql = RAW[url]
    if level.path_prefix:
        return sql
    # root as superuser: every row, no unit restriction
    return sql.replace(SCOPE, "TRUE").replace("WHERE u.path LIKE %(prefix)s", "")


def orm_page(url: str, user):
    """The page of model instances the viewset itself would serialise (filters, ordering,
    select/prefetch, annotations), without pagination's count or serialisation."""
    view_class = resolve(url).func.cls
    request = Request(APIRequestFactory().get(url))
    request.user = user
    view = view_class(request=request, format_kwarg=None, args=(), kwargs={}, action="list")
    queryset = view.filter_queryset(view.get_queryset())
    return list(queryset[: view.paginator.page_size])


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


def measure(levels: list[Level], repeat: int) -> tuple[list[dict], dict]:
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

            def api(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            raw_t = timed(raw, repeat)
            orm_t = timed(lambda url=url, user=user: orm_page(url, user), repeat)
            api_t = timed(api, repeat)
            api_queries = count_queries(api)
            orm_queries = count_queries(lambda url=url, user=user: orm_page(url, user))
            api_ids = [row["id"] for row in api(url).json()["results"]]
            raw_ids = [row[0] for row in json.loads(raw())]
            plan = explain(sql, params)
            plans[f"{url} @ {level.name}"] = plan
            orm_over, api_over = ratio(orm_t.median, raw_t.median), ratio(api_t.median, raw_t.median)
            breakdown = (
                f"serialise+HTTP {api_t.median - orm_t.median:.1f} ms, "
                f"ORM over raw {orm_t.median - raw_t.median:.1f} ms"
            )
            rows = len(api_ids)
            figures += [
                figure(
                    "lists",
                    f"API {url}",
                    level.name,
                    median=api_t.median,
                    p95=api_t.p95,
                    queries=api_queries,
                    value=api_over,
                    unit="x",
                    target=TARGET_API,
                    note=(f"{rows} rows" if api_over is not None and api_over <= 3 else breakdown),
                ),
                figure(
                    "lists",
                    f"ORM page {url}",
                    level.name,
                    median=orm_t.median,
                    p95=orm_t.p95,
                    queries=orm_queries,
                    value=orm_over,
                    unit="x",
                    target=TARGET_ORM,
                    note="" if orm_over is not None and orm_over <= 1.5 else breakdown,
                ),
                figure(
                    "lists",
                    f"raw SQL {url}",
                    level.name,
                    median=raw_t.median,
                    p95=raw_t.p95,
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
