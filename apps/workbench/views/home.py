"""``/``: the home page built from the sections the user holds."""

from apps.commendations.models import Nomination
from apps.commendations.services import inbox

from .. import selectors
from .common import page, sections, signed_in
from .nominations import inbox_rows

INBOX_SHOWN = 20


def home_context(request) -> dict:
    user = request.user
    held = sections(request)
    context = {"sections": held, "full_width": bool(held.board) and not held.station}
    context["station_cards"] = [selectors.station_card(user, unit) for unit in held.station]
    if held.talks:
        context["talks_to_read"] = selectors.talks_to_read(user, held.talks)
    if held.drafting:
        context["my_drafts"] = list(
            Nomination.objects.visible_to(user, "view")
            .filter(drafted_by=user, status=Nomination.Status.DRAFT)
            .select_related("award_kind", "subject_person", "subject_unit", "subject_organisation")
            .order_by("-created_at")[:10]
        )
    if held.deciding:
        waiting = list(inbox(user)[: INBOX_SHOWN + 1])
        context["inbox"] = waiting[:INBOX_SHOWN]
        context["inbox_rows"] = inbox_rows(waiting[:INBOX_SHOWN], user)
        context["inbox_more"] = len(waiting) > INBOX_SHOWN
    context["boards"] = [selectors.board(user, unit) for unit in held.board]
    return context


@signed_in
def home(request):
    return page(request, "workbench/home.html", home_context(request))
