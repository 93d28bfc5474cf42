"""Sharing one talk record: with a reason and an optional end date, inside the record's corps
(HQ may share wider), revocable, every share and revoke in the access log, a who-can-read
list for the talker and the committee, in the API and the admin (issue 21, item 1)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.talks.models import TalkContentAccess, TalkRecord, TalkShare
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
SECRET = "家中母亲病重，情绪低落"


@pytest.fixture
def talk(cast):
    return make_talk(cast.person, cast.talker, state_of_mind=SECRET, warning_signs="近期请假频繁")


@pytest.fixture
def reader(tree):
    return user_with_role("viewer", tree.station2, "reader")  # inside the corps, outside the scope


def share(client, talk, **data):
    return client.post(f"/api/talks/records/{talk.pk}/share/", data, format="json")


def test_the_committee_shares_a_record_and_the_reader_reads_it_until_revoked(cast, talk, reader, api):
    assert api(reader).get(f"/api/talks/records/{talk.pk}/").status_code == 404
    shared = share(api(cast.committee), talk, reader="reader", reason="协助家访", ends_on=None)
    assert shared.status_code == 201
    body = shared.json()
    assert (body["reader_name"], body["reason"], body["in_force"], body["outside_corps"]) == (
        "reader",
        "协助家访",
        True,
        False,
    )
    detail = api(reader).get(f"/api/talks/records/{talk.pk}/")
    assert detail.status_code == 200 and SECRET in detail.content.decode()
    assert detail.json()["has_warning_signs"] is True
    assert TalkRecord.record_grant_holds(reader, "talks.view_talk_content", talk)
    revoked = api(cast.committee).post(
        f"/api/talks/records/{talk.pk}/revoke/", {"share": body["id"], "reason": "家访已结束"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["in_force"] is False
    assert api(reader).get(f"/api/talks/records/{talk.pk}/").status_code == 404
    assert not TalkRecord.record_grant_holds(reader, "talks.view_talk_content", talk)
    events = list(
        TalkContentAccess.objects.order_by("id").values_list(
            "event", "user__username", "reader__username", "note"
        )
    )
    assert events == [
        ("share", "committee", "reader", "协助家访"),
        ("read", "reader", None, ""),
        ("revoke", "committee", "reader", "家访已结束"),
    ]


def test_a_share_past_its_end_date_stops_counting_with_no_task_run(cast, talk, reader, api, monkeypatch):
    today = timezone.localdate()
    assert (
        share(api(cast.committee), talk, reader="reader", reason="短期协助", ends_on=str(today)).status_code
        == 201
    )
    assert api(reader).get(f"/api/talks/records/{talk.pk}/").status_code == 200
    assert TalkRecord.objects.visible_to(reader, "view").filter(pk=talk.pk).exists()
    tomorrow = today + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: tomorrow)
    assert api(reader).get(f"/api/talks/records/{talk.pk}/").status_code == 404
    assert not TalkRecord.objects.visible_to(reader, "view").filter(pk=talk.pk).exists()
    assert not TalkRecord.record_grant_holds(reader, "talks.view_talk_content", talk)
    assert TalkShare.objects.get().revoked_at is None  # nothing had to run


def test_a_share_needs_a_reason_and_an_end_date_not_in_the_past(cast, talk, reader, api):
    client = api(cast.committee)
    assert "reason" in share(client, talk, reader="reader").json()
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    assert "ends_on" in share(client, talk, reader="reader", reason="x", ends_on=str(yesterday)).json()
    assert not TalkShare.objects.exists()


def test_a_committee_cannot_share_with_a_reader_in_another_corps(cast, talk, api, tree):
    user_with_role("secretary", tree.corps2, "other_corps")
    refused = share(api(cast.committee), talk, reader="other_corps", reason="参考")
    assert refused.status_code == 400 and "reader" in refused.json()
    assert not TalkShare.objects.exists() and not TalkContentAccess.objects.exists()


def test_hq_may_share_wider_and_the_share_is_logged_as_such(cast, talk, api, tree):
    hq_committee = user_with_role("secretary", tree.root, "bureau_committee")
    outsider = user_with_role("viewer", tree.corps2, "other_corps")
    shared = share(api(hq_committee), talk, reader="other_corps", reason="跨总队联合调查")
    assert shared.status_code == 201 and shared.json()["outside_corps"] is True
    assert "跨总队" in TalkContentAccess.objects.get(event="share").note
    assert api(outsider).get(f"/api/talks/records/{talk.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["unit_admin", "viewer", "hq_admin", "talker"])
def test_only_the_committee_shares(role, cast, talk, reader, api):
    assert share(api(getattr(cast, role)), talk, reader="reader", reason="x").status_code == 403
    assert not TalkShare.objects.exists()


def test_sharing_a_record_out_of_scope_is_404(cast, talk, reader, api):
    assert share(api(cast.sibling_secretary), talk, reader="reader", reason="x").status_code == 404
    assert api(cast.sibling_secretary).get(f"/api/talks/records/{talk.pk}/readers/").status_code == 404


def test_a_reader_who_already_reads_is_not_shared_with_again(cast, talk, api):
    assert share(api(cast.committee), talk, reader="talker", reason="x").status_code == 400


def test_only_the_sharer_or_the_committee_revokes(cast, talk, reader, api, tree):
    made = share(api(cast.committee), talk, reader="reader", reason="协助").json()
    for user in (cast.unit_admin, reader):
        response = api(user).post(
            f"/api/talks/records/{talk.pk}/revoke/", {"share": made["id"]}, format="json"
        )
        assert response.status_code == 403, user
    assert TalkShare.objects.get().revoked_at is None
    other = make_talk(make_person(tree.station), cast.talker)
    wrong = api(cast.committee).post(
        f"/api/talks/records/{other.pk}/revoke/", {"share": made["id"]}, format="json"
    )
    assert wrong.status_code == 400


def test_the_who_can_read_list_names_the_talker_the_committee_and_the_shares_in_force(
    cast, talk, reader, api
):
    share(api(cast.committee), talk, reader="reader", reason="协助家访")
    for user in (cast.talker, cast.committee):
        body = api(user).get(f"/api/talks/records/{talk.pk}/readers/").json()
        assert body["talker"]["username"] == "talker"
        assert [c["username"] for c in body["committee"]] == ["committee"]
        assert [(s["reader"], s["reason"]) for s in body["shares"]] == [("reader", "协助家访")]
    for user in (cast.unit_admin, cast.viewer, cast.hq_admin, reader):
        assert api(user).get(f"/api/talks/records/{talk.pk}/readers/").status_code == 403, user


def test_the_sharing_page_in_the_admin_lists_readers_shares_and_revokes(cast, talk, reader, client, tree):
    url = f"/admin/talks/talkrecord/{talk.pk}/sharing/"
    client.force_login(cast.unit_admin)
    assert client.get(url).status_code == 403
    assert client.post(url, {"reader": "reader", "reason": "x"}).status_code == 403
    client.force_login(cast.sibling_secretary)
    assert client.get(url).status_code == 404
    client.force_login(cast.talker)
    page = client.get(url)
    assert page.status_code == 200 and "committee" in page.content.decode()
    assert "共享给一名人员" not in page.content.decode()  # the talker sees, the committee shares
    assert client.post(url, {"reader": "reader", "reason": "x"}).status_code == 403
    assert not TalkShare.objects.exists()
    client.force_login(cast.committee)
    assert client.post(url, {"reader": "reader", "reason": ""}).status_code == 400
    user_with_role("viewer", tree.corps2, "far_away")
    assert client.post(url, {"reader": "far_away", "reason": "x"}).status_code == 400
    assert client.post(url, {"reader": "reader", "reason": "协助家访"}).status_code == 302
    made = TalkShare.objects.get()
    assert "协助家访" in client.get(url).content.decode()
    assert client.post(url, {"revoke": made.pk, "revoke_reason": "结束"}).status_code == 302
    made.refresh_from_db()
    assert made.revoked_by == cast.committee
    assert list(TalkContentAccess.objects.order_by("id").values_list("event", "channel")) == [
        ("share", "admin"),
        ("revoke", "admin"),
    ]


def test_a_reader_shared_with_opens_the_record_in_the_admin(cast, talk, reader, client, api):
    share(api(cast.committee), talk, reader="reader", reason="协助")
    client.force_login(reader)
    page = client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
    assert page.status_code == 200 and SECRET in page.content.decode()


def test_the_list_costs_the_same_queries_for_few_and_many_records_with_shares(cast, reader, api, tree):
    client = api(reader)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/talks/records/", {"page_size": 100}).status_code == 200
        return len(queries)

    def more(n):
        for _ in range(n):
            record = make_talk(make_person(tree.station), cast.talker)
            share(api(cast.committee), record, reader="reader", reason="协助")
            make_talk(make_person(tree.station2), cast.committee)

    more(2)
    few = count()
    more(12)
    assert count() == few


def test_shares_made_by_a_superuser_are_logged_too(cast, talk, reader, api):
    root = make_user("root_sharer", is_superuser=True)
    assert share(api(root), talk, reader="reader", reason="督查").status_code == 201
    assert TalkContentAccess.objects.get().user == root


def test_a_reader_with_no_talk_rights_reads_only_the_shared_record(cast, talk, api, tree):
    approver = user_with_role("approver", tree.station2, "approver_reader")  # no talks permission
    assert api(approver).get(f"/api/talks/records/{talk.pk}/").status_code == 403
    assert share(api(cast.committee), talk, reader="approver_reader", reason="协助").status_code == 201
    assert api(approver).get(f"/api/talks/records/{talk.pk}/").status_code == 200
    other = make_talk(make_person(tree.station), cast.talker)
    assert api(approver).get(f"/api/talks/records/{other.pk}/").status_code == 404
    assert api(approver).get("/api/talks/records/").status_code == 403


def test_share_revoke_and_readers_are_documented_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    share_op = paths["/api/talks/records/{id}/share/"]["post"]
    assert share_op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/ShareRequest")
    assert {"201", "400", "403", "404"} <= set(share_op["responses"])
    assert "post" in paths["/api/talks/records/{id}/revoke/"]
    assert paths["/api/talks/records/{id}/readers/"]["get"]["responses"]["200"]["content"]
    assert "post" in paths["/api/talks/records/{id}/void/"]


def test_sharing_and_voiding_pages_answer_404_out_of_scope_to_get_and_post(cast, talk, reader, client):
    client.force_login(cast.sibling_secretary)
    for page in ("sharing", "void"):
        url = f"/admin/talks/talkrecord/{talk.pk}/{page}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"reader": "reader", "reason": "x"}).status_code == 404
        assert client.get(f"/admin/talks/talkrecord/999999/{page}/").status_code == 404
    assert not TalkShare.objects.exists() and TalkRecord.objects.get(pk=talk.pk).voided_at is None


def test_a_record_is_not_shared_twice_with_the_same_reader_while_the_first_share_is_in_force(
    cast, talk, reader, api
):
    client = api(cast.committee)
    first = share(client, talk, reader="reader", reason="协助").json()
    again = share(client, talk, reader="reader", reason="再次")
    assert again.status_code == 400 and "reader" in again.json()
    client.post(f"/api/talks/records/{talk.pk}/revoke/", {"share": first["id"]}, format="json")
    assert share(client, talk, reader="reader", reason="重新共享").status_code == 201
    assert TalkShare.objects.count() == 2
