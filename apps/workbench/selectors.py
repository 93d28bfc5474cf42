"""Read-side composites of the workbench pages. Every row starts from ``visible_to`` or an
app's selector; each function costs a fixed number of queries whatever the unit's size."""

import datetime
from collections import Counter
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from apps.commendations.models import Nomination
from apps.commendations.selectors import status_counts
from apps.core.request_cache import memoized
from apps.core.scoping import UNIT_PATH_STEP
from apps.party.models import PartyOrganisation
from apps.reports.models import GroupWeeklyReport, Meeting, ZeroReport
from apps.reports.services import deadline_of, reporting_rules
from apps.talks.models import FollowUp, TalkPolicy, TalkRecord
from apps.talks.selectors import coverage_tree, period_bounds, stored_coverage_tree, uncovered_people
from apps.units.models import Unit, UnitKind

S = Nomination.Status
UNCOVERED_SHOWN = 30
STUCK_AFTER_DAYS = 14
DUE_WITHIN_DAYS = 7


def talk_period(unit: Unit, today: datetime.date) -> tuple[str, datetime.date, datetime.date]:
    """The unit's talk period (its own policy or the nearest ancestor's; quarterly by
    default) and the bounds of the one containing ``today``."""
    prefixes = [unit.path[:end] for end in range(4, len(unit.path) + 1, 4)]
    policy = TalkPolicy.objects.filter(unit__path__in=prefixes).order_by("-unit__depth").first()
    period = policy.period if policy else TalkPolicy.Period.QUARTER
    return (period, *period_bounds(period, today))


def visible_unit(user, unit_id, within: list[Unit]) -> Unit:
    """The live unit ``unit_id`` if the user sees it and it lies under one of ``within``;
    ``Unit.DoesNotExist`` otherwise (the view answers 404: missing and out of scope look alike)."""
    if not str(unit_id).isdigit():
        raise Unit.DoesNotExist
    unit = Unit.objects.visible_to(user, "view").get(pk=unit_id, dissolved_on__isnull=True)
    if not any(unit.path.startswith(root.path) for root in within):
        raise Unit.DoesNotExist
    return unit


def zero_report_status(user, unit: Unit, now=None) -> dict:
    """Today's zero-report of one unit: whether it must file, by when, and what was filed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    must, deadline = reporting_rules([unit])[unit.pk]
    report = (
        ZeroReport.objects.visible_to(user, "view")
        .filter(unit=unit, report_date=today)
        .select_related("filed_by")
        .first()
    )
    return {
        "must_report": must,
        "deadline": deadline_of(today, deadline),
        "overdue": report is None and deadline_of(today, deadline) <= now,
        "report": report,
        "today": today,
    }


def station_card(user, unit: Unit, now=None) -> dict:
    """Everything a station's (or squad's) staff does today, for one unit."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    period, start, end = talk_period(unit, today)
    uncovered = uncovered_people(user=user, root=unit, period_start=start, period_end=end)
    uncovered_list = list(uncovered[: UNCOVERED_SHOWN + 1])
    followups = list(
        FollowUp.objects.visible_to(user, "view")
        .filter(
            status=FollowUp.Status.OPEN,
            due_date__lte=today + datetime.timedelta(days=DUE_WITHIN_DAYS),
            record__unit__path__startswith=unit.path,
        )
        .select_related("record__person", "owner", "record__talker")
        .order_by("due_date", "pk")[:20]
    )
    monday = today - datetime.timedelta(days=today.weekday())
    groups = list(weekly_groups(user, [unit])[:20])
    filed = {
        r.group_id: r
        for r in GroupWeeklyReport.objects.visible_to(user, "view")
        .filter(group__in=groups, week_start=monday)
        .select_related("filed_by")
    }
    meeting = (
        Meeting.objects.visible_to(user, "view")
        .filter(organisation__unit__path__startswith=unit.path, starts_at__gte=now)
        .select_related("organisation")
        .order_by("starts_at")
        .first()
    )
    return {
        "unit": unit,
        "zero": zero_report_status(user, unit, now),
        "period": period,
        "period_label": "本月" if period == TalkPolicy.Period.MONTH else "本季度",
        "period_start": start,
        "period_end": end,
        "uncovered": uncovered_list[:UNCOVERED_SHOWN],
        "uncovered_more": len(uncovered_list) > UNCOVERED_SHOWN,
        "followups": followups,
        "today": today,
        "week_start": monday,
        "groups": [{"group": g, "report": filed.get(g.pk)} for g in groups],
        "meeting": meeting,
    }


def weekly_groups(user, units: list[Unit]):
    """The open party groups under ``units`` the user sees: the groups whose weekly report
    the station's staff file (the service checks the filing permission)."""
    where = Q(pk__in=[])
    for unit in units:
        where |= Q(unit__path__startswith=unit.path)
    return (
        PartyOrganisation.objects.visible_to(user, "view")
        .filter(where, kind="party_group", closed_on__isnull=True)
        .select_related("unit")
        .order_by("path")
    )


def weekly_report_of(user, group_id: int, week_start: datetime.date) -> GroupWeeklyReport | None:
    """The group's report for the week, if filed and visible to the user."""
    return (
        GroupWeeklyReport.objects.visible_to(user, "view")
        .filter(group_id=group_id, week_start=week_start)
        .select_related("group", "filed_by")
        .first()
    )


def talks_to_read(user, units: list[Unit], limit: int = 10) -> list:
    """The newest talks under the user's talk units (metadata only; content is read on its page)."""
    if not units:
        return []
    where = Q()
    for unit in units:
        where |= Q(unit__path__startswith=unit.path)
    from apps.talks.content import with_content_readable

    talks = TalkRecord.objects.visible_to(user, "view").filter(where)
    return list(
        with_content_readable(talks, user)
        .select_related("person", "talker", "unit")
        .order_by("-date", "-id")[:limit]
    )


def subtree_coverage(user, root: Unit, period_start, period_end, today) -> dict:
    """The root's coverage total and its children's rows, read once per request: tonight's
    stored figures where they apply (``talks.selectors.stored_coverage_tree``, ``computed_at``
    says when), else live (``coverage_tree``, ``computed_at`` None). The admin index shows
    the board's tiles and laggards and the dashboard's coverage chart of the same root and
    period from this one read (``apps.core.request_cache``; nothing is kept beyond the
    request)."""

    def read():
        bounds = {
            "user": user,
            "root": root,
            "period_start": period_start,
            "period_end": period_end,
            "today": today,
        }
        stored = stored_coverage_tree(**bounds)
        return stored if stored is not None else {**coverage_tree(**bounds), "computed_at": None}

    return memoized(("talk-coverage", user.pk, root.pk, period_start, period_end, today), read)


class BoardUnit(NamedTuple):
    pk: int
    name: str
    path: str
    depth: int
    kind: str


def board(user, root: Unit, now=None) -> dict:
    """HQ's and committees' view of one unit's subtree: headline tiles, the status board of
    stations for today's zero-report, coverage laggards, stuck nominations, children to drill into."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    # squads hang under stations: the board needs the stations and the units above them (a
    # station's parent, the children to drill into), not the thousands of squads of a corps
    # plain rows, not model instances: a corps has ~900 such units; the root's ancestors the
    # user may see come with them (the trail above the root)
    above = [root.path[:end] for end in range(UNIT_PATH_STEP, len(root.path), UNIT_PATH_STEP)]
    units = [
        BoardUnit(*row)
        for row in Unit.objects.visible_to(user, "view")
        .filter(Q(path__startswith=root.path) | Q(path__in=above), dissolved_on__isnull=True)
        .exclude(kind=UnitKind.SQUAD)
        .order_by("path")
        .values_list("pk", "name", "path", "depth", "kind")
    ]
    by_path = {u.path: u for u in units}
    trail = [by_path[path] for path in above if path in by_path]
    units = [u for u in units if u.path.startswith(root.path)]
    station_units = [u for u in units if u.kind == UnitKind.STATION]
    rules = reporting_rules(station_units)
    filed = dict(
        ZeroReport.objects.visible_within(user, root)
        .filter(report_date=today)
        .values_list("unit_id", "is_late")
    )
    stations = []
    for u in station_units:  # the board is about stations; other levels are not mixed in
        must, deadline_at = rules[u.pk]
        if not must:
            continue
        deadline = deadline_of(today, deadline_at)
        if u.pk in filed:
            state, label = ("amber", "逾期补报") if filed[u.pk] else ("green", "已报送")
        elif deadline <= now:
            state, label = "red", "未报送（已过截止时间）"
        else:
            state, label = "amber", f"未报送（{deadline:%H:%M} 截止）"
        parent = by_path.get(u.path[:-4])
        stations.append({"unit": u, "state": state, "label": label, "parent": parent})
    order = {"red": 0, "amber": 1, "green": 2}
    stations.sort(key=lambda s: (order[s["state"]], s["unit"].path))
    period, start, end = talk_period(root, today)
    covered = subtree_coverage(user, root, start, end, today)
    coverage, children = covered["total"], covered["children"]
    laggards = sorted((c for c in children if c["people"]), key=lambda c: (c["coverage_pct"], c["unit_name"]))
    nominations = Nomination.objects.visible_within(user, root)
    states = Counter()
    for (status, _year), n in status_counts(user, root).items():
        states[status] += n
    # the ten oldest first, then their related rows: joined before the LIMIT, the subjects
    # and levels were read for every waiting nomination of the subtree (thousands in a corps)
    oldest = nominations.filter(
        status__in=[S.SUBMITTED, S.APPROVING],
        waiting_since__lt=now - datetime.timedelta(days=STUCK_AFTER_DAYS),
    ).order_by("waiting_since", "pk")
    stuck = list(
        Nomination.objects.filter(pk__in=oldest.values("pk")[:10])
        .select_related(
            "award_kind", "current_level", "unit", "subject_person", "subject_unit", "subject_organisation"
        )
        .order_by("waiting_since", "pk")
    )
    live_children = [u for u in units if u.depth == root.depth + 1]
    reported = len([s for s in stations if s["unit"].pk in filed])
    return {
        "root": root,
        "today": today,
        "trail": trail,
        "children": live_children,
        "tiles": {
            "reported": reported,
            "not_reported": len(stations) - reported,
            "coverage_pct": coverage["coverage_pct"],
            "covered": coverage["covered"],
            "people": coverage["people"],
            "period_label": "本月" if period == TalkPolicy.Period.MONTH else "本季度",
            "pending": states.get(S.SUBMITTED, 0) + states.get(S.APPROVING, 0),
            "overdue_followups": coverage["overdue_followups"],
            "coverage_computed_at": covered["computed_at"],
            "notice": states.get(S.NOTICE, 0) + states.get(S.OBJECTED, 0),
        },
        "stations": stations,
        "missing": [s for s in stations if s["unit"].pk not in filed],
        "laggards": laggards[:8],
        "stuck": stuck,
    }


def subject_name(nomination: Nomination) -> str:
    subject = nomination.subject_person or nomination.subject_unit or nomination.subject_organisation
    return subject.name if subject else ""
