"""Talk content is encrypted at rest and reaches only its entitled readers, everywhere."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test import override_settings
from openpyxl import load_workbook

from apps.talks.models import TalkContentAccess, TalkRecord
from tests.factories.talks import make_talk

pytestmark = pytest.mark.django_db
SECRET = "家中母亲病重，情绪低落"


@pytest.fixture
def talk(cast):
    return make_talk(cast.person, cast.talker, state_of_mind=SECRET, warning_signs="近期请假频繁")


def test_the_database_column_does_not_hold_the_plaintext(talk):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state_of_mind_enc, warning_signs_enc FROM talks_talkrecord WHERE id = %s", [talk.pk]
        )
        row = cursor.fetchone()
    assert SECRET not in row[0] and "请假" not in row[1]
    assert TalkRecord.objects.get(pk=talk.pk).decrypted_content()["state_of_mind"] == SECRET


def test_after_key_rotation_old_records_still_read(talk, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old_keys]):
        call_command("rotate_talk_keys", batch_size=1, verbosity=0)
        rotated = TalkRecord.objects.get(pk=talk.pk)
        assert rotated.state_of_mind_enc != talk.state_of_mind_enc
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):  # the old key retired
        assert TalkRecord.objects.get(pk=talk.pk).decrypted_content()["state_of_mind"] == SECRET


ENTITLED = {
    "talker": True,
    "committee": True,
    "unit_admin": False,
    "viewer": False,
    "sibling_secretary": False,
    "hq_admin": False,
}


@pytest.mark.parametrize("role", list(ENTITLED))
def test_api_detail_returns_content_only_to_entitled_readers_and_lists_never_do(role, cast, talk, api):
    client = api(getattr(cast, role))
    detail = client.get(f"/api/talks/records/{talk.pk}/")
    listing = client.get("/api/talks/records/")
    mine = client.get("/api/talks/records/mine/")
    if role == "sibling_secretary":
        assert detail.status_code == 404
        assert listing.json()["count"] == 0
        return
    assert detail.status_code == 200
    assert (SECRET in detail.content.decode()) is ENTITLED[role]
    assert detail.json()["content_visible"] is ENTITLED[role]
    assert ("content" in detail.json()) is ENTITLED[role]
    # Lists carry metadata only, for everyone; content_visible says what the detail would show.
    [row] = listing.json()["results"]
    assert SECRET not in listing.content.decode() and "content" not in row
    assert row["content_visible"] is ENTITLED[role]
    assert SECRET not in mine.content.decode()


@pytest.mark.parametrize("role", list(ENTITLED))
def test_admin_change_page_shows_content_only_to_entitled_readers(role, cast, talk, client):
    client.force_login(getattr(cast, role))
    page = client.get(f"/admin/talks/talkrecord/{talk.pk}/change/")
    if role == "sibling_secretary":
        assert page.status_code in (302, 404)
        return
    assert page.status_code == 200
    assert (SECRET in page.content.decode()) is ENTITLED[role]


@pytest.mark.parametrize("role", ["talker", "committee", "unit_admin", "hq_admin"])
def test_exports_never_contain_content(role, cast, talk, api, client):
    response = api(getattr(cast, role)).get("/api/talks/records/export/")
    assert response.status_code == 200
    cells = [
        str(c)
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert cast.person.name in cells
    assert not any(SECRET in c for c in cells)
    client.force_login(getattr(cast, role))
    admin_export = client.post(
        "/admin/talks/talkrecord/", {"action": "export_talks_xlsx", "_selected_action": [talk.pk]}
    )
    assert admin_export.status_code == 200
    assert SECRET.encode() not in admin_export.content


def test_content_reads_are_logged_and_metadata_reads_are_not(cast, talk, api):
    api(cast.unit_admin).get(f"/api/talks/records/{talk.pk}/")
    api(cast.unit_admin).get("/api/talks/records/")
    assert TalkContentAccess.objects.count() == 0
    api(cast.committee).get("/api/talks/records/")  # a list is metadata: nothing to log
    assert TalkContentAccess.objects.count() == 0
    api(cast.committee).get(f"/api/talks/records/{talk.pk}/")
    reads = list(TalkContentAccess.objects.values_list("user__username", "channel", "record"))
    assert reads == [("committee", "api", talk.pk)]


def test_hq_can_review_the_access_log(cast, talk, api):
    api(cast.committee).get(f"/api/talks/records/{talk.pk}/")
    log = api(cast.hq_admin).get("/api/talks/content-reads/").json()
    assert [r["user"] for r in log["results"]] == ["committee"]
    assert api(cast.unit_admin).get("/api/talks/content-reads/").status_code in (200, 403)


def test_a_share_lets_one_more_reader_in(cast, talk, api, tree):
    from tests.factories.units import user_with_role

    reader = user_with_role("viewer", tree.station2, "reader")
    assert api(reader).get(f"/api/talks/records/{talk.pk}/").status_code == 404
    denied = api(cast.unit_admin).post(
        f"/api/talks/records/{talk.pk}/share/", {"reader": "reader", "reason": "协助家访"}, format="json"
    )
    assert denied.status_code == 403
    shared = api(cast.committee).post(
        f"/api/talks/records/{talk.pk}/share/", {"reader": "reader", "reason": "协助家访"}, format="json"
    )
    assert shared.status_code == 201
    detail = api(reader).get(f"/api/talks/records/{talk.pk}/")
    assert detail.status_code == 200 and SECRET in detail.content.decode()


def test_search_does_not_look_inside_content(cast, talk, api):
    body = api(cast.committee).get("/api/talks/records/", {"search": "母亲"}).json()
    assert body["count"] == 0


def test_a_talk_dated_in_the_future_is_refused(cast, api):
    response = api(cast.talker).post(
        "/api/talks/records/",
        {
            "person": cast.person.pk,
            "date": str(datetime.date.today() + datetime.timedelta(days=3)),
            "kind": "routine",
        },
        format="json",
    )
    assert response.status_code == 400 and "date" in response.json()
    assert TalkRecord.objects.count() == 0


def test_talker_cannot_record_a_talk_with_someone_outside_scope(cast, api, tree):
    from tests.factories.people import make_person

    stranger = make_person(tree.station3)
    response = api(cast.talker).post(
        "/api/talks/records/", {"person": stranger.pk, "date": "2026-10-01", "kind": "routine"}, format="json"
    )
    assert response.status_code == 400 and "person" in response.json()


@pytest.mark.parametrize("role", ["committee", "unit_admin", "hq_admin", "viewer"])
def test_exports_carry_the_warning_flag_only_for_content_readers(role, cast, talk, api, client):
    def flags(content):
        rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
        column = rows[0].index("有苗头性问题")
        return [row[column] for row in rows[1:]]

    expected = ["是"] if ENTITLED[role] else [None]  # an empty cell
    assert flags(api(getattr(cast, role)).get("/api/talks/records/export/").content) == expected
    client.force_login(getattr(cast, role))
    exported = client.post(
        "/admin/talks/talkrecord/", {"action": "export_talks_xlsx", "_selected_action": [talk.pk]}
    )
    assert flags(exported.content) == expected


@pytest.mark.parametrize("role", list(ENTITLED))
def test_the_api_gives_the_warning_flag_only_to_content_readers(role, cast, talk, api):
    client = api(getattr(cast, role))
    if role == "sibling_secretary":
        assert client.get(f"/api/talks/records/{talk.pk}/").status_code == 404
        return
    expected = True if ENTITLED[role] else None
    assert client.get(f"/api/talks/records/{talk.pk}/").json()["has_warning_signs"] is expected
    [row] = client.get("/api/talks/records/").json()["results"]
    assert row["has_warning_signs"] is expected
