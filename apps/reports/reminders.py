"""Reminders about reports that are due, each idempotent (a ``dedupe_key`` per subject and
period: a task run twice, or every day of a week, sends one notice per recipient).

Each notice climbs the chain of command from the subject's unit until it reaches someone who
holds the permission to act (``recipients_up_the_chain_for``: the chains of all the subjects
at once). The notices are written at once (``notifications_send``): a fixed number of queries
whatever the number of subjects.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.notifications.models import Notification
from apps.notifications.services import notifications_send, recipients_up_the_chain_for
from apps.party.models import OrganisationKind, PartyOrganisation
from apps.units.models import Unit

from .models import GroupWeeklyReport, ResponsibilityItem


def last_finished_week(today: datetime.date) -> datetime.date:
    """The Monday of the last finished week."""
    return today - datetime.timedelta(days=today.weekday() + 7)


def weekly_reports_remind_overdue(*, today: datetime.date | None = None) -> int:
    """Open party groups (on live units) without a report for the last finished week."""
    today = today or timezone.localdate()
    week = last_finished_week(today)
    groups = (
        PartyOrganisation.objects.filter(
            kind=OrganisationKind.PARTY_GROUP, closed_on__isnull=True, unit__dissolved_on__isnull=True
        )
        .filter(Q(established_on__isnull=True) | Q(established_on__lte=week + datetime.timedelta(days=6)))
        .exclude(Exists(GroupWeeklyReport.objects.filter(group=OuterRef("pk"), week_start=week)))
        .select_related("unit")
        .order_by("path")
    )
    groups = list(groups)
    chains = recipients_up_the_chain_for(
        units={g.unit_id: g.unit for g in groups}.values(), permission="reports.add_groupweeklyreport"
    )
    return notifications_send(
        notices=[
            Notification(
                recipient=user,
                title=f"{group.name}未报送{week.isoformat()}当周的党小组周报",
                body="党小组每周向支部汇报；请尽快填报上周周报。",
                link=f"/admin/reports/groupweeklyreport/add/?group={group.pk}&week_start={week.isoformat()}",
                category="reports",
                dedupe_key=f"weekly-report-overdue:{group.pk}:{week.isoformat()}",
            )
            for group in groups
            for user in chains[group.unit_id]
        ]
    )


def exchange_meetings_remind_missed(*, today: datetime.date | None = None) -> int:
    """Branches with party groups that held no 党小组工作交流会 last month."""
    from .selectors import branches_without_exchange_meeting, parse_month

    today = today or timezone.localdate()
    year, month = parse_month("", today=today)
    rows = [
        row
        for root in Unit.get_root_nodes()
        for row in branches_without_exchange_meeting(user=None, root=root, year=year, month=month)
    ]
    units = Unit.objects.filter(dissolved_on__isnull=True).in_bulk({row["unit_id"] for row in rows})
    rows = [row for row in rows if row["unit_id"] in units]
    chains = recipients_up_the_chain_for(
        units=[units[pk] for pk in {row["unit_id"] for row in rows}], permission="reports.add_meeting"
    )
    return notifications_send(
        notices=[
            Notification(
                recipient=user,
                title=f"{row['organisation_name']}{row['month']}未召开党小组工作交流会",
                body="党支部每月组织党小组工作交流会；请补开并登记。",
                link="/admin/reports/meeting/missing-exchange/",
                category="reports",
                dedupe_key=f"exchange-meeting-missed:{row['organisation_id']}:{row['month']}",
            )
            for row in rows
            for user in chains[row["unit_id"]]
        ]
    )


def responsibilities_remind_overdue(*, today: datetime.date | None = None) -> int:
    """Overdue 六责 items: their assignee (with a login) and whoever may change them."""
    today = today or timezone.localdate()
    items = (
        ResponsibilityItem.objects.filter(completed_on__isnull=True, due_date__lt=today)
        .filter(organisation__closed_on__isnull=True, organisation__unit__dissolved_on__isnull=True)
        .select_related("organisation__unit", "assignee__user")
        .order_by("due_date", "pk")
    )
    items = list(items)
    chains = recipients_up_the_chain_for(
        units={i.organisation.unit_id: i.organisation.unit for i in items}.values(),
        permission="reports.change_responsibilityitem",
    )
    notices = []
    for item in items:
        recipients = {u.pk: u for u in chains[item.organisation.unit_id]}
        user = item.assignee.user
        if user is not None and user.is_active:
            recipients[user.pk] = user
        notices += [
            Notification(
                recipient=recipient,
                title=f"六责事项逾期：{item.description[:40]}",
                body=f"{item.organisation.name}{item.year}年{item.get_kind_display()}事项，"
                f"责任人{item.assignee.name}，期限{item.due_date.isoformat()}，尚未完成。",
                link=f"/admin/reports/responsibilityitem/{item.pk}/change/",
                category="reports",
                dedupe_key=f"responsibility-overdue:{item.pk}:{item.due_date.isoformat()}",
            )
            for recipient in recipients.values()
        ]
    return notifications_send(notices=notices)
