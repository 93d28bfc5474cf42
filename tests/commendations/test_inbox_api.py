"""The approvers' inbox and the API: exactly what waits for you, in constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Nomination
from tests.factories.commendations import advance, kind, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def test_inbox_shows_exactly_the_nominations_waiting_for_that_user(tree, crew):
    at_bat = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    at_det = advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer, crew.bat
    )
    submitted = services.nomination_submit(
        nomination=make_nomination(tree.station, crew.drafter, make_person(tree.station)), actor=crew.drafter
    )
    make_nomination(tree.station, crew.drafter, make_person(tree.station))  # a draft waits for nobody
    assert list(services.inbox(crew.bat)) == [at_bat]
    assert list(services.inbox(crew.det)) == [at_det]
    assert list(services.inbox(crew.corps)) == []
    assert list(services.inbox(crew.reviewer)) == [submitted]
    assert list(services.inbox(user_with_role("approver", tree.det2, "elsewhere"))) == []


def test_inbox_api_runs_a_constant_number_of_queries(tree, crew, api):
    client = api(crew.bat)
    advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.get("/api/commendations/nominations/inbox/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/commendations/nominations/inbox/").json()["count"] == 1
    for _ in range(8):
        advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/commendations/nominations/inbox/").json()["count"] == 9
    assert len(many) == len(few)


def test_api_transitions_and_refusals(tree, crew, api):
    created = api(crew.drafter).post(
        "/api/commendations/nominations/",
        {
            "unit": tree.station.pk,
            "award_kind": kind().pk,
            "year": 2026,
            "subject_person": crew.hero.pk,
            "deeds": "事迹",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert (
        api(crew.bat).post(f"/api/commendations/nominations/{pk}/approve/").status_code == 400
    )  # still a draft
    assert api(crew.drafter).post(f"/api/commendations/nominations/{pk}/submit/").status_code == 200
    assert (
        api(crew.drafter).post(f"/api/commendations/nominations/{pk}/review/").status_code == 403
    )  # own draft
    assert api(crew.reviewer).post(f"/api/commendations/nominations/{pk}/review/").status_code == 200
    assert api(crew.det).post(f"/api/commendations/nominations/{pk}/approve/").status_code == 403  # skipping
    bulk = api(crew.bat).post(
        "/api/commendations/nominations/bulk-approve/", {"ids": [pk], "comment": "同意"}, format="json"
    )
    assert bulk.json()["results"] == {str(pk): "ok"}
    detail = api(crew.det).get(f"/api/commendations/nominations/{pk}/").json()
    assert detail["status"] == "approving" and len(detail["decisions"]) == 4
    outsider = user_with_role("approver", tree.det2, "outsider")
    assert api(outsider).get(f"/api/commendations/nominations/{pk}/").status_code == 404
    assert api(outsider).post(f"/api/commendations/nominations/{pk}/approve/").status_code == 404


def test_collective_award_for_a_person_is_a_400(tree, crew, api):
    response = api(crew.drafter).post(
        "/api/commendations/nominations/",
        {
            "unit": tree.station.pk,
            "award_kind": kind("advanced_party_org").pk,
            "year": 2026,
            "subject_person": crew.hero.pk,
            "deeds": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "award_kind" in response.json()
    assert not Nomination.objects.exists()


def test_award_order_document_and_exemplary_list(tree, crew, api):
    import datetime

    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat, crew.det)
    services.notices_close(today=n.notice_ends_on + datetime.timedelta(days=1))
    issuer = user_with_role("unit_admin", tree.det, "issuer")
    order = api(issuer).post(
        "/api/commendations/orders/",
        {
            "unit": tree.det.pk,
            "number": "甲支〔2026〕1号",
            "title": "关于通报表扬的决定",
            "nominations": [n.pk],
            "exemplary": [n.pk],
        },
        format="json",
    )
    assert order.status_code == 201, order.content
    doc = api(issuer).get(f"/api/commendations/orders/{order.json()['id']}/document/")
    assert doc.status_code == 200 and doc.content[:2] == b"PK"
    from io import BytesIO

    from docx import Document

    text = "\n".join(c.text for t in Document(BytesIO(doc.content)).tables for r in t.rows for c in r.cells)
    assert "李英雄" in text
    assert [e["name"] for e in api(issuer).get("/api/commendations/exemplary/").json()["results"]] == [
        "李英雄"
    ]
    again = api(issuer).post(
        "/api/commendations/orders/",
        {"unit": tree.det.pk, "number": "甲支〔2026〕2号", "title": "重复", "nominations": [n.pk]},
        format="json",
    )
    assert again.status_code == 400


def test_admin_inbox_filter_header_count_and_bulk_action(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.force_login(crew.bat)
    page = client.get("/admin/commendations/nomination/", {"inbox": "1"})
    assert [x.pk for x in page.context["cl"].result_list] == [n.pk]
    assert "待我审批（1）" in page.content.decode()
    client.post(
        "/admin/commendations/nomination/", {"action": "approve_selected", "_selected_action": [n.pk]}
    )
    n.refresh_from_db()
    assert n.current_level == tree.det


def test_evidence_uploads_are_checked_by_type_content_and_size(tree, crew, api, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.commendations.models import Attachment

    settings.MEDIA_ROOT = tmp_path
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    client = api(crew.drafter)
    url = f"/api/commendations/nominations/{n.pk}/attachments/"
    assert (
        client.post(url, {"file": SimpleUploadedFile("a.exe", b"MZ...")}, format="multipart").status_code
        == 400
    )
    fake = client.post(url, {"file": SimpleUploadedFile("a.pdf", b"not a pdf")}, format="multipart")
    assert fake.status_code == 400 and "file" in fake.json()
    big = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 1024 * 1024))
    assert client.post(url, {"file": big}, format="multipart").status_code == 400
    ok = client.post(url, {"file": SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 ...")}, format="multipart")
    assert ok.status_code == 201
    assert Attachment.objects.count() == 1
    assert (
        api(crew.bat)
        .post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF")}, format="multipart")
        .status_code
        == 403
    )
