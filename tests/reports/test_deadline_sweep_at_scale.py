"""The zero-report deadline sweep stays set-based with the chain climb and e-mail copies
(issue 19/20 regression): its queries do not grow with the number of missing units."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.notifications import tasks as notification_tasks
from apps.notifications.models import Notification, NotificationPreference
from apps.reports.models import DailyCompliance
from apps.reports.services import deadline_sweep
from tests.factories.units import make_unit, make_user, user_with_role

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 10)
AFTER_DEADLINE = datetime.datetime(2026, 11, 10, 18, 5, tzinfo=ZoneInfo("Asia/Shanghai"))


def with_email(user, *, wants=True):
    user.email = f"{user.username}@example.cn"
    user.save(update_fields=["email"])
    if not wants:
        NotificationPreference.objects.create(user=user, email=False)
    return user


def add_stations(battalion, count, start=0):
    """Stations in three kinds: their own administrator (mailed), their own administrator who
    turned e-mail off, and none (the notice climbs to the detachment's)."""
    for i in range(start, start + count):
        station = make_unit(battalion, "station", f"站{i}")
        if i % 3 == 0:
            with_email(user_with_role("unit_admin", station))
        elif i % 3 == 1:
            with_email(user_with_role("unit_admin", station), wants=False)


@pytest.fixture
def world(db):
    """A detachment with an administrator, a battalion without one; a second corps with nobody
    up to the root (its notices reach the superuser)."""
    root = make_unit(None, "bureau", "局")
    corps = make_unit(root, "corps", "总队")
    det = make_unit(corps, "detachment", "支队")
    det_admin = with_email(user_with_role("unit_admin", det))
    bat = make_unit(det, "battalion", "大队")
    make_unit(make_unit(root, "corps", "无人总队"), "detachment", "无人支队")
    superuser = with_email(make_user("root", is_superuser=True))
    return det_admin, bat, superuser


@pytest.fixture
def mail_tasks(monkeypatch):
    """The e-mail tasks sent (their notice ids), each still run."""
    sent = []
    original = notification_tasks.email_notifications.apply_async

    def record(*args, **kwargs):
        sent.append(kwargs.get("args") or args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(notification_tasks.email_notifications, "apply_async", record)
    return sent


def sweep_counted(capture_on_commit) -> int:
    """The queries of the sweep itself; its e-mails leave after the commit."""
    with capture_on_commit(execute=True), CaptureQueriesContext(connection) as queries:
        deadline_sweep(now=AFTER_DEADLINE)
    return len(queries)


def test_the_sweeps_queries_do_not_grow_with_the_number_of_missing_units(
    world, django_capture_on_commit_callbacks
):
    _, bat, _ = world
    add_stations(bat, 3)
    few = sweep_counted(django_capture_on_commit_callbacks)
    missing_few = DailyCompliance.objects.filter(date=DAY, status="missing").count()
    notices_few = Notification.objects.count()

    DailyCompliance.objects.all().delete()
    Notification.objects.all().delete()
    add_stations(bat, 9, start=3)
    many = sweep_counted(django_capture_on_commit_callbacks)

    assert DailyCompliance.objects.filter(date=DAY, status="missing").count() == missing_few + 9
    assert Notification.objects.count() > notices_few
    assert many == few


def test_the_sweep_mails_each_recipient_who_wants_it_once_in_one_task(
    world, mail_tasks, django_capture_on_commit_callbacks
):
    det_admin, bat, superuser = world
    add_stations(bat, 3)
    sweep_counted(django_capture_on_commit_callbacks)
    assert len(mail_tasks) == 1
    mailed = {m.to[0] for m in mail.outbox}
    opted_out = NotificationPreference.objects.get().user
    assert det_admin.email in mailed and superuser.email in mailed
    assert opted_out.email not in mailed
    assert Notification.objects.filter(recipient=opted_out).count() == 1  # in-app all the same
    assert all(n.emailed_at for n in Notification.objects.exclude(recipient=opted_out))
    assert len(mail.outbox) == Notification.objects.exclude(recipient=opted_out).count()

    first = len(mail.outbox)
    notices = Notification.objects.count()
    sweep_counted(django_capture_on_commit_callbacks)  # a second run: nobody told twice
    assert len(mail_tasks) == 1 and len(mail.outbox) == first and Notification.objects.count() == notices


def test_missing_units_with_nobody_up_the_chain_notify_the_superusers(
    world, django_capture_on_commit_callbacks
):
    *_, superuser = world
    sweep_counted(django_capture_on_commit_callbacks)
    titles = set(Notification.objects.filter(recipient=superuser).values_list("title", flat=True))
    assert f"无人支队 {DAY} 未报送每日零报告" in titles
    assert not any(title.startswith("大队") for title in titles)  # the battalion's chain has a holder
