"""Coverage figures: SQL against a brute-force count, moves, nightly task and reminders."""

import datetime
import random

import pytest

from apps.notifications.models import Notification
from apps.people.models import Person
from apps.talks.models import CoverageSnapshot, FollowUp, TalkPolicy, TalkRecord
from apps.talks.selectors import coverage_per_child, period_bounds, uncovered_people
from apps.talks.tasks import coverage_snapshots_store, nightly_talk_figures, reminders_send
from apps.units.models import Unit
from apps.units.services import unit_move
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
Q4 = (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))


def brute_force(root, start, end):
    rows = {}
    for child in Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    ):
        people = [
            p
            for p in Person.objects.select_related("unit")
            if p.is_active and p.unit.path.startswith(child.path)
        ]
        covered = [
            p for p in people if TalkRecord.objects.filter(person=p, date__range=(start, end)).exists()
        ]
        rows[child.pk] = (len(people), len(covered))
    return rows


def test_coverage_matches_a_brute_force_count(tree):
    rnd = random.Random(5)
    talker = make_user("t", is_superuser=True)
    units = [tree.station, tree.squad, tree.station2, tree.tqz, tree.station3]
    people = [make_person(rnd.choice(units)) for _ in range(40)]
    for person in rnd.sample(people, 25):
        for _ in range(rnd.randint(1, 2)):
            month = rnd.choice([9, 10, 11])
            make_talk(
                person, talker, date=datetime.date(2026, month, rnd.randint(1, 20 if month == 11 else 28))
            )
    for root in (tree.corps, tree.det, tree.bat):
        figures = {
            r["unit_id"]: (r["people"], r["covered"])
            for r in coverage_per_child(user=talker, root=root, period_start=Q4[0], period_end=Q4[1])
        }
        assert figures == brute_force(root, *Q4)


def test_coverage_is_computed_in_a_fixed_number_of_queries(tree, django_assert_max_num_queries):
    talker = make_user("t2", is_superuser=True)
    for unit in (tree.station, tree.station2, tree.tqz):
        for _ in range(5):
            make_talk(make_person(unit), talker)
    with django_assert_max_num_queries(1):  # a superuser: no granted paths to read
        coverage_per_child(user=talker, root=tree.det, period_start=Q4[0], period_end=Q4[1])
    secretary = user_with_role("secretary", tree.corps, "counted_secretary")
    with django_assert_max_num_queries(2):  # granted paths (all three permissions), then figures
        coverage_per_child(user=secretary, root=tree.det, period_start=Q4[0], period_end=Q4[1])


def scoped_by_visible_to(user, root, start, end, today):
    """The figures per child from three plain ``visible_to`` querysets, for comparison."""
    people = Person.objects.visible_to(user, "view").filter(is_active=True)
    talks = TalkRecord.objects.visible_to(user, "view").filter(
        date__range=(start, end), person__is_active=True
    )
    overdue = FollowUp.objects.visible_to(user, "view").filter(status="open", due_date__lt=today)
    rows = {}
    for child in Unit.objects.filter(
        path__startswith=root.path, depth=root.depth + 1, dissolved_on__isnull=True
    ):
        rows[child.pk] = (
            people.filter(unit__path__startswith=child.path).count(),
            talks.filter(person__unit__path__startswith=child.path).values("person").distinct().count(),
            overdue.filter(record__unit__path__startswith=child.path).count(),
        )
    return rows


def test_coverage_scope_matches_visible_to_per_permission(tree):
    """People, talks and follow-ups are each scoped by their own permission, as visible_to
    does, including a talk shared one by one with a reader outside its unit."""
    from guardian.shortcuts import assign_perm

    talker = make_user("t7", is_superuser=True)
    today = datetime.date(2026, 11, 20)
    for unit in (tree.station, tree.squad, tree.station2, tree.tqz, tree.station3):
        for _ in range(3):
            make_talk(
                make_person(unit),
                talker,
                date=datetime.date(2026, 10, 5),
                followups=[{"owner": talker, "due_date": datetime.date(2026, 10, 20), "description": "跟进"}],
            )
    make_person(tree.station3)
    moved = make_person(tree.station)
    make_talk(moved, talker, date=datetime.date(2026, 10, 6))
    moved.unit = tree.station3  # talked with in det, now counted in det2
    moved.save()
    shared_talk = TalkRecord.objects.filter(unit=tree.station3).first()
    users = [
        user_with_role("approver", tree.corps, "approver_only"),  # people, no talks
        user_with_role("viewer", tree.det, "det_viewer"),
        user_with_role("talker", tree.station2, "station2_talker"),
        make_user("nobody"),
    ]
    assign_perm("talks.view_talkrecord", users[1], shared_talk)  # as talk_share does
    for user in users:
        for root in (tree.corps, tree.det, tree.det2):
            figures = {
                r["unit_id"]: (r["people"], r["covered"], r["overdue_followups"])
                for r in coverage_per_child(
                    user=user, root=root, period_start=Q4[0], period_end=Q4[1], today=today
                )
            }
            assert figures == scoped_by_visible_to(user, root, *Q4, today), (user.username, root.name)


def test_moving_a_station_moves_its_coverage(tree):
    talker = make_user("t3", is_superuser=True)
    person = make_person(tree.station)
    make_talk(person, talker)
    before = {
        r["unit_id"]: r["covered"]
        for r in coverage_per_child(user=talker, root=tree.corps, period_start=Q4[0], period_end=Q4[1])
    }
    assert before[tree.det.pk] == 1 and before[tree.det2.pk] == 0
    unit_move(
        unit=Unit.objects.get(pk=tree.bat.pk), new_parent=Unit.objects.get(pk=tree.det2.pk), actor=talker
    )
    after = {
        r["unit_id"]: r["covered"]
        for r in coverage_per_child(user=talker, root=tree.corps, period_start=Q4[0], period_end=Q4[1])
    }
    assert after[tree.det.pk] == 0 and after[tree.det2.pk] == 1


def test_a_detachment_user_sees_no_figures_of_a_sibling(tree):
    talker = make_user("t4", is_superuser=True)
    make_talk(make_person(tree.station3), talker)
    admin = user_with_role("unit_admin", tree.det)
    rows = coverage_per_child(user=admin, root=tree.corps, period_start=Q4[0], period_end=Q4[1])
    assert {r["unit_id"]: r["people"] for r in rows}[tree.det2.pk] == 0


def test_uncovered_people_are_listed(tree):
    talker = make_user("t5", is_superuser=True)
    talked, silent = make_person(tree.station), make_person(tree.station, name="未谈人员")
    make_talk(talked, talker)
    assert list(uncovered_people(user=talker, root=tree.station, period_start=Q4[0], period_end=Q4[1])) == [
        silent
    ]


def test_nightly_snapshots_roll_up_and_respect_the_unit_period(tree):
    talker = make_user("t6", is_superuser=True)
    TalkPolicy.objects.create(unit=tree.det2, period="month")
    make_talk(make_person(tree.station), talker, date=datetime.date(2026, 10, 5))
    make_person(tree.tqz)
    make_talk(make_person(tree.station3), talker, date=datetime.date(2026, 10, 5))
    today = datetime.date(2026, 11, 20)
    coverage_snapshots_store(today=today)
    coverage_snapshots_store(today=today)  # idempotent: same rows updated
    det = CoverageSnapshot.objects.get(unit=tree.det)
    assert (det.period_start, det.people, det.covered) == (datetime.date(2026, 10, 1), 2, 1)
    det2 = CoverageSnapshot.objects.get(unit=tree.det2)
    assert (det2.period_start, det2.people, det2.covered) == (datetime.date(2026, 11, 1), 1, 0)
    assert CoverageSnapshot.objects.filter(unit=tree.corps).get().people == 3


def test_reminder_task_run_twice_sends_each_reminder_once(tree):
    talker = user_with_role("talker", tree.station, "reminded_talker")
    head = user_with_role("unit_admin", tree.station, "station_head")
    people = [make_person(tree.station) for _ in range(4)]
    make_talk(
        people[0],
        talker,
        date=datetime.date(2026, 10, 2),
        followups=[{"owner": talker, "due_date": datetime.date(2026, 10, 20), "description": "帮助联系医院"}],
    )
    today = datetime.date(2026, 11, 25)
    first = reminders_send(today=today, snapshots=coverage_snapshots_store(today=today))
    second = reminders_send(today=today, snapshots=coverage_snapshots_store(today=today))
    assert first >= 2 and second == 0
    assert Notification.objects.filter(recipient=talker, title__contains="逾期").count() == 1
    assert Notification.objects.filter(recipient=head, title__contains="覆盖率").count() == 1
    FollowUp.objects.update(status="done")
    assert reminders_send(today=today + datetime.timedelta(days=1), snapshots=[]) == 0


def test_the_beat_task_runs_end_to_end(tree):
    assert nightly_talk_figures.delay().get() >= 0
    assert CoverageSnapshot.objects.filter(unit=tree.root).exists()


def test_period_bounds():
    assert period_bounds("quarter", datetime.date(2026, 11, 23)) == Q4
    assert period_bounds("month", datetime.date(2026, 2, 10)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )


def test_coverage_api_and_admin_page(tree, api, client):
    talker = user_with_role("secretary", tree.det, "sec")
    make_talk(make_person(tree.station), talker, date=datetime.date(2026, 10, 3))
    make_person(tree.tqz, name="未谈")
    body = api(talker).get("/api/talks/records/coverage/", {"unit": tree.det.pk, "date": "2026-11-01"}).json()
    assert body["unit"]["people"] == 2 and body["unit"]["covered"] == 1
    assert [p["name"] for p in body["uncovered"]] == ["未谈"]
    assert api(talker).get("/api/talks/records/coverage/", {"unit": tree.det2.pk}).status_code == 400
    client.force_login(talker)
    page = client.get("/admin/talks/talkrecord/coverage/", {"unit": tree.det.pk, "date": "2026-11-01"})
    assert page.status_code == 200 and "未谈" in page.content.decode()


def test_my_followups_lists_only_mine(tree, api):
    talker = user_with_role("talker", tree.station, "me")
    other = user_with_role("talker", tree.station, "other")
    person = make_person(tree.station)
    make_talk(person, talker, followups=[{"owner": talker, "due_date": datetime.date(2026, 12, 1)}])
    make_talk(person, other, followups=[{"owner": other, "due_date": datetime.date(2026, 12, 1)}])
    mine = api(talker).get("/api/talks/followups/mine/").json()
    assert [f["owner"] for f in mine["results"]] == ["me"]
    fid = mine["results"][0]["id"]
    other_fid = FollowUp.objects.get(owner=other).pk
    assert api(talker).post(f"/api/talks/followups/{other_fid}/complete/", {}).status_code == 403
    assert (
        api(talker).post(f"/api/talks/followups/{fid}/complete/", {"outcome": "已联系"}).json()["status"]
        == "done"
    )


def test_another_talker_cannot_edit_my_talk(tree, api):
    mine = user_with_role("talker", tree.station, "author")
    other = user_with_role("talker", tree.station, "colleague")
    talk = make_talk(make_person(tree.station), mine)
    assert (
        api(other).patch(f"/api/talks/records/{talk.pk}/", {"place": "改"}, format="json").status_code == 403
    )
    assert (
        api(mine).patch(f"/api/talks/records/{talk.pk}/", {"place": "谈心室"}, format="json").status_code
        == 200
    )
    talk.refresh_from_db()
    assert talk.place == "谈心室"


def test_the_uncovered_list_agrees_with_the_coverage_figure_when_a_talk_was_held_outside_the_scope(
    tree, api, client
):
    """A person transferred in after a talk at their old unit (outside the user's scope):
    neither the figure nor the list counts that talk, so both say "not yet talked with"."""
    from apps.people.services import person_transfer
    from apps.talks.selectors import coverage_for_unit

    newcomer = make_person(tree.station3, name="调入人员")
    make_talk(newcomer, make_user("old_talker", is_superuser=True), date=datetime.date(2026, 10, 5))
    person_transfer(person=newcomer, to_unit=tree.station, on=datetime.date(2026, 10, 20))
    talked = make_person(tree.station, name="已谈人员")
    make_talk(talked, make_user("t_here", is_superuser=True))
    admin = user_with_role("unit_admin", tree.station, "station_head")
    args = {"user": admin, "period_start": Q4[0], "period_end": Q4[1]}
    figure = coverage_for_unit(unit=tree.station, **args)
    missing = list(uncovered_people(root=tree.station, **args))
    assert (figure["people"], figure["covered"]) == (2, 1)
    assert missing == [newcomer]
    assert figure["people"] - figure["covered"] == len(missing)
    [row] = [r for r in coverage_per_child(root=tree.bat, **args) if r["unit_id"] == tree.station.pk]
    assert row["covered"] == figure["covered"]
    body = (
        api(admin).get("/api/talks/records/coverage/", {"unit": tree.station.pk, "date": "2026-11-01"}).json()
    )
    assert body["unit"]["covered"] == 1 and [p["name"] for p in body["uncovered"]] == ["调入人员"]
    client.force_login(admin)
    page = client.get("/admin/talks/talkrecord/coverage/", {"unit": tree.station.pk, "date": "2026-11-01"})
    assert page.context["total"]["covered"] == 1 and page.context["uncovered"] == [newcomer]


def test_a_share_does_not_count_in_the_coverage_of_the_reader(tree, api):
    from apps.talks.selectors import coverage_for_unit

    committee = user_with_role("secretary", tree.det, "det_committee")
    reader = user_with_role("viewer", tree.station2, "share_reader")
    person = make_person(tree.station)
    talk = make_talk(person, committee)
    api(committee).post(
        f"/api/talks/records/{talk.pk}/share/", {"reader": "share_reader", "reason": "协助"}, format="json"
    )
    figure = coverage_for_unit(user=reader, unit=tree.station2, period_start=Q4[0], period_end=Q4[1])
    assert figure["covered"] == 0
