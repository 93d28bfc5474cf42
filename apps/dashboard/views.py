"""The admin index as an oversight dashboard, and the .xlsx download of each figure."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404
from django.utils import timezone

from apps.core.exports import xlsx_response
from apps.units.models import Unit

from .figures import PERIODS, dashboard_figures, dashboard_root, figure, parse_period


def dashboard_context(request) -> dict:
    """Extra context for the admin index: the root unit, its path within scope, its
    children (to drill down), the figures, and the approver's inbox."""
    user = request.user
    root = dashboard_root(user, request.GET.get("unit"))
    if root is None:
        return {"dashboard": None}
    from apps.commendations.services import inbox

    visible = Unit.objects.visible_to(user, "view")
    trail = list(
        visible.filter(path__in=[root.path[:i] for i in range(4, len(root.path) + 1, 4)]).order_by("depth")
    )
    children = list(
        visible.filter(path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True).order_by(
            "path"
        )
    )
    chosen = parse_period(request.GET)
    figures = dashboard_figures(user, root, **chosen)
    waiting = (
        list(inbox(user)[:10])
        if user.has_perm("commendations.approve_nomination")
        or user.has_perm("commendations.review_nomination")
        else []
    )
    return {
        "board": _board(request, root),
        "dashboard": {
            "root": root,
            "trail": trail,
            "children": children,
            "figures": figures,
            "figures_data": [_chart_data(f) for f in figures],
            "inbox": waiting,
            "period": chosen["period"],
            "year": chosen["year"],
            "periods": PERIODS,
            "years": list(range(timezone.localdate().year, timezone.localdate().year - 5, -1)),
        },
    }


def _board(request, root):
    """HQ's and committees' tiles and station board (the workbench's), for the root shown,
    when it lies under a unit the user oversees; ``None`` for everyone else."""
    from apps.workbench.roles import sections_for
    from apps.workbench.selectors import board

    held = sections_for(request.user).board
    if not any(root.path.startswith(unit.path) for unit in held):
        return None
    return board(request.user, root)


def _chart_data(f: dict) -> dict:
    datasets = [{"label": d["label"], "data": [float(v or 0) for v in d["data"]]} for d in f["datasets"]]
    return {
        "key": f["key"],
        "kind": f["kind"],
        "labels": f["labels"],
        "datasets": datasets,
        "stacked": f.get("stacked", False),
    }


def admin_index(request, extra_context=None):
    """``admin.site.index`` with the dashboard added (installed by ``DashboardConfig.ready``)."""
    context = {**(extra_context or {}), **dashboard_context(request)}
    request._admin_app_lists = {}  # the index builds the app list twice (see app_list_once)
    return _original_index(request, extra_context=context)


def app_list_once(get_app_list):
    """``AdminSite.get_app_list`` answered once per index request: the stock index asks for it
    itself and again through ``each_context`` (the sidebar), and each time every model admin
    checks add/change/delete/view on the user's grants (25 queries for HQ). Other admin pages
    ask once and are left alone; nothing is kept beyond the request."""

    @wraps(get_app_list)
    def wrapped(request, app_label=None):
        memo = getattr(request, "_admin_app_lists", None)
        if memo is None:
            return get_app_list(request, app_label)
        if app_label not in memo:
            memo[app_label] = get_app_list(request, app_label)
        return memo[app_label]

    return wrapped


_original_index = admin.site.index


@staff_member_required
def figure_xlsx(request, key):
    root = dashboard_root(request.user, request.GET.get("unit"))
    data = figure(request.user, root, key, **parse_period(request.GET)) if root else None
    if data is None:
        raise Http404
    return xlsx_response(
        filename=f"{data['title']}-{root.name}.xlsx", headers=data["columns"], rows=data["rows"]
    )
