"""``nominations_available_actions`` (a page of nominations at once, for the inbox's rows)
answers exactly what ``nomination_available_actions`` (the services' own guards) answers for
each nomination: in every state, for drafters, reviewers, approvers at each level, deputies,
people named in the nomination, a superuser and an inactive account, and for every demo user
on every demo nomination; in a fixed number of queries whatever the number of nominations."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Delegation, Nomination
from apps.commendations.selectors import (
    WORKFLOW_ACTIONS,
    nomination_available_actions,
    nominations_available_actions,
)
from apps.people.models import PartyMembership
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_org, make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status
TODAY = datetime.date.today()


def _in_state(state, n, crew) -> Nomination:
    """``n`` (a draft at 甲站, or at 甲区大队 for the collective ones) taken to ``state``."""
    reviewer = crew.reviewer if n.unit_id == crew.tree.station.pk else crew.bat_reviewer
    if state == S.DRAFT:
        return n
    if state in (S.SUBMITTED, S.WITHDRAWN):
        n = services.nomination_submit(nomination=n, actor=n.drafted_by)
        return services.nomination_withdraw(nomination=n, actor=n.drafted_by) if state == S.WITHDRAWN else n
    n = advance(n, reviewer)
    if state == S.APPROVING:
        return n
    if state == S.REJECTED:
        decider = crew.bat if n.current_level_id == crew.tree.bat.pk else crew.det
        return services.nomination_reject(nomination=n, actor=decider, comment="事迹不实")
    if n.current_level_id == crew.tree.bat.pk:
        n = services.nomination_approve(nomination=n, actor=crew.bat)
    n = services.nomination_approve(nomination=n, actor=crew.det)
    if state == S.OBJECTED:
        services.nomination_object(nomination=n, actor=crew.corps, reason="有异议")
    return n


@pytest.fixture
def cast(tree, crew):
    """Besides the crew: deputies (acting, out of sight, expired, for a delegator named in a
    nomination), approvers named in a nomination or in its collective, a superuser, an
    inactive approver; nominations of a person, a unit and a party organisation in every state."""
    crew.tree = tree
    crew.bat_reviewer = user_with_role("secretary", tree.bat, "bat_reviewer")
    crew.bat_drafter = user_with_role("unit_admin", tree.bat, "bat_drafter")
    crew.det_secretary = user_with_role("secretary", tree.det, "det_secretary")
    crew.deputy = user_with_role("viewer", tree.det, "deputy_det")
    crew.narrow = user_with_role("viewer", tree.station2, "deputy_narrow")  # cannot see 甲站's
    crew.expired = user_with_role("viewer", tree.det, "deputy_expired")
    crew.named_bat = user_with_role("approver", tree.bat, "approver_named")
    crew.named_deputy = user_with_role("viewer", tree.bat, "deputy_of_named")
    crew.member_det = user_with_role("approver", tree.det, "approver_member")
    crew.root = make_user("root_batch", is_superuser=True)
    crew.inactive = user_with_role("approver", tree.bat, "approver_inactive")
    crew.inactive.is_active = False
    crew.inactive.save()
    yesterday = TODAY - datetime.timedelta(days=1)
    for approver, deputy, starts, ends in [
        (crew.det, crew.deputy, TODAY, TODAY),
        (crew.bat, crew.narrow, TODAY, TODAY),
        (crew.det_b, crew.expired, yesterday - datetime.timedelta(days=3), yesterday),
        (crew.named_bat, crew.named_deputy, TODAY, TODAY),
    ]:
        Delegation.objects.create(approver=approver, deputy=deputy, starts_on=starts, ends_on=ends)

    branch = make_org(tree.station, name="甲站党支部")
    group = make_org(tree.squad, "party_group", branch, name="甲站一班党小组")
    PartyMembership.objects.create(
        person=make_person(tree.station, name="支队审批人", user=crew.member_det),
        organisation=group,
        start_date=datetime.date(2020, 1, 1),
    )
    named = make_person(tree.station, name="被推荐的审批人", user=crew.named_bat)

    # 授予 closes every notice, so the awarded ones come first
    made = []
    for year, state in enumerate(
        [S.AWARDED, *[s for s in S if s != S.AWARDED]], start=2020
    ):  # a year each: one live nomination per subject, award and year
        drafts = [
            make_nomination(tree.station, crew.drafter, make_person(tree.station), year=year),
            make_nomination(tree.station, crew.drafter, named, year=year),
            make_nomination(
                tree.bat, crew.bat_drafter, None, "advanced_party_group", year, subject_unit=tree.station
            ),
            make_nomination(
                tree.station, crew.drafter, None, "advanced_party_group", year, subject_organisation=branch
            ),
        ]
        made += [_in_state(state, n, crew) for n in drafts]
        if state == S.AWARDED:
            services.notices_close(today=TODAY + datetime.timedelta(days=90))
    crew.nominations = list(Nomination.objects.filter(pk__in=[n.pk for n in made]).order_by("pk"))
    crew.users = [u for name, u in vars(crew).items() if hasattr(u, "is_superuser")]
    return crew


def _assert_same(users, nominations) -> set[str]:
    offered = set()
    for user in users:
        fresh = list(Nomination.objects.filter(pk__in=[n.pk for n in nominations]).order_by("pk"))
        batch = nominations_available_actions(nominations=fresh, actor=user)
        assert set(batch) == {n.pk for n in fresh}
        for n in fresh:
            single = nomination_available_actions(nomination=n, actor=user)
            assert batch[n.pk] == single, (user.username, n.pk, n.status, n.subject_name)
            offered |= set(single)
    return offered


def test_the_batch_answers_as_the_guards_in_every_state_for_everyone(cast):
    states = set(Nomination.objects.values_list("status", flat=True))
    assert states == set(S.values)
    offered = _assert_same(cast.users, cast.nominations)
    assert offered == set(WORKFLOW_ACTIONS)  # every step was offered to someone: not vacuous


def test_deputies_approve_only_what_they_see_and_not_for_a_delegator_named_in_it(cast):
    waiting = [n for n in cast.nominations if n.status == S.APPROVING]
    at_det = [n for n in waiting if n.current_level_id == cast.tree.det.pk]
    at_bat = [n for n in waiting if n.current_level_id == cast.tree.bat.pk]
    assert at_det and at_bat
    answers = {
        name: nominations_available_actions(nominations=waiting, actor=getattr(cast, name))
        for name in ("deputy", "narrow", "expired", "named_deputy", "member_det", "root")
    }
    assert all(answers["deputy"][n.pk] == ["approve", "return", "reject"] for n in at_det)
    assert not any(answers["narrow"].values()) and not any(answers["expired"].values())
    assert not any(answers["root"].values())  # a superuser approves only where granted exactly
    named = {n.pk for n in at_bat if n.subject_person and n.subject_person.user_id == cast.named_bat.pk}
    assert named and all(answers["named_deputy"][pk] == [] for pk in named)
    assert any(answers["named_deputy"][n.pk] for n in at_bat if n.pk not in named)
    in_unit = [n for n in at_det if n.subject_unit_id]  # 甲站, where member_det's person is
    assert in_unit and all(answers["member_det"][n.pk] == [] for n in in_unit)
    objected = [n for n in cast.nominations if n.status == S.OBJECTED]
    member = nominations_available_actions(nominations=objected, actor=cast.member_det)
    for n in objected:  # in the party group under the branch named: involved, no resolution
        expected = (
            ["object"] if n.subject_organisation_id or n.subject_unit_id else ["object", "resolve_objection"]
        )
        assert member[n.pk] == expected, n.subject_name


def _queries(nominations, user) -> int:
    fresh = list(Nomination.objects.filter(pk__in=[n.pk for n in nominations]))
    with CaptureQueriesContext(connection) as ctx:
        nominations_available_actions(nominations=fresh, actor=user)
    return len(ctx.captured_queries)


def test_the_batch_costs_the_same_queries_for_few_and_for_many_nominations(cast):
    one_each = list({n.status: n for n in cast.nominations}.values())
    assert len(one_each) == len(S) and len(cast.nominations) >= 3 * len(S)
    for user in (cast.bat, cast.det, cast.deputy, cast.reviewer, cast.drafter, cast.det_secretary, cast.root):
        few, many = _queries(one_each, user), _queries(cast.nominations, user)
        assert few == many <= 7, (user.username, few, many)
    assert nominations_available_actions(nominations=[], actor=cast.bat) == {}


# --- the demo corps: every demo user on every demo nomination -------------------------------


def test_the_batch_answers_as_the_guards_for_every_demo_user_and_nomination(db):
    from apps.core.demo import demo_load

    demo = demo_load(seed=7)
    users = list(demo["users"].values())
    deputy = demo["users"]["demo_viewer"]  # sees 遵义支队; acts for its approver today
    Delegation.objects.create(
        approver=demo["users"]["demo_approver_zunyi"], deputy=deputy, starts_on=TODAY, ends_on=TODAY
    )
    nominations = list(Nomination.objects.all())
    assert {n.status for n in nominations} == set(S.values)
    offered = _assert_same(users, nominations)
    assert {"submit", "review", "approve", "return", "reject", "withdraw", "object"} <= offered
