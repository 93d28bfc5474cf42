"""Nominations that wait (issue 16 item 12; issue 21 item 3): escalation reaches someone who
can make them move, and each approver gets one "nominations waiting" reminder a day."""

import datetime

import pytest
from django.utils import timezone

from apps.commendations import services
from apps.commendations.models import Nomination
from apps.notifications.models import Notification
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.units import grant, user_with_role

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _overdue(n):
    Nomination.objects.filter(pk=n.pk).update(waiting_since=timezone.now() - datetime.timedelta(days=10))


def test_a_nomination_drafted_by_the_only_approver_of_its_level_escalates_to_who_can_appoint(tree, client):
    drafter = user_with_role("unit_admin", tree.station, "approver_drafter")
    grant(drafter, tree.bat, "approver")  # the battalion's only approver drafted it
    reviewer = user_with_role("secretary", tree.station, "w_reviewer")
    det_admin = user_with_role("unit_admin", tree.det, "w_det_admin")
    det_approver = user_with_role("approver", tree.det, "w_det_approver")
    n = advance(make_nomination(tree.station, drafter, make_person(tree.station)), reviewer)
    assert n.current_level == tree.bat and services.deciders_of(n) == []
    _overdue(n)
    assert services.escalate_waiting(days=7) == 1
    notice = Notification.objects.get(title__contains="无人可审批")
    assert notice.recipient == det_admin and tree.bat.name in notice.body
    assert not Notification.objects.filter(recipient__in=[drafter, det_approver]).exists()
    assert services.escalate_waiting(days=7) == 0  # idempotent
    # the administrator appoints an approver at the battalion, and the nomination moves
    appointed = user_with_role("approver", tree.bat, "w_appointed")
    assert services.deciders_of(n) == [appointed]
    assert services.nomination_approve(nomination=n, actor=appointed).current_level == tree.det


def test_a_nomination_naming_the_only_approver_escalates_to_who_can_appoint(tree):
    only = user_with_role("approver", tree.bat, "named_only")
    named = make_person(tree.station, name="被推荐人", user=only)
    drafter = user_with_role("unit_admin", tree.station, "w_drafter2")
    reviewer = user_with_role("secretary", tree.station, "w_reviewer2")
    det_admin = user_with_role("unit_admin", tree.det, "w_det_admin2")
    n = advance(make_nomination(tree.station, drafter, named), reviewer)
    _overdue(n)
    assert services.escalate_waiting(days=7) == 1
    assert Notification.objects.get().recipient == det_admin


def test_escalation_reaches_an_eligible_deputy_of_the_level(tree, crew):
    deputy = user_with_role("viewer", tree.bat, "w_deputy")
    services.delegation_create(
        approver=crew.bat, deputy=deputy, starts_on=TODAY, ends_on=TODAY, actor=crew.bat
    )
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    _overdue(n)
    assert services.escalate_waiting(days=7) == 2
    assert set(Notification.objects.values_list("recipient", flat=True)) == {crew.bat.pk, deputy.pk}


def test_each_approver_gets_one_waiting_reminder_a_day(tree, crew):
    advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer, crew.bat)
    assert services.remind_waiting(today=TODAY) == 3  # bat (2 waiting), det and det_b (1 each)
    assert services.remind_waiting(today=TODAY) == 0  # run twice, one reminder
    bat = Notification.objects.get(recipient=crew.bat)
    assert "2 件" in bat.title
    assert not Notification.objects.filter(recipient=crew.corps).exists()  # nothing waits there
    assert services.remind_waiting(today=TODAY + datetime.timedelta(days=1)) == 3  # the next day


def test_the_waiting_reminder_reaches_a_deputy_only_for_what_they_can_see(tree, crew):
    seeing = user_with_role("viewer", tree.bat, "r_seeing")
    blind = user_with_role("viewer", tree.station2, "r_blind")
    for deputy in (seeing, blind):
        services.delegation_create(
            approver=crew.bat, deputy=deputy, starts_on=TODAY, ends_on=TODAY, actor=crew.bat
        )
    advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    services.remind_waiting(today=TODAY)
    assert Notification.objects.filter(recipient=seeing).count() == 1
    assert not Notification.objects.filter(recipient=blind).exists()


def test_the_reminder_task_runs_the_service(tree, crew):
    from apps.commendations.tasks import remind_waiting_nominations

    advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    assert remind_waiting_nominations.delay().get() == 1
    assert remind_waiting_nominations.delay().get() == 0
