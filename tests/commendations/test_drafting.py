"""Drafts are written by the same rules whatever the door (issue 16 item 10; issue 21 item 5):
create and change obey one set of rules, a change is checked on the locked row, a nomination in
the workflow is never deleted with its trail, and a subject is nominated once per award and year."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.commendations import services
from apps.commendations.models import Decision, Nomination
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status


def _url(n, suffix=""):
    return f"/api/commendations/nominations/{n.pk}/{suffix}"


def _snapshot(n):
    return Nomination.objects.filter(pk=n.pk).values().get()


def test_a_patch_cannot_move_a_draft_to_a_sibling_station_that_does_not_hold_its_subject(tree, crew, api):
    bat_admin = user_with_role("unit_admin", tree.bat, "bat_admin")
    n = make_nomination(tree.station, bat_admin, crew.hero)
    before = _snapshot(n)
    response = api(bat_admin).patch(_url(n), {"unit": tree.station2.pk}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert _snapshot(n) == before


def test_a_patch_moving_a_draft_to_a_unit_where_the_actor_may_not_draft_is_refused(tree, crew, api):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    # a bat-level drafting unit is visible to nobody at the station: the foreign key refuses it
    response = api(crew.drafter).patch(_url(n), {"unit": tree.bat.pk}, format="json")
    assert response.status_code in (400, 403)
    assert Nomination.objects.get(pk=n.pk).unit == tree.station


def test_a_patch_cannot_turn_a_personal_award_into_a_collective_one(tree, crew, api):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    before = _snapshot(n)
    response = api(crew.drafter).patch(_url(n), {"award_kind": kind("advanced_party_org").pk}, format="json")
    assert response.status_code == 400 and "award_kind" in response.json()
    assert _snapshot(n) == before


def test_a_patch_naming_two_subjects_is_a_400_not_a_500(tree, crew, api):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    before = _snapshot(n)
    response = api(crew.drafter).patch(_url(n), {"subject_unit": tree.station.pk}, format="json")
    assert response.status_code == 400 and "subject_person" in response.json()
    assert _snapshot(n) == before


def test_a_patch_of_a_nomination_in_the_workflow_is_refused(tree, crew, api):
    n = services.nomination_submit(
        nomination=make_nomination(tree.station, crew.drafter, crew.hero), actor=crew.drafter
    )
    response = api(crew.drafter).patch(_url(n), {"deeds": "改写"}, format="json")
    assert response.status_code == 400 and "status" in response.json()
    assert Nomination.objects.get(pk=n.pk).deeds != "改写"


def test_the_update_service_checks_the_draft_state_on_the_locked_row(tree, crew):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    stale = Nomination.objects.get(pk=n.pk)  # read while still a draft
    services.nomination_submit(nomination=n, actor=crew.drafter)
    stale.deeds = "提交后改写"
    with pytest.raises(ValidationError):
        services.nomination_update(instance=stale, actor=crew.drafter)
    fresh = Nomination.objects.get(pk=n.pk)
    assert fresh.status == S.SUBMITTED and fresh.deeds != "提交后改写"


def test_a_valid_patch_of_a_draft_is_saved_with_its_history(tree, crew, api):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    response = api(crew.drafter).patch(_url(n), {"deeds": "补充事迹"}, format="json")
    assert response.status_code == 200, response.content
    n.refresh_from_db()
    assert n.deeds == "补充事迹" and n.history.first().history_user == crew.drafter


def test_the_api_refuses_to_delete_a_nomination_in_the_workflow_and_keeps_its_trail(tree, crew, api):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    assert api(crew.drafter).delete(_url(n)).status_code == 400
    assert Nomination.objects.filter(pk=n.pk).exists() and Decision.objects.filter(nomination=n).count() == 3


def test_a_returned_draft_keeps_its_trail_and_cannot_be_deleted(tree, crew, api):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    n = services.nomination_return(nomination=n, actor=crew.bat, comment="补充材料")
    assert n.status == S.DRAFT
    assert api(crew.drafter).delete(_url(n)).status_code == 400
    assert Decision.objects.filter(nomination=n).count() == 4


def test_a_fresh_draft_is_deleted_through_the_api(tree, crew, api):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    assert api(crew.drafter).delete(_url(n)).status_code == 204
    assert not Nomination.objects.filter(pk=n.pk).exists()


# --- the admin ---------------------------------------------------------------------------


def _form(n, **changes):
    data = {
        "unit": n.unit_id,
        "award_kind": n.award_kind_id,
        "year": n.year,
        "subject_person": n.subject_person_id or "",
        "subject_unit": n.subject_unit_id or "",
        "subject_organisation": n.subject_organisation_id or "",
        "deeds": n.deeds,
        "source_note": n.source_note,
        "supports-TOTAL_FORMS": 0,
        "supports-INITIAL_FORMS": 0,
        "attachments-TOTAL_FORMS": 0,
        "attachments-INITIAL_FORMS": 0,
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
        "objections-TOTAL_FORMS": 0,
        "objections-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_admin_change_obeys_the_drafting_rules(tree, crew, client):
    bat_admin = user_with_role("unit_admin", tree.bat, "bat_admin2")
    n = make_nomination(tree.station, bat_admin, crew.hero)
    before = _snapshot(n)
    client.force_login(bat_admin)
    url = f"/admin/commendations/nomination/{n.pk}/change/"
    moved = client.post(url, _form(n, unit=tree.station2.pk))
    assert moved.status_code == 200 and "推荐对象须在推荐单位" in moved.content.decode()
    collective = client.post(url, _form(n, award_kind=kind("advanced_party_org").pk))
    assert collective.status_code == 200 and "集体奖项" in collective.content.decode()
    two = client.post(url, _form(n, subject_unit=tree.station.pk))
    assert two.status_code == 200 and "只能指定一个推荐对象" in two.content.decode()
    assert _snapshot(n) == before


def test_the_admin_refuses_to_delete_a_nomination_in_the_workflow(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.force_login(crew.drafter)
    url = f"/admin/commendations/nomination/{n.pk}/delete/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/commendations/nomination/",
        {"action": "delete_selected", "_selected_action": [n.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302, 403)
    assert Nomination.objects.filter(pk=n.pk).exists() and n.decisions.count() == 3


def test_the_admin_deletes_a_fresh_draft_through_the_service(tree, crew, client):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    client.force_login(crew.drafter)
    assert client.post(f"/admin/commendations/nomination/{n.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Nomination.objects.filter(pk=n.pk).exists()


def test_the_admin_bulk_delete_of_a_selection_holding_a_nomination_in_the_workflow_deletes_none(
    tree, crew, client
):
    fresh = make_nomination(tree.station, crew.drafter, crew.hero)
    busy = advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    client.force_login(crew.drafter)
    response = client.post(
        "/admin/commendations/nomination/",
        {"action": "delete_selected", "_selected_action": [fresh.pk, busy.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Nomination.objects.filter(pk__in=[fresh.pk, busy.pk]).count() == 2
    assert busy.decisions.count() == 3
    alone = client.post(
        "/admin/commendations/nomination/",
        {"action": "delete_selected", "_selected_action": [fresh.pk], "post": "yes"},
    )
    assert alone.status_code == 302 and not Nomination.objects.filter(pk=fresh.pk).exists()


# --- once per subject, award and year (issue 21 item 5) -----------------------------------


def test_the_same_person_cannot_be_nominated_twice_for_the_same_award_and_year(tree, crew, api):
    make_nomination(tree.station, crew.drafter, crew.hero)
    payload = {
        "unit": tree.station.pk,
        "award_kind": kind().pk,
        "year": 2026,
        "subject_person": crew.hero.pk,
        "deeds": "再次推荐",
    }
    response = api(crew.drafter).post("/api/commendations/nominations/", payload, format="json")
    assert response.status_code == 400
    assert "不能重复推荐" in response.json()["subject_person"][0]
    assert Nomination.objects.filter(subject_person=crew.hero).count() == 1
    other_year = api(crew.drafter).post(
        "/api/commendations/nominations/", {**payload, "year": 2025}, format="json"
    )
    assert other_year.status_code == 201


def test_a_higher_level_cannot_nominate_the_same_person_again_either(tree, crew):
    make_nomination(tree.station, crew.drafter, crew.hero)
    det_admin = user_with_role("unit_admin", tree.det, "det_drafter")
    with pytest.raises(ValidationError) as refused:
        make_nomination(tree.det, det_admin, crew.hero)
    assert "甲站" in str(refused.value)  # names where the first one is


def test_a_withdrawn_or_rejected_nomination_may_be_drafted_again(tree, crew):
    first = make_nomination(tree.station, crew.drafter, crew.hero)
    services.nomination_withdraw(nomination=first, actor=crew.drafter)
    second = make_nomination(tree.station, crew.drafter, crew.hero)
    assert second.status == S.DRAFT


def test_a_patch_cannot_make_a_second_nomination_of_the_same_subject(tree, crew, api):
    make_nomination(tree.station, crew.drafter, crew.hero)
    other = make_nomination(tree.station, crew.drafter, make_person(tree.station))
    response = api(crew.drafter).patch(_url(other), {"subject_person": crew.hero.pk}, format="json")
    assert response.status_code == 400 and "不能重复推荐" in str(response.json())


def test_the_database_refuses_a_second_live_nomination_of_the_same_subject(tree, crew):
    first = make_nomination(tree.station, crew.drafter, crew.hero)
    twin = Nomination(
        unit=first.unit,
        award_kind=first.award_kind,
        year=first.year,
        subject_person=crew.hero,
        deeds="x",
        drafted_by=crew.drafter,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_collective_is_nominated_once_per_award_and_year(tree, crew):
    drafter = user_with_role("unit_admin", tree.bat, "collective_drafter")
    make_nomination(tree.bat, drafter, None, award="advanced_party_org", subject_unit=tree.station)
    with pytest.raises(ValidationError):
        make_nomination(tree.bat, drafter, None, award="advanced_party_org", subject_unit=tree.station)
