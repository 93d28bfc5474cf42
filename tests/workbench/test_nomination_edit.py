"""Continue a draft nomination on the workbench: change it, add or remove evidence on the same
page, submit; through the commendations services; other units' drafts are 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Nomination
from tests.factories.commendations import advance, kind, make_attachment, make_nomination
from tests.factories.people import make_person

pytestmark = pytest.mark.django_db
S = Nomination.Status


@pytest.fixture
def draft(wb):
    return make_nomination(wb.tree.station, wb.station_admin, wb.people[0])


def url(n):
    return f"/nominations/{n.pk}/edit/"


def _data(wb, **extra):
    data = {
        "subject_person": wb.people[0].pk,
        "award_kind": kind().pk,
        "unit": wb.tree.station.pk,
        "year": "2026",
        "deeds": "连续三次抢险救援中冲锋在前。",
    }
    data.update(extra)
    return data


def test_the_home_page_links_the_draft_to_the_workbench_not_the_admin(wb, login, draft):
    text = login(wb.station_admin).get("/").content.decode()
    assert url(draft) in text and f"/admin/commendations/nomination/{draft.pk}/change/" not in text


def test_the_draft_opens_with_what_was_written(wb, login, draft):
    text = login(wb.station_admin).get(url(draft)).content.decode()
    assert "继续编辑推荐草稿" in text and "抢险救援表现突出。" in text
    assert f'value="{wb.people[0].pk}" id="subject-{wb.people[0].pk}" checked' in text
    assert 'id="nomination-submit"' in text


def test_changing_uploading_and_submitting_is_one_step(wb, login, draft):
    evidence = SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 evidence")
    response = login(wb.station_admin).post(url(draft), {**_data(wb), "evidence": [evidence], "submit": "1"})
    assert response.status_code == 302 and response["Location"] == "/"
    draft.refresh_from_db()
    assert draft.status == S.SUBMITTED and draft.deeds == "连续三次抢险救援中冲锋在前。"
    assert draft.attachments.count() == 1


def test_saving_keeps_it_a_draft_and_removes_the_ticked_evidence(wb, login, draft):
    keep, drop = make_attachment(draft, name="keep.pdf"), make_attachment(draft, name="drop.pdf")
    response = login(wb.station_admin).post(url(draft), {**_data(wb), "remove": [drop.pk], "draft": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and list(draft.attachments.all()) == [keep]


def test_another_units_draft_a_submitted_one_and_a_missing_one_are_404(wb, login, draft):
    other_admin = wb.other_station_admin
    other = make_nomination(wb.tree.station3, other_admin, wb.other_people[0])
    client = login(wb.station_admin)
    assert client.get(url(other)).status_code == 404
    assert client.post(url(other), _data(wb, subject_person=wb.other_people[0].pk)).status_code == 404
    assert login(other_admin).get(url(draft)).status_code == 404
    services.nomination_submit(nomination=draft, actor=wb.station_admin)
    assert client.get(url(draft)).status_code == 404
    assert client.get("/nominations/999999/edit/").status_code == 404
    other.refresh_from_db()
    assert other.deeds == "抢险救援表现突出。"


def test_users_who_do_not_draft_get_404(wb, login, draft):
    assert login(wb.approver).get(url(draft)).status_code == 404


def test_empty_deeds_come_back_in_chinese_and_nothing_changes(wb, login, draft):
    evidence = SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 evidence")
    response = login(wb.station_admin).post(
        url(draft), {**_data(wb, deeds=""), "evidence": [evidence], "submit": "1"}
    )
    assert response.status_code == 400 and "请填写先进事迹" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.deeds == "抢险救援表现突出。" and not draft.attachments.exists()


def test_bad_evidence_rolls_back_the_change_too(wb, login, draft):
    evidence = SimpleUploadedFile("deeds.exe", b"MZ")
    response = login(wb.station_admin).post(url(draft), {**_data(wb), "evidence": [evidence], "submit": "1"})
    assert response.status_code == 400 and "不支持的文件类型" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == S.DRAFT and draft.deeds == "抢险救援表现突出。" and not draft.attachments.exists()


def test_a_rule_of_the_service_comes_back_on_the_form(wb, login, draft):
    response = login(wb.station_admin).post(url(draft), _data(wb, award_kind=kind("advanced_party_org").pk))
    assert response.status_code == 400 and "集体奖项" in response.content.decode()
    draft.refresh_from_db()
    assert draft.award_kind == kind()


def test_a_returned_nomination_shows_why_and_can_be_fixed_and_resubmitted(wb, login):
    n = advance(make_nomination(wb.tree.station, wb.station_admin, wb.people[1]), wb.secretary)
    services.nomination_return(nomination=n, actor=wb.approver, comment="请补充获奖证明")
    client = login(wb.station_admin)
    text = client.get(url(n)).content.decode()
    assert "已被退回修改" in text and "请补充获奖证明" in text and "吴审批" in text
    evidence = SimpleUploadedFile("award.pdf", b"%PDF-1.4 award")
    data = {**_data(wb, subject_person=wb.people[1].pk), "evidence": [evidence], "submit": "1"}
    assert client.post(url(n), data).status_code == 302
    n.refresh_from_db()
    assert n.status == S.SUBMITTED and n.attachments.count() == 1


def _count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_is_the_same_with_more_evidence_and_people(wb, login, draft):
    client = login(wb.station_admin)
    make_attachment(draft)
    _count(client, url(draft))
    small = _count(client, url(draft))
    for i in range(4):
        make_attachment(draft, name=f"e{i}.pdf")
    for _ in range(8):
        make_person(wb.tree.station)
    assert _count(client, url(draft)) == small
