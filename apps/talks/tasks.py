"""Nightly talk figures and reminders. Idempotent: a second run stores the same figures
and sends no second reminder (notifications carry a dedupe key per day)."""

import datetime

from celery import shared_task
from django.utils import timezone

from apps.access.models import Grant
from apps.notifications.services import notification_send
from apps.units.models import Unit

from . import services
from .models import CoverageSnapshot, FollowUp, TalkPolicy
from .selectors import leaf_counts, period_bounds

HEAD_ROLES = ["unit_admin", "secretary"]


def _policies(units) -> dict[int, str]:
    """Each unit's period: its own policy or the nearest ancestor's (default quarter)."""
    own = {p.unit.path: p.period for p in TalkPolicy.objects.select_related("unit")}
    result = {}
    for unit in units:
        period = TalkPolicy.Period.QUARTER
        for end in range(len(unit.path), 0, -4):
            if unit.path[:end] in own:
                period = own[unit.path[:end]]
                break
        result[unit.pk] = period
    return result


def coverage_snapshots_store(*, today: datetime.date | None = None) -> list[CoverageSnapshot]:
    """Store every live unit's subtree coverage for its current period (6 queries + writes)."""
    today = today or timezone.localdate()
    units = list(Unit.objects.filter(dissolved_on__isnull=True).order_by("path"))
    periods = _policies(units)
    counts = {p: leaf_counts(*period_bounds(p, today), today) for p in set(periods.values())}
    by_path = {u.path: u for u in units}
    totals = {p: {} for p in counts}
    for period, (people, covered, overdue) in counts.items():
        for unit in units:  # roll each unit's own figures up to all its ancestors
            figures = (people.get(unit.pk, 0), covered.get(unit.pk, 0), overdue.get(unit.pk, 0))
            for end in range(4, len(unit.path) + 1, 4):
                ancestor = by_path.get(unit.path[:end])
                if ancestor is not None:
                    acc = totals[period].setdefault(ancestor.pk, [0, 0, 0])
                    for i in range(3):
                        acc[i] += figures[i]
    snapshots = []
    for unit in units:
        period = periods[unit.pk]
        start, end = period_bounds(period, today)
        people, covered, overdue = totals[period].get(unit.pk, [0, 0, 0])
        snapshots.append(
            CoverageSnapshot(
                unit=unit,
                period_start=start,
                period_end=end,
                people=people,
                covered=covered,
                overdue_followups=overdue,
            )
        )
    return services.coverage_snapshots_write(snapshots)


def reminders_send(*, today: datetime.date | None = None, snapshots=None) -> int:
    """Remind owners of overdue follow-ups, and heads of units whose coverage lags the calendar."""
    today = today or timezone.localdate()
    sent = 0
    overdue = FollowUp.objects.filter(
        status=FollowUp.Status.OPEN, due_date__lt=today, record__voided_at__isnull=True
    ).select_related("record")
    for followup in overdue:
        sent += bool(
            notification_send(
                recipient=followup.owner,
                title="谈心谈话跟进事项已逾期",
                body=f"{followup.record.date} 谈话的跟进事项期限为 {followup.due_date}，请尽快落实。",
                link=f"/admin/talks/followup/{followup.pk}/change/",
                category="talks",
                dedupe_key=f"talk-followup-overdue:{followup.pk}:{today}",
            )
        )
    snapshots = (
        snapshots
        if snapshots is not None
        else CoverageSnapshot.objects.filter(period_start__lte=today, period_end__gte=today)
    )
    behind = []
    for snap in snapshots:
        elapsed = (today - snap.period_start).days / max(1, (snap.period_end - snap.period_start).days + 1)
        if snap.people and snap.covered / snap.people < elapsed - 0.1:
            behind.append(snap)
    heads = Grant.objects.filter(
        unit__in=[s.unit_id for s in behind], role__code__in=HEAD_ROLES
    ).select_related("user")
    by_unit = {}
    for grant in heads:
        by_unit.setdefault(grant.unit_id, set()).add(grant.user)
    for snap in behind:
        for user in by_unit.get(snap.unit_id, ()):
            sent += bool(
                notification_send(
                    recipient=user,
                    title="谈心谈话覆盖率落后于进度",
                    body=f"{snap.unit.name} 本周期已谈 {snap.covered}/{snap.people} 人（{snap.coverage_pct}%）。",
                    link="/admin/talks/talkrecord/coverage/",
                    category="talks",
                    dedupe_key=f"talk-coverage-behind:{snap.unit_id}:{user.pk}:{today}",
                )
            )
    return sent


@shared_task(acks_late=True)
def nightly_talk_figures() -> int:
    snapshots = coverage_snapshots_store()
    return reminders_send(snapshots=snapshots)
