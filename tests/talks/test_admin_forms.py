"""The talk-record admin keeps nothing of one request for the next, shows the content and the
warning flag only to content readers, and writes through the services (issue 16, items 1, 3, 9)."""

import datetime

import pytest

from apps.talks.admin import TalkRecordForm
from apps.talks.models import CONTENT_FIELDS, FollowUp, TalkContentAccess, TalkRecord
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
SECRET = "家中母亲病重，情绪低落"
WARNING = "近期请假频繁，流露退意"
FLAG = "有苗头性倾向性问题"  # the flag's label (the content field's label is 苗头性倾向性问题)


@pytest.fixture
def talk(cast):
    return make_talk(cast.person, cast.talker, state_of_mind=SECRET, warning_signs=WARNING)


def test_after_a_reader_opens_a_record_no_other_role_sees_its_content_on_the_add_or_change_page(
    cast, talk, client, tree
):
    client.force_login(cast.committee)
    opened = client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
    assert opened.status_code == 200 and SECRET in opened.content.decode()
    other_talker = user_with_role("talker", tree.station, "other_talker")
    others = {
        "unit_admin": cast.unit_admin,
        "viewer": cast.viewer,
        "hq_admin": cast.hq_admin,
        "other_talker": other_talker,
        "sibling_secretary": cast.sibling_secretary,
    }
    for role, user in others.items():
        client.force_login(user)
        add = client.get("/admin/talks/talkrecord/add/")
        change = client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
        for page in (add, change):
            text = page.content.decode()
            assert SECRET not in text and WARNING not in text, (role, page.request["PATH_INFO"])
            assert FLAG not in text, (role, page.request["PATH_INFO"])
        assert add.status_code in (200, 403), role
        assert (
            change.status_code == (404 if role == "sibling_secretary" else 200) or change.status_code == 302
        )
        if add.status_code == 200:
            form = add.context["adminform"].form
            assert not any(form[name].value() for name in CONTENT_FIELDS if name in form.fields), role
    for name in CONTENT_FIELDS:  # the shared class was never written to
        assert not TalkRecordForm.base_fields[name].initial


def test_the_reader_sees_the_content_on_the_change_page_and_the_read_is_logged(cast, talk, client):
    client.force_login(cast.committee)
    page = client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
    assert SECRET in page.content.decode() and WARNING in page.content.decode()
    assert list(TalkContentAccess.objects.values_list("user__username", "channel", "event")) == [
        ("committee", "admin", "read")
    ]


def test_a_superusers_content_reads_are_logged_in_the_admin_and_the_api(cast, talk, client, api):
    root = make_user("root_reader", is_superuser=True)
    client.force_login(root)
    assert SECRET in client.get(f"/admin/talks/talkrecord/{talk.pk}/change/").content.decode()
    assert SECRET in api(root).get(f"/api/talks/records/{talk.pk}/").content.decode()
    assert sorted(TalkContentAccess.objects.filter(user=root).values_list("channel", flat=True)) == [
        "admin",
        "api",
    ]


def test_the_warning_flag_in_the_admin_list_and_its_filter_follow_the_content(cast, talk, client):
    client.force_login(cast.committee)
    listing = client.get("/admin/talks/talkrecord/", {"warning": "yes"})
    assert [r.pk for r in listing.context["cl"].result_list] == [talk.pk]
    for user in (cast.unit_admin, cast.viewer, cast.hq_admin):
        client.force_login(user)
        filtered = client.get("/admin/talks/talkrecord/", {"warning": "yes"})
        assert list(filtered.context["cl"].result_list) == [], user
        unfiltered = client.get("/admin/talks/talkrecord/")
        [row] = unfiltered.context["cl"].result_list
        assert unfiltered.context["cl"].model_admin.warning_shown(row) == "—"


def test_a_talker_with_view_only_rights_elsewhere_cannot_record_a_talk_there_in_the_admin(tree, client):
    talker = user_with_role("talker", tree.station, "station_talker")
    from tests.factories.units import grant

    grant(talker, tree.station2, "viewer")
    elsewhere = make_person(tree.station2, name="乙站人员")
    client.force_login(talker)
    response = client.post("/admin/talks/talkrecord/add/", _add_form(elsewhere))
    assert response.status_code == 200  # the form again, with the service's refusal
    assert "无权" in response.content.decode()
    assert not TalkRecord.objects.exists()
    at_home = make_person(tree.station, name="甲站人员")
    saved = client.post("/admin/talks/talkrecord/add/", _add_form(at_home))
    assert saved.status_code == 302
    record = TalkRecord.objects.get()
    assert (record.talker, record.unit_id, record.decrypted_content()["state_of_mind"]) == (
        talker,
        tree.station.pk,
        SECRET,
    )


def test_only_the_owner_or_the_talker_completes_a_follow_up_in_the_admin(cast, client):
    record = make_talk(
        cast.person, cast.talker, followups=[{"owner": cast.talker, "due_date": datetime.date(2026, 10, 20)}]
    )
    followup = record.followups.get()
    client.force_login(cast.unit_admin)  # holds change_followup, is neither owner nor talker
    url = f"/admin/talks/followup/{followup.pk}/change/"
    refused = client.post(url, {"owner": cast.talker.pk, "due_date": "2026-10-20", "status": "done"})
    assert refused.status_code == 200 and "只有责任人或谈话人" in refused.content.decode()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.OPEN
    client.force_login(cast.talker)
    done = client.post(url, {"owner": cast.talker.pk, "due_date": "2026-10-20", "status": "done"})
    assert done.status_code == 302
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.DONE and followup.completed_on is not None


def test_a_past_version_of_a_talk_record_is_not_reopened_as_a_form(cast, talk, client):
    client.force_login(cast.committee)
    version = talk.history.latest().history_id
    assert client.get(f"/admin/talks/talkrecord/{talk.pk}/history/{version}/").status_code == 403


def _add_form(person, **extra):
    return {
        "person": person.pk,
        "date": "2026-10-10",
        "kind": "routine",
        "place": "会议室",
        "state_of_mind": SECRET,
        "warning_signs": "",
        "difficulties": "",
        "followups-TOTAL_FORMS": "0",
        "followups-INITIAL_FORMS": "0",
        "followups-MIN_NUM_FORMS": "0",
        "followups-MAX_NUM_FORMS": "1000",
        **extra,
    }
