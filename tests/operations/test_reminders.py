"""The daily report's reminder: missing reporters are reminded once, however often beat runs."""

import datetime

import pytest
from django.utils import timezone

from apps.notifications.models import Notification
from apps.operations import services
from apps.operations.tasks import remind_missing_wartime_reports

pytestmark = pytest.mark.django_db


def _after_deadline(op, day):
    return services.report_deadline(op, day) + datetime.timedelta(minutes=1)


def test_the_reminder_task_run_twice_sends_once(ops, active):
    assert remind_missing_wartime_reports.delay().get() > 0
    sent = Notification.objects.count()
    assert sent > 0
    assert remind_missing_wartime_reports.delay().get() == 0
    assert Notification.objects.count() == sent


def test_missing_stations_are_reminded_and_the_activator_gets_a_summary(ops, active):
    day = ops.today - datetime.timedelta(days=1)
    services.daily_report_file(
        operation=active, unit=ops.tree.tqz, report_date=day, on_duty=9, actor=ops.tqz_staff
    )
    now = _after_deadline(active, day)
    services.daily_reports_remind(now=now)
    titles = dict(
        Notification.objects.filter(title__contains=f"{day:%m月%d日}").values_list(
            "recipient__username", "title"
        )
    )
    assert titles["station_staff"].startswith("甲站")
    assert "tqz_staff" not in titles  # 特勤站 filed
    assert "2 个单位未报送" in titles["det_secretary"]
    assert services.daily_reports_remind(now=now) == 0


def test_nothing_is_sent_before_the_deadline_or_after_closing(ops, active):
    before = datetime.datetime.combine(ops.today, datetime.time(8, 0), tzinfo=services.TZ)
    Notification.objects.all().delete()
    # yesterday's deadline has passed at 08:00 today, today's has not
    services.daily_reports_remind(now=before)
    assert not Notification.objects.filter(title__contains=f"{ops.today:%m月%d日}").exists()
    services.operation_close(operation=active, actor=ops.secretary)
    Notification.objects.all().delete()
    assert services.daily_reports_remind(now=timezone.now()) == 0


def test_party_groups_are_reminded_through_their_stations_staff(ops, operation):
    from apps.operations.selectors import missing_reporters

    services.operation_update(operation=operation, actor=ops.admin, report_level="party_group")
    op = services.operation_activate(operation=operation, actor=ops.secretary)
    day = ops.today - datetime.timedelta(days=1)
    assert [m["name"] for m in missing_reporters(operation=op, day=day)] == ["甲站一班党小组"]
    services.daily_reports_remind(now=_after_deadline(op, day))
    reminded = set(
        Notification.objects.filter(title__startswith="甲站一班党小组").values_list(
            "recipient__username", flat=True
        )
    )
    assert reminded == {"station_staff"}
