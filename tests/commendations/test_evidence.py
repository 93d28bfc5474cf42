"""证明材料: the drafting unit uploads checked files to a draft; readers in scope download them
through scoped views (never from MEDIA_URL); everybody else is refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.commendations import services
from apps.commendations.models import Attachment, Nomination
from tests.factories.commendations import advance, make_attachment, make_nomination
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 deeds"


def _url(n, attachment=None):
    base = f"/api/commendations/nominations/{n.pk}/attachments/"
    return f"{base}{attachment.pk}/" if attachment else base


def _upload(client, n, name="deeds.pdf", content=PDF):
    return client.post(_url(n), {"file": SimpleUploadedFile(name, content)}, format="multipart")


def _stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_drafter_uploads_lists_downloads_and_deletes_evidence(tree, crew, api, settings):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    client = api(crew.drafter)
    created = _upload(client, n, "现场照片.png", b"\x89PNG\r\n\x1a\n...")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "现场照片.png" and body["size"] == 11 and body["uploaded_by"] == "drafter"
    listing = client.get(_url(n)).json()
    assert [a["id"] for a in listing] == [body["id"]]
    attachment = Attachment.objects.get()
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG\r\n\x1a\n..."
    assert "attachment;" in download["Content-Disposition"] and download["Content-Type"] == "image/png"
    detail = client.get(f"/api/commendations/nominations/{n.pk}/").json()
    assert [a["id"] for a in detail["attachments"]] == [attachment.pk]
    assert client.delete(_url(n, attachment)).status_code == 204
    assert not Attachment.objects.exists()
    assert attachment.history.filter(history_type="-").exists()  # the record keeps its history


def test_bad_files_are_a_400_with_a_field_message_and_nothing_is_stored(tree, crew, api, settings):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    client = api(crew.drafter)
    for name, content in [
        ("a.exe", b"MZ..."),  # type
        ("a.pdf", b"not a pdf"),  # content does not match the extension
        ("a.docx", b"%PDF-1.4"),  # a pdf dressed as docx
        ("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024)),  # size
        ("empty.pdf", b""),
    ]:
        response = _upload(client, n, name, content)
        assert response.status_code == 400, (name, response.status_code)
        assert "file" in response.json(), (name, response.json())
    assert client.post(_url(n), {}, format="multipart").status_code == 400
    assert not Attachment.objects.exists()
    assert _stored_files(settings) == []


def test_only_the_drafting_unit_may_add_or_remove_evidence(tree, crew, api, settings):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    attachment = make_attachment(n)
    viewer = user_with_role("viewer", tree.station, "station_viewer")
    for user in (crew.bat, viewer):  # they read it, they do not change it
        assert _upload(api(user), n).status_code == 403, user
        assert api(user).delete(_url(n, attachment)).status_code == 403, user
        assert api(user).get(_url(n, attachment)).status_code == 200, user
    other_admin = user_with_role("unit_admin", tree.station, "other_admin")  # the drafting unit
    assert _upload(api(other_admin), n).status_code == 201
    assert _upload(api(crew.reviewer), n).status_code == 201  # the secretary drafts there too
    assert Attachment.objects.filter(nomination=n).count() == 3


def test_evidence_is_frozen_once_the_nomination_leaves_draft(tree, crew, api, settings):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    attachment = make_attachment(n)
    n = services.nomination_submit(nomination=n, actor=crew.drafter)
    client = api(crew.drafter)
    refused = _upload(client, n)
    assert refused.status_code == 400 and "status" in refused.json()
    assert client.delete(_url(n, attachment)).status_code == 400
    assert Attachment.objects.filter(nomination=n).count() == 1 and len(_stored_files(settings)) == 1
    n = services.nomination_return(nomination=n, actor=crew.reviewer, comment="请补充材料")
    assert n.status == Nomination.Status.DRAFT
    assert _upload(client, n).status_code == 201  # returned to draft: open again


def test_evidence_outside_the_scope_is_a_404_and_anonymous_users_get_nothing(
    tree, crew, api, client, settings
):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    attachment = make_attachment(n)
    outsider = user_with_role("unit_admin", tree.station2, "sibling_admin")
    for method in ("get", "delete"):
        assert getattr(api(outsider), method)(_url(n, attachment)).status_code == 404
    assert api(outsider).get(_url(n)).status_code == 404
    assert _upload(api(outsider), n).status_code == 404
    other = make_nomination(tree.station, crew.drafter, crew.hero, year=2025)
    mismatched = f"/api/commendations/nominations/{other.pk}/attachments/{attachment.pk}/"
    assert api(crew.drafter).get(mismatched).status_code == 404  # a file of another nomination
    assert api().get(_url(n, attachment)).status_code in (401, 403)
    assert client.get("/media/" + attachment.file.name).status_code == 404  # media is not served
    admin_url = f"/admin/commendations/nomination/{n.pk}/attachments/{attachment.pk}/"
    assert client.get(admin_url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(admin_url).status_code == 404
    client.force_login(crew.bat)
    response = client.get(admin_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 evidence"


def test_the_nomination_page_shows_the_evidence_and_the_drafter_adds_it_there(tree, crew, client, settings):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    existing = make_attachment(n, name="事迹材料.pdf")
    client.force_login(crew.drafter)
    url = f"/admin/commendations/nomination/{n.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert f"/admin/commendations/nomination/{n.pk}/attachments/{existing.pk}/" in body
    assert "/media/" not in body
    form = {
        "unit": tree.station.pk,
        "award_kind": n.award_kind_id,
        "year": n.year,
        "subject_person": crew.hero.pk,
        "deeds": n.deeds,
        "source_note": "",
        "supports-TOTAL_FORMS": 0,
        "supports-INITIAL_FORMS": 0,
        "attachments-TOTAL_FORMS": 2,
        "attachments-INITIAL_FORMS": 1,
        "attachments-0-id": existing.pk,
        "attachments-0-nomination": n.pk,
        "attachments-1-nomination": n.pk,
        "attachments-1-file": SimpleUploadedFile("fake.pdf", b"MZ not a pdf"),
        "decisions-TOTAL_FORMS": 0,
        "decisions-INITIAL_FORMS": 0,
        "objections-TOTAL_FORMS": 0,
        "objections-INITIAL_FORMS": 0,
    }
    bad = client.post(url, form)
    assert bad.status_code == 200 and "文件内容与扩展名不符" in bad.content.decode()
    assert Attachment.objects.count() == 1
    form["attachments-1-file"] = SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0 jpeg")
    form["attachments-0-DELETE"] = "on"
    ok = client.post(url, form)
    assert ok.status_code == 302, ok.content.decode()[:3000]
    assert [a.original_name for a in Attachment.objects.all()] == ["photo.jpg"]
    assert Attachment.objects.get().uploaded_by == crew.drafter
    # An approver sees the list with download links but no upload field.
    advance(n, crew.reviewer)
    client.force_login(crew.bat)
    body = client.get(url).content.decode()
    assert "photo.jpg" in body and 'name="attachments-0-file"' not in body


def test_stored_files_go_with_their_rows(tree, crew, api, settings, django_capture_on_commit_callbacks):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    one, two = make_attachment(n, name="a.pdf"), make_attachment(n, name="b.pdf")
    assert len(_stored_files(settings)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert api(crew.drafter).delete(_url(n, one)).status_code == 204
    assert len(_stored_files(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api(crew.drafter).delete(f"/api/commendations/nominations/{n.pk}/").status_code == 204
    assert _stored_files(settings) == [] and not Attachment.objects.filter(pk=two.pk).exists()
