"""Notices that reach someone (issue 21, item 3): the chain climb, idempotent reminders, e-mail
beside in-app, and each user's own preference."""

import datetime

import pytest
from django.core import mail

from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.services import notification_send, recipients_up_the_chain
from apps.party.services import probationary_conversions_remind
from apps.party.tasks import remind_probationary_conversions
from apps.people.models import PoliticalStatusChange
from apps.reports import reminders
from apps.reports.models import GroupWeeklyReport, ResponsibilityItem
from apps.reports.services import deadline_sweep
from apps.reports.tasks import (
    remind_missed_exchange_meetings,
    remind_overdue_responsibilities,
    remind_overdue_weekly_reports,
)
from tests.factories.people import make_org, make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


# ---------------------------------------------------------------- the chain climb


def test_a_station_under_a_battalion_without_admin_reaches_the_detachment_admin(tree):
    det_admin = user_with_role("unit_admin", tree.det)
    assert recipients_up_the_chain(unit=tree.station, permission="reports.add_zeroreport") == [det_admin]


def test_the_climb_stops_at_the_nearest_unit_with_a_holder(tree):
    user_with_role("unit_admin", tree.det)
    bat_admin = user_with_role("unit_admin", tree.bat)
    assert recipients_up_the_chain(unit=tree.station, permission="reports.add_zeroreport") == [bat_admin]


def test_the_climb_skips_holders_beside_the_chain_and_inactive_users(tree):
    user_with_role("unit_admin", tree.station2)  # a sibling: never told
    gone = user_with_role("unit_admin", tree.bat)
    gone.is_active = False
    gone.save()
    corps_admin = user_with_role("hq_admin", tree.corps)
    assert recipients_up_the_chain(unit=tree.station, permission="reports.add_zeroreport") == [corps_admin]


def test_the_climb_ignores_roles_without_the_permission(tree):
    user_with_role("viewer", tree.bat)
    det_admin = user_with_role("unit_admin", tree.det)
    assert recipients_up_the_chain(unit=tree.station, permission="reports.add_zeroreport") == [det_admin]


def test_with_nobody_on_the_chain_the_superusers_are_told(tree):
    root = make_user("root", is_superuser=True)
    assert recipients_up_the_chain(unit=tree.station, permission="reports.add_zeroreport") == [root]


def test_the_climb_takes_a_constant_number_of_queries_whatever_the_depth(tree, django_assert_num_queries):
    user_with_role("unit_admin", tree.corps)
    with django_assert_num_queries(3):
        recipients_up_the_chain(unit=tree.squad, permission="reports.add_zeroreport")
    with django_assert_num_queries(3):
        recipients_up_the_chain(unit=tree.det, permission="reports.add_zeroreport")


def test_a_missing_zero_report_of_a_station_without_admins_up_to_the_detachment_notifies_the_detachment(tree):
    from zoneinfo import ZoneInfo

    det_admin = user_with_role("unit_admin", tree.det)
    now = datetime.datetime(2026, 11, 10, 18, 5, tzinfo=ZoneInfo("Asia/Shanghai"))
    deadline_sweep(now=now)
    deadline_sweep(now=now + datetime.timedelta(minutes=15))
    assert Notification.objects.filter(recipient=det_admin, title__startswith="甲站 ").count() == 1


# ---------------------------------------------------------------- reminders, each sent once


@pytest.fixture
def branch(tree):
    return make_org(tree.station, "branch", name="甲站党支部")


@pytest.fixture
def group(tree, branch):
    return make_org(tree.squad, "party_group", parent=branch, name="一班党小组")


def test_an_overdue_weekly_report_is_reminded_once_even_if_the_task_runs_twice(tree, group):
    det_admin = user_with_role("unit_admin", tree.det)
    today = D(2026, 11, 18)  # Wednesday: the week of 2026-11-09 is the last finished one
    assert reminders.weekly_reports_remind_overdue(today=today) == 1
    assert reminders.weekly_reports_remind_overdue(today=today) == 0
    notice = Notification.objects.get(recipient=det_admin)
    assert "一班党小组" in notice.title and "2026-11-09" in notice.title
    remind_overdue_weekly_reports.delay()  # the task, today: a different week, its own key
    assert Notification.objects.filter(recipient=det_admin, title__contains="2026-11-09").count() == 1


def test_a_group_that_reported_last_week_is_not_reminded(tree, group):
    user = user_with_role("unit_admin", tree.station)
    GroupWeeklyReport.objects.create(group=group, week_start=D(2026, 11, 9), work_done="学习", filed_by=user)
    assert reminders.weekly_reports_remind_overdue(today=D(2026, 11, 18)) == 0


def test_a_missed_monthly_exchange_meeting_is_reminded_once(tree, group):
    admin = user_with_role("unit_admin", tree.station)
    assert reminders.exchange_meetings_remind_missed(today=D(2026, 12, 2)) == 1
    assert reminders.exchange_meetings_remind_missed(today=D(2026, 12, 3)) == 0
    remind_missed_exchange_meetings.delay()
    assert Notification.objects.filter(recipient=admin, title__contains="2026-11").count() == 1


def test_an_overdue_responsibility_item_reminds_its_assignee_and_the_chain_once(tree, branch):
    admin = user_with_role("unit_admin", tree.bat)
    assignee_user = make_user("assignee")
    assignee = make_person(tree.station, name="王五", user=assignee_user)
    ResponsibilityItem.objects.create(
        organisation=branch,
        year=2026,
        kind="clarify",
        description="明确支部书记责任",
        assignee=assignee,
        due_date=D(2026, 11, 1),
    )
    assert reminders.responsibilities_remind_overdue(today=D(2026, 11, 5)) == 2
    assert reminders.responsibilities_remind_overdue(today=D(2026, 11, 6)) == 0
    remind_overdue_responsibilities.delay()
    assert Notification.objects.filter(recipient=admin).count() == 1
    assert Notification.objects.filter(recipient=assignee_user).count() == 1


def test_a_completed_responsibility_item_is_not_reminded(tree, branch):
    user_with_role("unit_admin", tree.bat)
    ResponsibilityItem.objects.create(
        organisation=branch,
        year=2026,
        kind="clarify",
        description="已完成",
        assignee=make_person(tree.station),
        due_date=D(2026, 11, 1),
        completed_on=D(2026, 10, 30),
    )
    assert reminders.responsibilities_remind_overdue(today=D(2026, 11, 5)) == 0


def test_a_probationary_members_conversion_due_is_reminded_once(tree):
    admin = user_with_role("unit_admin", tree.det)
    person = make_person(tree.station, name="赵六", status="probationary")
    PoliticalStatusChange.objects.create(person=person, status="probationary", effective_date=D(2025, 12, 20))
    assert probationary_conversions_remind(today=D(2026, 11, 1)) == 0  # more than 30 days away
    assert probationary_conversions_remind(today=D(2026, 12, 1)) == 1
    assert probationary_conversions_remind(today=D(2026, 12, 2)) == 0
    remind_probationary_conversions.delay()
    notice = Notification.objects.get(recipient=admin)
    assert "赵六" in notice.title and "2026-12-20" in notice.title


def test_a_recorded_probation_end_wins_over_one_year(tree):
    user_with_role("unit_admin", tree.station)
    person = make_person(tree.station, status="probationary")
    PoliticalStatusChange.objects.create(
        person=person, status="probationary", effective_date=D(2025, 1, 1), probation_end=D(2027, 1, 1)
    )
    assert probationary_conversions_remind(today=D(2026, 6, 1)) == 0


# ---------------------------------------------------------------- e-mail beside in-app, by choice


def test_a_notice_is_emailed_once_to_a_user_with_an_address(tree, django_capture_on_commit_callbacks):
    user = make_user("withmail", email="a@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=user, title="提醒", body="内容", category="reports", dedupe_key="k1")
        notification_send(recipient=user, title="提醒", body="内容", category="reports", dedupe_key="k1")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["a@example.cn"]
    from apps.notifications.services import notification_email

    notice = Notification.objects.get(recipient=user)
    assert notice.emailed_at is not None
    assert notification_email(notification_id=notice.pk) is False  # a redelivered task sends nothing
    assert len(mail.outbox) == 1


def test_a_user_who_turned_email_off_gets_the_notice_in_app_only(
    tree, api, django_capture_on_commit_callbacks
):
    user = make_user("optout", email="b@example.cn")
    response = api(user).patch("/api/notification-preferences/me/", {"email": False}, format="json")
    assert response.status_code == 200 and response.json()["email"] is False
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=user, title="提醒", category="reports")
    assert Notification.objects.filter(recipient=user).count() == 1
    assert mail.outbox == []


def test_email_can_be_limited_to_chosen_categories(tree, api, django_capture_on_commit_callbacks):
    user = make_user("some", email="c@example.cn")
    assert (
        api(user)
        .put(
            "/api/notification-preferences/me/", {"email": True, "email_categories": ["party"]}, format="json"
        )
        .status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipient=user, title="零报告", category="reports")
        notification_send(recipient=user, title="临时党支部", category="party")
    assert [m.subject for m in mail.outbox] == ["临时党支部"]


def test_the_preference_endpoint_shows_only_the_callers_own_and_refuses_bad_input(tree, api):
    one, two = make_user("one"), make_user("two")
    api(one).patch("/api/notification-preferences/me/", {"email": False}, format="json")
    assert api(two).get("/api/notification-preferences/me/").json()["email"] is True
    bad = api(two).patch("/api/notification-preferences/me/", {"email_categories": "reports"}, format="json")
    assert bad.status_code == 400
    assert api().get("/api/notification-preferences/me/").status_code in (401, 403)


def test_the_preference_admin_sets_only_ones_own(tree, client):
    one, two = make_user("one"), make_user("two")
    NotificationPreference.objects.create(user=two, email=True)
    client.force_login(one)
    assert client.get("/admin/notifications/notificationpreference/add/").status_code == 200
    response = client.post(
        "/admin/notifications/notificationpreference/add/",
        {"email": "", "email_categories": "reports, party"},
    )
    assert response.status_code == 302
    mine = NotificationPreference.objects.get(user=one)
    assert mine.email is False and mine.email_categories == ["party", "reports"]
    other = NotificationPreference.objects.get(user=two)
    assert client.get(f"/admin/notifications/notificationpreference/{other.pk}/change/").status_code in (
        302,
        404,
    )
    client.post(f"/admin/notifications/notificationpreference/{other.pk}/change/", {"email": ""})
    other.refresh_from_db()
    assert other.email is True
