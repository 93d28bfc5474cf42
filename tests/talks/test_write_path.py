"""Every write on talks goes through apps/talks/services.py: the API's PATCH and DELETE,
the admin's add, change and delete, the follow-up rules, and the nightly task (issue 16, item 9)."""

import datetime

import pytest

from apps.core.writes import writes_for
from apps.talks import services
from apps.talks.models import CoverageSnapshot, FollowUp, TalkRecord
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import grant, user_with_role

pytestmark = pytest.mark.django_db


def test_talk_records_and_follow_ups_are_written_by_the_talks_services():
    assert writes_for(TalkRecord).create is services.talk_record_create
    assert writes_for(TalkRecord).update is services.talk_record_update
    assert writes_for(TalkRecord).delete is services.talk_record_delete
    assert writes_for(FollowUp).update is services.followup_update


def test_a_talker_with_view_only_rights_elsewhere_cannot_record_a_talk_there_through_the_api(tree, api):
    talker = user_with_role("talker", tree.station, "api_talker")
    grant(talker, tree.station2, "viewer")
    elsewhere = make_person(tree.station2)
    response = api(talker).post(
        "/api/talks/records/",
        {"person": elsewhere.pk, "date": "2026-10-01", "kind": "routine"},
        format="json",
    )
    assert response.status_code == 403
    assert not TalkRecord.objects.exists()


def test_the_api_patch_goes_through_the_service_and_keeps_the_history_user(cast, api):
    talk = make_talk(cast.person, cast.talker)
    response = api(cast.talker).patch(f"/api/talks/records/{talk.pk}/", {"place": "谈心室"}, format="json")
    assert response.status_code == 200
    latest = talk.history.latest()
    assert (latest.place, latest.history_user) == ("谈心室", cast.talker)


def test_a_unit_admin_in_scope_cannot_edit_a_talk_in_the_admin(cast, client):
    talk = make_talk(cast.person, cast.talker)
    client.force_login(cast.unit_admin)
    url = f"/admin/talks/talkrecord/{talk.pk}/change/"
    client.post(
        url,
        {"kind": "admonition", "place": "改", "followups-TOTAL_FORMS": "0", "followups-INITIAL_FORMS": "0"},
    )
    talk.refresh_from_db()
    assert (talk.kind, talk.place) == ("routine", "")


def test_the_committee_edits_kind_place_and_content_in_the_admin(cast, client):
    talk = make_talk(cast.person, cast.talker, state_of_mind="旧内容")
    client.force_login(cast.committee)
    response = client.post(
        f"/admin/talks/talkrecord/{talk.pk}/change/",
        {
            "kind": "admonition",
            "place": "会议室",
            "state_of_mind": "新内容",
            "warning_signs": "有退意",
            "difficulties": "",
            "followups-TOTAL_FORMS": "0",
            "followups-INITIAL_FORMS": "0",
            "followups-MIN_NUM_FORMS": "0",
            "followups-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    talk.refresh_from_db()
    assert (talk.kind, talk.decrypted_content()["state_of_mind"], talk.has_warning_signs) == (
        "admonition",
        "新内容",
        True,
    )
    assert talk.history.latest().history_user == cast.committee


def test_a_follow_up_added_in_the_admin_inline_keeps_the_due_date_rule(cast, client):
    talk = make_talk(cast.person, cast.talker)
    client.force_login(cast.talker)
    data = {
        "kind": "routine",
        "place": "",
        "state_of_mind": "思想稳定，工作积极",
        "warning_signs": "",
        "difficulties": "",
        "followups-TOTAL_FORMS": "1",
        "followups-INITIAL_FORMS": "0",
        "followups-MIN_NUM_FORMS": "0",
        "followups-MAX_NUM_FORMS": "1000",
        "followups-0-owner": cast.talker.pk,
        "followups-0-due_date": "2026-10-01",  # before the talk
        "followups-0-record": talk.pk,
    }
    response = client.post(f"/admin/talks/talkrecord/{talk.pk}/change/", data)
    assert response.status_code == 200 and "跟进期限不能早于谈话日期" in response.content.decode()
    assert not FollowUp.objects.exists()
    data["followups-0-due_date"] = "2026-10-30"
    assert client.post(f"/admin/talks/talkrecord/{talk.pk}/change/", data).status_code == 302
    assert FollowUp.objects.get().history.latest().history_user == cast.talker


def test_the_nightly_task_stores_its_figures_through_the_service(tree, monkeypatch):
    from apps.talks.tasks import coverage_snapshots_store

    seen = []
    original = services.coverage_snapshots_write
    monkeypatch.setattr(
        services, "coverage_snapshots_write", lambda rows: seen.append(len(rows)) or original(rows)
    )
    coverage_snapshots_store(today=datetime.date(2026, 11, 1))
    assert seen and CoverageSnapshot.objects.count() == seen[0]


def test_bad_follow_ups_answer_400_with_a_message_list_per_field(cast, api):
    response = api(cast.talker).post(
        "/api/talks/records/",
        {
            "person": cast.person.pk,
            "date": "2026-10-01",
            "kind": "routine",
            "followups": [
                {"owner": cast.talker.username, "due_date": "2026-10-05"},
                {"owner": "nobody", "due_date": "x"},
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert all(isinstance(m, str) for messages in body.values() for m in messages)
    assert any(m.startswith("第 2 项 责任人：") for m in body["followups"])
    assert not TalkRecord.objects.exists()
