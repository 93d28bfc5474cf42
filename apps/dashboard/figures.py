"""The oversight dashboard's figures, read only through the record apps' selectors.

Every figure is a dict ``{"key", "title", "kind" (chart type), "labels", "datasets",
"columns", "rows", "admin_url"}`` so that the page, the table and the .xlsx export are all
drawn from the same numbers. Each section costs a fixed number of queries, whatever the
number of units under the root.
"""

import datetime
from importlib import import_module

from django.urls import reverse
from django.utils import timezone

from apps.units.models import Unit, UnitKind


def dashboard_root(user, unit_id=None):
    """The unit the dashboard is about: the one asked for if visible, else the user's top unit."""
    units = Unit.objects.visible_to(user, "view").filter(dissolved_on__isnull=True)
    if unit_id and str(unit_id).isdigit():  # anything malformed: the user's own top unit
        unit = units.filter(pk=unit_id).first()
        if unit is not None:
            return unit
    return units.order_by("depth", "path").first()


def _optional(module, name):
    """A selector of an app that may not have landed yet (the section then shows no data)."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def membership(user, root, **_):
    from apps.people.selectors import membership_figures

    data = membership_figures(user=user, root=root)
    rows = [[r["unit_name"], r["people"], r["party_members"]] for r in data["per_child"]]
    return {
        "key": "membership",
        "title": "人员构成",
        "kind": "bar",
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": "人数", "data": [r[1] for r in rows]},
            {"label": "党员", "data": [r[2] for r in rows]},
        ],
        "columns": ["单位", "人数", "党员（含预备）"],
        "rows": rows,
        "extra": {"按类别": data["by_category"], "按政治面貌": data["by_status"]},
        "admin_url": reverse("admin:people_person_changelist") + f"?unit_subtree={root.pk}",
    }


def talk_coverage(user, root, today, period="quarter", year=None, **_):
    """Coverage per child of ``root``: tonight's stored figures when they apply, else live
    (``workbench.selectors.subtree_coverage``, read once per request with the board's tiles)."""
    from apps.talks.selectors import period_bounds
    from apps.workbench.selectors import subtree_coverage

    day = today if not year or year >= today.year else datetime.date(year, 12, 31)
    start, end = period_bounds(period, day)
    covered = subtree_coverage(user, root, start, end, today)
    rows = [
        [r["unit_name"], r["people"], r["covered"], r["coverage_pct"], r["overdue_followups"]]
        for r in covered["children"]
    ]
    computed_at = covered["computed_at"]
    return {
        "key": "talks",
        "title": f"谈心谈话覆盖率（{start:%Y年%m月%d日}至{end:%Y年%m月%d日}）",
        "kind": "bar",
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": "覆盖率 %", "data": [r[3] for r in rows]},
            {"label": "逾期跟进事项", "data": [r[4] for r in rows]},
        ],
        "columns": ["单位", "应谈人数", "已谈人数", "覆盖率 %", "逾期跟进事项"],
        "rows": rows,
        "extra": {"统计时间": [f"今日 {timezone.localtime(computed_at):%H:%M}（夜间统计）"]}
        if computed_at
        else {},
        "admin_url": reverse("admin:talks_talkrecord_coverage")
        + f"?unit={root.pk}&period={period}&date={day.isoformat()}",
    }


GRADE_ORDER = ["优秀", "好", "称职", "较好", "基本称职", "一般", "不称职", "差"]


def evaluation_grades(user, root, today, year=None, **_):
    selector = _optional("apps.evaluations.selectors", "grade_distribution_per_child")
    if selector is None:
        return None
    year = year or today.year
    data = selector(user=user, root=root, year=year) or [
        {"unit_id": c.pk, "unit_name": c.name, "grades": {}, "mean_total": None}
        for c in Unit.objects.filter(
            path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
        ).order_by("path")
    ]
    present = {g for r in data for g in r.get("grades", {})}
    grades = [g for g in GRADE_ORDER if g in present] + sorted(present - set(GRADE_ORDER))
    rows = [[r["unit_name"], *[r["grades"].get(g, 0) for g in grades], r.get("mean_total")] for r in data]
    ranked = sorted(
        (r for r in data if r.get("mean_total") is not None), key=lambda r: -float(r["mean_total"])
    )
    top = ranked[:3]
    bottom = [r for r in reversed(ranked[-3:]) if r not in top]  # worst first, never both lists
    return {
        "key": "evaluations",
        "title": f"{year}年度考核等次分布",
        "kind": "bar",
        "stacked": True,
        "labels": [r[0] for r in rows],
        "datasets": [{"label": g, "data": [r[1 + i] for r in rows]} for i, g in enumerate(grades)]
        or [{"label": "已发布考评数", "data": [0 for _ in rows]}],
        "columns": ["单位", *grades, "平均分"],
        "rows": rows,
        "extra": {
            "平均分前三": [f"{r['unit_name']} {r['mean_total']}" for r in top],
            "平均分后三": [f"{r['unit_name']} {r['mean_total']}" for r in bottom],
        },
        "admin_url": _admin_url("admin:evaluations_evaluation_changelist")
        + f"?unit_subtree={root.pk}&year={year}&status__exact=published",
    }


def commendation_pipeline(user, root, today, year=None, **_):
    from apps.commendations.models import Nomination, QuotaPeriod
    from apps.commendations.selectors import pipeline_figures

    year = year or today.year
    data = pipeline_figures(user=user, root=root, year=year)
    by_state, waiting_days = data["by_state"], data["waiting_days_by_level"]
    rows = [[label, by_state.get(code, 0)] for code, label in Nomination.Status.choices]
    return {
        "key": "commendations",
        "title": f"{year}年表彰推荐进度",
        "kind": "doughnut",
        "labels": [r[0] for r in rows],
        "datasets": [{"label": "推荐数", "data": [r[1] for r in rows]}],
        "columns": ["状态", "推荐数"],
        "rows": rows,
        "extra": {
            "各层级平均等待天数": {
                UnitKind(k).label if k in UnitKind.values else k: v for k, v in waiting_days.items()
            },
            "名额使用": [
                f"{q['unit_name']}·{q['award_kind']}"
                + (f"（{QuotaPeriod(q['period']).label}）" if q["period"] else "")
                + f"：{q['used']}/{q['quota']}"
                for q in data["quota_use"][:20]
            ],
        },
        "admin_url": reverse("admin:commendations_nomination_changelist")
        + f"?unit_subtree={root.pk}&year={year}",
    }


def report_compliance(user, root, today, **_):
    from apps.reports.selectors import compliance_per_child, units_missing_today

    start = today - datetime.timedelta(days=30)
    data = compliance_per_child(user=user, root=root, start=start, end=today - datetime.timedelta(days=1))
    rows = [[r["unit_name"], r["expected"], r["filed"], r["late"], r["compliance_pct"]] for r in data]
    missing = units_missing_today(user=user, root=root)
    return {
        "key": "reports",
        "title": "近30日零报告报送率",
        "kind": "bar",
        "labels": [r[0] for r in rows],
        "datasets": [
            {"label": "报送率 %", "data": [r[4] for r in rows]},
            {"label": "逾期次数", "data": [r[3] for r in rows]},
        ],
        "columns": ["单位", "应报", "已报", "逾期", "报送率 %"],
        "rows": rows,
        "extra": {
            "今日未报（截至目前）": [m["unit_name"] for m in missing[:30]]
            + ([f"等共 {len(missing)} 个单位"] if len(missing) > 30 else [])
        },
        # the swept days behind the figure: this subtree, the same 30 days, the missing ones
        "admin_url": reverse("admin:reports_dailycompliance_changelist")
        + f"?unit_subtree={root.pk}&status__exact=missing&date__gte={start.isoformat()}"
        + f"&date__lt={today.isoformat()}",
    }


def _admin_url(name):
    try:
        return reverse(name)
    except Exception:
        return ""


SECTIONS = {
    "membership": membership,
    "talks": talk_coverage,
    "evaluations": evaluation_grades,
    "commendations": commendation_pipeline,
    "reports": report_compliance,
}


PERIODS = {"quarter": "按季度", "month": "按月"}


def parse_period(params, today=None) -> dict:
    """The period picker's choice from query parameters; anything malformed falls back to the
    defaults (this quarter of this year) rather than failing."""
    today = today or timezone.localdate()
    period = params.get("period")
    try:
        year = int(params.get("year") or today.year)
    except (TypeError, ValueError):
        year = today.year
    if not 2000 <= year <= today.year:
        year = today.year
    return {"period": period if period in PERIODS else "quarter", "year": year}


def dashboard_figures(user, root, today=None, period="quarter", year=None) -> list[dict]:
    today = today or timezone.localdate()
    figures = [section(user, root, today=today, period=period, year=year) for section in SECTIONS.values()]
    return [f for f in figures if f is not None]


def figure(user, root, key, today=None, period="quarter", year=None) -> dict | None:
    section = SECTIONS.get(key)
    if section is None:
        return None
    return section(user, root, today=today or timezone.localdate(), period=period, year=year)
