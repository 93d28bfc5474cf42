"""Unit staff never hard-delete a talk record: its talker or the committee voids it with a
reason; only a superuser deletes, and the access log survives even that (issue 16, item 2)."""

import datetime

import pytest

from apps.talks.models import FollowUp, TalkContentAccess, TalkRecord
from apps.talks.selectors import coverage_for_unit, period_bounds
from tests.factories.talks import make_talk
from tests.factories.units import make_user

pytestmark = pytest.mark.django_db
SECRET = "家中母亲病重"


@pytest.fixture
def talk(cast):
    record = make_talk(
        cast.person,
        cast.talker,
        state_of_mind=SECRET,
        followups=[{"owner": cast.talker, "due_date": datetime.date(2026, 10, 20)}],
    )
    return record


@pytest.mark.parametrize("role", ["unit_admin", "hq_admin", "committee", "talker", "viewer"])
def test_unit_staff_cannot_delete_a_talk_record_through_the_api(role, cast, talk, api):
    response = api(getattr(cast, role)).delete(f"/api/talks/records/{talk.pk}/")
    assert response.status_code == 403
    assert TalkRecord.objects.filter(pk=talk.pk).exists()


def test_a_talk_record_out_of_scope_answers_404_to_delete_and_void(cast, talk, api, tree):
    from tests.factories.units import user_with_role

    sibling_admin = user_with_role("unit_admin", tree.det2, "sibling_admin")
    # no role of unit staff carries the delete permission: the same 403 for any id, no oracle
    assert api(sibling_admin).delete(f"/api/talks/records/{talk.pk}/").status_code == 403
    assert api(sibling_admin).delete("/api/talks/records/999999/").status_code == 403
    client = api(cast.sibling_secretary)
    assert (
        client.post(f"/api/talks/records/{talk.pk}/void/", {"reason": "误录"}, format="json").status_code
        == 404
    )
    assert TalkRecord.objects.get(pk=talk.pk).voided_at is None


@pytest.mark.parametrize("role", ["unit_admin", "hq_admin"])
def test_unit_staff_cannot_delete_a_talk_record_in_the_admin(role, cast, talk, client):
    client.force_login(getattr(cast, role))
    assert client.get(f"/admin/talks/talkrecord/{talk.pk}/delete/").status_code == 403
    assert client.post(f"/admin/talks/talkrecord/{talk.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        "/admin/talks/talkrecord/",
        {"action": "delete_selected", "_selected_action": [talk.pk], "post": "yes"},
    )
    assert bulk.status_code in (200, 302)
    assert TalkRecord.objects.filter(pk=talk.pk).exists()


def test_the_talker_voids_a_record_with_a_reason_and_it_leaves_the_coverage(cast, talk, api, tree):
    start, end = period_bounds("quarter", talk.date)
    assert (
        coverage_for_unit(user=cast.committee, unit=tree.station, period_start=start, period_end=end)[
            "covered"
        ]
        == 1
    )
    client = api(cast.talker)
    assert client.post(f"/api/talks/records/{talk.pk}/void/", {}, format="json").status_code == 400
    voided = client.post(f"/api/talks/records/{talk.pk}/void/", {"reason": "对象登记错误"}, format="json")
    assert voided.status_code == 200 and voided.json()["voided_at"]
    talk.refresh_from_db()
    assert (talk.voided_by, talk.void_reason) == (cast.talker, "对象登记错误")
    assert talk.followups.get().status == FollowUp.Status.CANCELLED
    assert (
        coverage_for_unit(user=cast.committee, unit=tree.station, period_start=start, period_end=end)[
            "covered"
        ]
        == 0
    )
    log = TalkContentAccess.objects.get(event="void")
    assert (log.user, log.record_id, log.note) == (cast.talker, talk.pk, "对象登记错误")
    again = client.post(f"/api/talks/records/{talk.pk}/void/", {"reason": "再次"}, format="json")
    assert again.status_code == 400
    edited = client.patch(f"/api/talks/records/{talk.pk}/", {"place": "别处"}, format="json")
    assert edited.status_code == 400


@pytest.mark.parametrize("role", ["unit_admin", "viewer", "hq_admin"])
def test_only_the_talker_or_the_committee_voids_a_record(role, cast, talk, api):
    response = api(getattr(cast, role)).post(
        f"/api/talks/records/{talk.pk}/void/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 403
    assert TalkRecord.objects.get(pk=talk.pk).voided_at is None


def test_the_committee_voids_a_record_in_the_admin(cast, talk, client):
    client.force_login(cast.unit_admin)
    assert client.get(f"/admin/talks/talkrecord/{talk.pk}/void/").status_code == 403
    client.force_login(cast.committee)
    assert client.get(f"/admin/talks/talkrecord/{talk.pk}/void/").status_code == 200
    assert client.post(f"/admin/talks/talkrecord/{talk.pk}/void/", {"reason": ""}).status_code == 400
    assert client.post(f"/admin/talks/talkrecord/{talk.pk}/void/", {"reason": "重复登记"}).status_code == 302
    assert TalkRecord.objects.get(pk=talk.pk).void_reason == "重复登记"
    client.force_login(cast.sibling_secretary)
    assert client.get(f"/admin/talks/talkrecord/{talk.pk}/void/").status_code == 404


def test_a_superusers_delete_keeps_the_access_log_with_the_record_id(cast, talk, api, client):
    api(cast.committee).get(f"/api/talks/records/{talk.pk}/")
    root = make_user("root_deleter", is_superuser=True)
    assert api(root).delete(f"/api/talks/records/{talk.pk}/").status_code == 204
    assert not TalkRecord.objects.filter(pk=talk.pk).exists()
    rows = list(
        TalkContentAccess.objects.order_by("id").values_list(
            "event", "user__username", "record_number", "record"
        )
    )
    assert rows == [("read", "committee", talk.pk, None), ("delete", "root_deleter", talk.pk, None)]
    assert TalkContentAccess.objects.filter(unit=talk.unit).count() == 2  # still scoped to its unit
    # and the committee still finds them in its log
    log = api(cast.committee).get("/api/talks/content-reads/", {"record_number": talk.pk}).json()
    assert {r["event"] for r in log["results"]} == {"read", "delete"}


def test_a_superuser_deletes_in_the_admin_and_the_log_survives(cast, talk, client):
    client.force_login(cast.committee)
    client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
    client.force_login(make_user("admin_root", is_superuser=True))
    assert client.post(f"/admin/talks/talkrecord/{talk.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not TalkRecord.objects.exists()
    assert sorted(TalkContentAccess.objects.values_list("event", flat=True)) == ["delete", "read"]


def test_the_access_log_is_append_only(cast, talk):
    row = TalkContentAccess.objects.create(record=talk, user=cast.committee, channel="api")
    assert (row.record_number, row.unit_id) == (talk.pk, talk.unit_id)
    row.note = "改写"
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValueError):
        row.delete()


def test_the_access_log_cannot_be_changed_or_deleted_in_the_admin(cast, talk, client):
    row = TalkContentAccess.objects.create(record=talk, user=cast.committee, channel="api")
    client.force_login(make_user("root_log", is_superuser=True))
    assert client.post(f"/admin/talks/talkcontentaccess/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert TalkContentAccess.objects.filter(pk=row.pk).exists()


def test_a_voided_record_is_shown_but_no_longer_edited_in_the_admin(cast, talk, client, api):
    api(cast.talker).post(f"/api/talks/records/{talk.pk}/void/", {"reason": "误录"}, format="json")
    client.force_login(cast.talker)
    url = f"/admin/talks/talkrecord/{talk.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "已作废" in page.content.decode()
    assert client.post(url, {"kind": "admonition", "place": "改"}).status_code == 403
    talk.refresh_from_db()
    assert (talk.kind, talk.place) == ("routine", "")
