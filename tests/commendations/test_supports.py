"""推荐依据: a nomination links published evaluations of its subject and earlier awards of the
same subject, visible to the drafter; 年度先进党小组 seed 先进党小组 nominations linked to
the rating that earned them."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.commendations import services
from apps.commendations.models import Nomination, Support
from tests.factories.commendations import (
    accepted_honour,
    advance,
    kind,
    make_nomination,
    published_evaluation,
)
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status


def _awarded(tree, crew, person, award="circular_praise", year=2025):
    n = advance(
        make_nomination(tree.station, crew.drafter, person, award=award, year=year),
        crew.reviewer,
        crew.bat,
        crew.det,
    )
    services.notices_close(today=n.notice_ends_on + datetime.timedelta(days=1))
    n.refresh_from_db()
    assert n.status == S.AWARDED
    return n


def _payload(tree, person, **extra):
    return {
        "unit": tree.station.pk,
        "award_kind": kind("commendation").pk,
        "year": 2026,
        "subject_person": person.pk,
        "deeds": "事迹",
        **extra,
    }


def test_a_nomination_links_the_subjects_evaluation_and_earlier_award(tree, crew, api):
    evaluation = published_evaluation(person=crew.hero, year=2025)
    earlier = _awarded(tree, crew, crew.hero)
    created = api(crew.drafter).post(
        "/api/commendations/nominations/",
        _payload(tree, crew.hero, supporting_evaluations=[evaluation.pk], earlier_awards=[earlier.pk]),
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["supporting_evaluations"] == [evaluation.pk] and body["earlier_awards"] == [earlier.pk]
    detail = api(crew.bat).get(f"/api/commendations/nominations/{body['id']}/").json()
    assert {s["kind"] for s in detail["supports"]} == {"evaluation", "earlier_award"}
    assert any(s["label"] == "既往奖励：2025年通报表扬" for s in detail["supports"])
    assert Support.objects.filter(nomination_id=body["id"]).count() == 2


@pytest.mark.parametrize("case", ["other_person", "draft_evaluation", "not_awarded", "other_subject_award"])
def test_links_that_do_not_concern_the_subject_are_a_400_and_nothing_is_written(tree, crew, api, case):
    other = make_person(tree.station)
    if case == "other_person":
        payload = {"supporting_evaluations": [published_evaluation(person=other).pk]}
    elif case == "draft_evaluation":
        payload = {"supporting_evaluations": [published_evaluation(person=crew.hero, status="draft").pk]}
    elif case == "not_awarded":
        pending = advance(make_nomination(tree.station, crew.drafter, crew.hero, year=2025), crew.reviewer)
        payload = {"earlier_awards": [pending.pk]}
    else:
        payload = {"earlier_awards": [_awarded(tree, crew, other).pk]}
    before = Nomination.objects.count()
    response = api(crew.drafter).post(
        "/api/commendations/nominations/", _payload(tree, crew.hero, **payload), format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) <= {"supporting_evaluations", "earlier_awards"}
    assert Nomination.objects.count() == before and not Support.objects.exists()


def test_links_out_of_the_drafters_scope_are_refused_as_not_existing(tree, crew, api):
    far = make_person(tree.station3)
    hidden = published_evaluation(person=far)
    response = api(crew.drafter).post(
        "/api/commendations/nominations/",
        _payload(tree, crew.hero, supporting_evaluations=[hidden.pk]),
        format="json",
    )
    assert response.status_code == 400 and "supporting_evaluations" in response.json()
    # the right subject, but earned before a transfer, in a unit the drafter cannot see
    from apps.evaluations.models import Evaluation

    earned_elsewhere = published_evaluation(person=crew.hero)
    Evaluation.objects.filter(pk=earned_elsewhere.pk).update(unit=tree.station3)
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    with pytest.raises(ValidationError) as exc:
        services.nomination_set_supports(
            nomination=n, actor=crew.drafter, supporting_evaluations=[earned_elsewhere]
        )
    assert "supporting_evaluations" in exc.value.message_dict
    assert not n.supports.exists()


def test_a_collective_nomination_links_the_groups_rating_not_a_members_evaluation(tree, crew):
    drafter = user_with_role("unit_admin", tree.station, "g_drafter")
    branch = make_org(tree.station, "branch")
    group = make_org(tree.station, "party_group", parent=branch)
    rating = published_evaluation(organisation=group)
    n = make_nomination(
        tree.station,
        drafter,
        None,
        award="advanced_party_group",
        subject_organisation=group,
        supporting_evaluations=[rating],
    )
    assert list(n.supports.values_list("evaluation", flat=True)) == [rating.pk]
    with pytest.raises(ValidationError) as exc:
        services.nomination_set_supports(
            nomination=n, actor=drafter, supporting_evaluations=[published_evaluation(person=crew.hero)]
        )
    assert "supporting_evaluations" in exc.value.message_dict
    assert list(n.supports.values_list("evaluation", flat=True)) == [rating.pk]


def test_links_change_only_on_a_draft_and_only_by_the_drafting_unit(tree, crew, api):
    first, second = published_evaluation(person=crew.hero, year=2024), published_evaluation(person=crew.hero)
    n = make_nomination(tree.station, crew.drafter, crew.hero, supporting_evaluations=[first])
    url = f"/api/commendations/nominations/{n.pk}/"
    patched = api(crew.drafter).patch(url, {"supporting_evaluations": [second.pk]}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["supporting_evaluations"] == [second.pk]
    with pytest.raises(PermissionDenied):
        services.nomination_set_supports(nomination=n, actor=crew.bat, supporting_evaluations=[first])
    assert api(crew.bat).patch(url, {"supporting_evaluations": [first.pk]}, format="json").status_code == 403
    services.nomination_submit(nomination=n, actor=crew.drafter)
    with pytest.raises(ValidationError):
        services.nomination_set_supports(nomination=n, actor=crew.drafter, supporting_evaluations=[first])
    assert api(crew.drafter).patch(url, {"supporting_evaluations": []}, format="json").status_code == 400
    assert list(n.supports.values_list("evaluation", flat=True)) == [second.pk]


def test_changing_the_subject_rechecks_the_links(tree, crew, api):
    n = make_nomination(
        tree.station, crew.drafter, crew.hero, supporting_evaluations=[published_evaluation(person=crew.hero)]
    )
    other = make_person(tree.station)
    response = api(crew.drafter).patch(
        f"/api/commendations/nominations/{n.pk}/", {"subject_person": other.pk}, format="json"
    )
    assert response.status_code == 400 and "supporting_evaluations" in response.json()
    n.refresh_from_db()
    assert n.subject_person == crew.hero  # rolled back as a whole


def test_accepted_advanced_groups_seed_linked_priority_nominations_once(tree, crew, api):
    drafter = user_with_role("unit_admin", tree.bat, "seeder")
    branch = make_org(tree.station, "branch", name="甲站党支部")
    group = make_org(tree.station, "party_group", parent=branch, name="甲站第一党小组")
    member = make_person(tree.station, party_group=group)
    honour = accepted_honour(group, members=[member])
    accepted_honour(
        make_org(tree.station3, "party_group", parent=make_org(tree.station3, "branch"))
    )  # elsewhere
    response = api(drafter).post(
        "/api/commendations/nominations/seed-from-honours/",
        {"unit": tree.bat.pk, "year": 2026},
        format="json",
    )
    assert response.status_code == 201, response.content
    [row] = response.json()
    assert row["subject_organisation"] == group.pk and row["priority"] is True
    assert row["supporting_evaluations"] == [honour.evaluation_id]
    assert "年度先进党小组" in row["source_note"] and row["award_kind"] == kind("advanced_party_group").pk
    again = api(drafter).post(
        "/api/commendations/nominations/seed-from-honours/",
        {"unit": tree.bat.pk, "year": 2026},
        format="json",
    )
    assert again.status_code == 201 and again.json() == []
    # a member nominated individually that year is marked priority automatically
    individual = make_nomination(tree.station, drafter, member, year=2026)
    assert individual.priority and "先进党小组成员" in individual.source_note


def test_seeding_is_refused_without_the_right_to_draft_there(tree, crew, api):
    viewer = user_with_role("viewer", tree.bat, "seed_viewer")
    url = "/api/commendations/nominations/seed-from-honours/"
    assert api(viewer).post(url, {"unit": tree.bat.pk, "year": 2026}, format="json").status_code == 403
    approver_admin = user_with_role("unit_admin", tree.station2, "seed_sibling")
    refused = api(approver_admin).post(url, {"unit": tree.bat.pk, "year": 2026}, format="json")
    assert refused.status_code == 400 and "unit" in refused.json()  # not visible: as if absent
    with pytest.raises(PermissionDenied):
        services.nominations_seed_from_honours(actor=crew.bat, unit=tree.station, year=2026)
    assert api(crew.drafter).post(url, {"unit": "x", "year": 2026}, format="json").status_code == 400


def _admin_form(tree, n, **extra):
    return {
        "unit": tree.station.pk,
        "award_kind": n.award_kind_id,
        "year": n.year,
        "subject_person": n.subject_person_id,
        "deeds": n.deeds,
        "source_note": "",
        "attachments-TOTAL_FORMS": 0,
        "attachments-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
        "objections-TOTAL_FORMS": 0,
        "objections-INITIAL_FORMS": 0,
        **extra,
    }


def test_the_admin_shows_and_edits_links_with_the_same_rule(tree, crew, client):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    url = f"/admin/commendations/nomination/{n.pk}/change/"
    client.force_login(crew.drafter)
    wrong = published_evaluation(person=make_person(tree.station))
    links = {"supports-TOTAL_FORMS": 1, "supports-INITIAL_FORMS": 0, "supports-0-nomination": n.pk}
    bad = client.post(url, _admin_form(tree, n, **links, **{"supports-0-evaluation": wrong.pk}))
    assert bad.status_code == 200 and "考核对象与推荐对象相同" in bad.content.decode()
    assert not Support.objects.exists()
    right = published_evaluation(person=crew.hero)
    ok = client.post(url, _admin_form(tree, n, **links, **{"supports-0-evaluation": right.pk}))
    assert ok.status_code == 302
    assert list(n.supports.values_list("evaluation", flat=True)) == [right.pk]
    client.force_login(crew.bat)  # an approver reads the links, cannot edit them
    body = client.get(url).content.decode()
    assert 'name="supports-0-evaluation"' not in body and str(right) in body


def test_the_admin_refuses_a_new_subject_that_the_links_do_not_fit(tree, crew, client):
    n = make_nomination(
        tree.station, crew.drafter, crew.hero, supporting_evaluations=[published_evaluation(person=crew.hero)]
    )
    other = make_person(tree.station)
    client.force_login(crew.drafter)
    links = {"supports-TOTAL_FORMS": 1, "supports-INITIAL_FORMS": 1, "supports-0-nomination": n.pk}
    link = n.supports.get()
    form = _admin_form(
        tree,
        n,
        subject_person=other.pk,
        **links,
        **{"supports-0-id": link.pk, "supports-0-evaluation": link.evaluation_id},
    )
    response = client.post(f"/admin/commendations/nomination/{n.pk}/change/", form)
    # the links' own check names the misfit (the service checks it again under the lock)
    assert response.status_code == 200 and "考核对象与推荐对象相同" in response.content.decode()
    n.refresh_from_db()
    assert n.subject_person == crew.hero
