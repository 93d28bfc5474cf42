"""What the signed-in user does, read from the permissions their grants hold (one query;
one more for a user who neither reviews nor approves: are they someone's deputy today?).

Roles are data (editable in the admin), so the workbench asks for permissions, not role
codes: whoever may file the station's zero-report gets the station section, whoever may
record talks gets the talk section, and so on. A user holding several gets several sections.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from apps.access.models import UnitPermission
from apps.commendations.models import Delegation
from apps.units.models import Unit

STATION_KINDS = {"station", "squad"}
BOARD_KINDS = {"bureau", "corps", "detachment", "battalion"}

#: (app_label, codename) pairs the sections are built from
WATCHED = {
    ("reports", "view_zeroreport"),
    ("reports", "add_zeroreport"),
    ("talks", "add_talkrecord"),
    ("talks", "view_talk_content"),
    ("commendations", "add_nomination"),
    ("commendations", "review_nomination"),
    ("commendations", "approve_nomination"),
}


@dataclass
class Sections:
    """The units each workbench section is about (the topmost granted ones, in path order)."""

    station: list = field(default_factory=list)  # station/squad staff: the daily work
    talks: list = field(default_factory=list)  # units where the user records talks
    drafting: list = field(default_factory=list)  # units where the user drafts nominations
    deciding: bool = False  # reviews or approves nominations: the inbox
    board: list = field(default_factory=list)  # HQ and committees: the status board

    @property
    def any(self) -> bool:
        return bool(self.station or self.talks or self.drafting or self.deciding or self.board)


def _topmost(units) -> list:
    """Units not below another one of the list, in path order."""
    kept = []
    for unit in sorted(set(units), key=lambda u: u.path):
        if not any(unit.path.startswith(k.path) for k in kept):
            kept.append(unit)
    return kept


def sections_for(user) -> Sections:
    """The sections of ``user``'s home page."""
    if user.is_superuser:
        roots = list(Unit.objects.filter(depth=1, dissolved_on__isnull=True).order_by("path"))
        return Sections(board=roots, deciding=False)
    rows = (
        UnitPermission.objects.filter(user_id=user.pk, content_object__dissolved_on__isnull=True)
        .filter(permission__codename__in={c for _a, c in WATCHED})
        .values_list("permission__content_type__app_label", "permission__codename", "content_object_id")
    )
    rows = list(rows)
    unit_ids = {unit_id for _a, _c, unit_id in rows}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    held: dict[str, list] = {}
    for app, code, unit_id in rows:
        if (app, code) in WATCHED and unit_id in units:
            held.setdefault(code, []).append(units[unit_id])
    station_view = held.get("view_zeroreport", [])
    deciding = bool(held.get("review_nomination") or held.get("approve_nomination"))
    return Sections(
        station=_topmost(u for u in station_view if u.kind in STATION_KINDS),
        talks=_topmost(held.get("add_talkrecord", [])),
        drafting=_topmost(held.get("add_nomination", [])),
        # a deputy decides for an approver who delegated to them today, without a role of their own
        deciding=deciding or _deputy_today(user),
        board=_topmost(u for u in station_view if u.kind in BOARD_KINDS),
    )


def _deputy_today(user) -> bool:
    """Someone (still active) delegated their approvals to ``user`` for today (as
    ``commendations.services.inbox`` counts delegations)."""
    today = timezone.localdate()
    return Delegation.objects.filter(
        deputy_id=user.pk, starts_on__lte=today, ends_on__gte=today, approver__is_active=True
    ).exists()
