"""Every transition, allowed and refused, by role and by state."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.commendations import services
from apps.commendations.models import Delegation, Nomination, Quota
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status


def test_the_full_path_from_draft_to_award(tree, crew):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    assert [u.pk for u in services.approval_levels(n)] == [tree.bat.pk, tree.det.pk]
    n = advance(n, crew.reviewer, crew.bat)
    assert (n.status, n.current_level) == (S.APPROVING, tree.det)
    n = services.nomination_approve(nomination=n, actor=crew.det)
    assert n.status == S.NOTICE and n.notice_ends_on == datetime.date.today() + datetime.timedelta(days=3)
    assert services.notices_close(today=n.notice_ends_on) == 0
    assert services.notices_close(today=n.notice_ends_on + datetime.timedelta(days=1)) == 1
    assert services.notices_close(today=n.notice_ends_on + datetime.timedelta(days=1)) == 0  # idempotent
    n.refresh_from_db()
    assert n.status == S.AWARDED
    steps = list(n.decisions.values_list("action", "from_status", "to_status"))
    assert steps == [
        ("create", "", "draft"),
        ("submit", "draft", "submitted"),
        ("review", "submitted", "approving"),
        ("approve", "approving", "approving"),
        ("approve", "approving", "notice"),
        ("award", "notice", "awarded"),
    ]


def test_a_level_cannot_be_skipped(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=crew.det)  # waiting at the battalion
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=crew.corps)  # a grant above does not count
    n.refresh_from_db()
    assert n.current_level == tree.bat and n.decisions.filter(action="approve").count() == 0


def test_nobody_reviews_their_own_draft(tree, crew):
    from tests.factories.units import grant

    both = user_with_role("secretary", tree.station, "both")
    grant(both, tree.station, "unit_admin")
    n = services.nomination_submit(nomination=make_nomination(tree.station, both, crew.hero), actor=both)
    with pytest.raises(PermissionDenied):
        services.nomination_review(nomination=n, actor=both)
    assert services.nomination_review(nomination=n, actor=crew.reviewer).status == S.APPROVING


def test_nobody_approves_a_nomination_that_names_them(tree, crew):
    named = user_with_role("approver", tree.det, "named_approver")
    person = make_person(tree.station, name="被推荐的审批人", user=named)
    n = advance(make_nomination(tree.station, crew.drafter, person), crew.reviewer, crew.bat)
    assert n.current_level == tree.det
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=named)
    assert services.nomination_approve(nomination=n, actor=crew.det).status == S.NOTICE


def test_an_approver_in_the_named_collective_is_refused(tree, crew):
    member = user_with_role("approver", tree.bat, "member_approver")
    make_person(tree.station, name="集体成员", user=member)
    drafter = user_with_role("unit_admin", tree.bat, "collective_drafter")
    n = make_nomination(tree.bat, drafter, None, award="advanced_party_org", subject_unit=tree.station)
    n = advance(n, user_with_role("secretary", tree.bat, "c_reviewer"))
    assert n.current_level == tree.det
    det_member = user_with_role("approver", tree.det, "det_member")
    make_person(tree.station, name="另一成员", user=det_member)
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=det_member)


def test_transitions_refused_by_state(tree, crew):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    with pytest.raises(ValidationError):
        services.nomination_approve(nomination=n, actor=crew.bat)
    with pytest.raises(ValidationError):
        services.nomination_review(nomination=n, actor=crew.reviewer)
    with pytest.raises(ValidationError):
        services.nomination_object(nomination=n, actor=crew.bat, reason="x")
    n = advance(n, crew.reviewer, crew.bat, crew.det)
    with pytest.raises(ValidationError):
        services.nomination_withdraw(nomination=n, actor=crew.drafter)
    with pytest.raises(ValidationError):
        services.nomination_submit(nomination=n, actor=crew.drafter)


def test_only_the_drafter_withdraws(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    with pytest.raises(PermissionDenied):
        services.nomination_withdraw(nomination=n, actor=crew.bat)
    assert services.nomination_withdraw(nomination=n, actor=crew.drafter).status == S.WITHDRAWN


def test_return_sends_it_back_to_draft_with_the_reason_and_it_can_be_resubmitted(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    with pytest.raises(ValidationError):
        services.nomination_return(nomination=n, actor=crew.bat, comment="")
    n = services.nomination_return(nomination=n, actor=crew.bat, comment="事迹材料不完整")
    assert n.status == S.DRAFT and n.decisions.last().comment == "事迹材料不完整"
    n = advance(n, crew.reviewer, crew.bat)
    assert n.current_level == tree.det


def test_reject_at_review(tree, crew):
    n = services.nomination_submit(
        nomination=make_nomination(tree.station, crew.drafter, crew.hero), actor=crew.drafter
    )
    with pytest.raises(PermissionDenied):
        services.nomination_reject(nomination=n, actor=crew.bat, comment="不符合条件")
    assert (
        services.nomination_reject(nomination=n, actor=crew.reviewer, comment="不符合条件").status
        == S.REJECTED
    )


def test_objection_holds_the_notice_until_resolved(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat, crew.det)
    objection = services.nomination_object(nomination=n, actor=crew.corps, reason="事迹存在夸大")
    late = n.notice_ends_on + datetime.timedelta(days=1)
    assert services.notices_close(today=late) == 0
    with pytest.raises(PermissionDenied):
        services.objection_resolve(objection=objection, actor=crew.bat, upheld=False, resolution="x")
    n = services.objection_resolve(
        objection=objection, actor=crew.det, upheld=False, resolution="经核实，事迹属实"
    )
    assert n.status == S.NOTICE
    assert services.notices_close(today=late) == 1
    second = advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station)),
        crew.reviewer,
        crew.bat,
        crew.det,
    )
    upheld = services.nomination_object(nomination=second, actor=crew.corps, reason="有违纪记录")
    assert (
        services.objection_resolve(objection=upheld, actor=crew.det, upheld=True, resolution="属实").status
        == S.REJECTED
    )


def test_quota_refuses_the_award_beyond_it(tree, crew):
    Quota.objects.create(unit=tree.det, award_kind=kind(), year=2026, limit=1)
    first = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat, crew.det)
    assert first.status == S.NOTICE
    second = advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer, crew.bat
    )
    with pytest.raises(ValidationError) as exc:
        services.nomination_approve(nomination=second, actor=crew.det)
    assert "名额" in str(exc.value)
    second.refresh_from_db()
    assert second.status == S.APPROVING


def test_a_deputy_approves_within_the_delegation_dates_only(tree, crew):
    deputy = user_with_role("viewer", tree.det, "deputy")
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat)
    Delegation.objects.create(
        approver=crew.det,
        deputy=deputy,
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2020, 2, 1),
    )
    with pytest.raises(PermissionDenied):
        services.nomination_approve(nomination=n, actor=deputy)
    Delegation.objects.create(
        approver=crew.det, deputy=deputy, starts_on=datetime.date.today(), ends_on=datetime.date.today()
    )
    n = services.nomination_approve(nomination=n, actor=deputy)
    assert n.status == S.NOTICE and n.decisions.last().on_behalf_of == crew.det


def test_escalation_tells_the_level_that_can_act_once_not_the_level_above(tree, crew):
    from django.utils import timezone

    from apps.notifications.models import Notification

    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    Nomination.objects.filter(pk=n.pk).update(waiting_since=timezone.now() - datetime.timedelta(days=10))
    assert services.escalate_waiting(days=7) == 1  # the battalion's approver: the one who can act
    assert services.escalate_waiting(days=7) == 0
    assert Notification.objects.filter(recipient=crew.bat, title__contains="超期").count() == 1
    assert not Notification.objects.filter(recipient__in=[crew.det, crew.det_b]).exists()
