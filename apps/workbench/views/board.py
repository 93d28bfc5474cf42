"""HQ's and committees' board of one unit: tiles, today's station status, laggards, drill-down."""

from django.http import Http404

from apps.units.models import Unit

from .. import selectors
from .common import page, requires, sections


@requires("board")
def board_page(request):
    held = sections(request).board
    raw = request.GET.get("unit")
    if raw is None:
        unit = held[0]
    else:
        try:
            unit = selectors.visible_unit(request.user, raw, held)
        except Unit.DoesNotExist:
            raise Http404 from None
    return page(
        request,
        "workbench/board_page.html",
        {"board": selectors.board(request.user, unit), "full_width": True},
        fragment="workbench/_board.html",
    )
