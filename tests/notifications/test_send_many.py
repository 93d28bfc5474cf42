"""Notices for many units and users at once: the same recipients and the same idempotency as
one at a time, in a fixed number of queries."""

import pytest
from django.core import mail

from apps.notifications.models import Notification, NotificationPreference
from apps.notifications.services import (
    notification_send,
    notifications_send,
    recipients_up_the_chain,
    recipients_up_the_chain_for,
)
from apps.units.models import Unit
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db


def test_the_chains_of_many_units_equal_each_units_own_climb(tree, django_assert_max_num_queries):
    user_with_role("unit_admin", tree.det)
    user_with_role("unit_admin", tree.station)
    user_with_role("unit_admin", tree.station)
    gone = user_with_role("unit_admin", tree.bat2)
    gone.is_active = False
    gone.save()
    user_with_role("viewer", tree.det2)
    make_user("root", is_superuser=True)
    units = list(Unit.objects.all())
    with django_assert_max_num_queries(3):
        chains = recipients_up_the_chain_for(units=units, permission="reports.add_zeroreport")
    for unit in units:
        assert chains[unit.pk] == recipients_up_the_chain(unit=unit, permission="reports.add_zeroreport")


def test_notices_sent_at_once_are_deduplicated_like_one_at_a_time(tree):
    one, two = make_user("one"), make_user("two")
    notification_send(recipient=one, title="旧", dedupe_key="k")

    def batch():
        return [
            Notification(recipient=one, title="新", dedupe_key="k"),  # already sent to one
            Notification(recipient=two, title="新", dedupe_key="k"),
            Notification(recipient=two, title="重复", dedupe_key="k"),  # the same key twice
            Notification(recipient=two, title="无键"),
        ]

    assert notifications_send(notices=batch()) == 2
    assert sorted(Notification.objects.values_list("recipient__username", "title")) == [
        ("one", "旧"),
        ("two", "新"),
        ("two", "无键"),
    ]
    assert notifications_send(notices=batch()[:3]) == 0


def test_notices_sent_at_once_mail_by_each_users_preference(tree, django_capture_on_commit_callbacks):
    wants = make_user("wants", email="a@example.cn")
    party_only = make_user("party", email="b@example.cn")
    NotificationPreference.objects.create(user=party_only, email=True, email_categories=["party"])
    no_address = make_user("noaddress")
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send(
            notices=[
                Notification(recipient=u, title=f"提醒{u.username}", category="reports", dedupe_key="r")
                for u in (wants, party_only, no_address)
            ]
            + [Notification(recipient=party_only, title="党务", category="party")]
        )
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == [
        ("a@example.cn", "提醒wants"),
        ("b@example.cn", "党务"),
    ]
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_sending_many_notices_takes_a_fixed_number_of_queries(tree, django_assert_num_queries):
    users = [make_user(f"u{i}", email=f"u{i}@example.cn") for i in range(12)]
    with django_assert_num_queries(6):  # keys, savepoint, insert, preferences, ids, release
        notifications_send(notices=[Notification(recipient=u, title="t", dedupe_key="x") for u in users[:3]])
    with django_assert_num_queries(6):
        notifications_send(notices=[Notification(recipient=u, title="t", dedupe_key="y") for u in users])
