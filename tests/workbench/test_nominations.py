"""Drafting a nomination in one flow; the inbox offers only the actions valid in the state."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.commendations.models import Nomination
from tests.factories.commendations import advance, kind, make_nomination

pytestmark = pytest.mark.django_db
S = Nomination.Status


def _draft(wb, **extra):
    data = {
        "subject_person": wb.people[0].pk,
        "award_kind": kind().pk,
        "unit": wb.tree.station.pk,
        "year": "2026",
        "deeds": "抢险救援中表现突出。",
        "submit": "1",
    }
    data.update(extra)
    return data


def test_nomination_form_defaults_the_year_and_the_unit(wb, login):
    text = login(wb.station_admin).get(f"/nominations/new/?person={wb.people[0].pk}").content.decode()
    from django.utils import timezone

    assert f'value="{timezone.localdate().year}"' in text and "张三" in text


def test_drafting_with_evidence_and_submitting_is_one_step(wb, login):
    evidence = SimpleUploadedFile("deeds.pdf", b"%PDF-1.4 evidence")
    response = login(wb.station_admin).post("/nominations/new/", {**_draft(wb), "evidence": [evidence]})
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.status == S.SUBMITTED and nomination.attachments.count() == 1


def test_bad_evidence_writes_nothing(wb, login):
    evidence = SimpleUploadedFile("deeds.exe", b"MZ")
    response = login(wb.station_admin).post("/nominations/new/", {**_draft(wb), "evidence": [evidence]})
    assert response.status_code == 400 and "不支持的文件类型" in response.content.decode()
    assert not Nomination.objects.exists()


def test_no_subject_comes_back_with_a_chinese_message(wb, login):
    response = login(wb.station_admin).post("/nominations/new/", _draft(wb, subject_person=""))
    assert response.status_code == 400 and "请先选择推荐对象" in response.content.decode()
    assert not Nomination.objects.exists()


def test_a_collective_award_for_a_person_is_refused_by_the_service(wb, login):
    response = login(wb.station_admin).post(
        "/nominations/new/", _draft(wb, award_kind=kind("advanced_party_org").pk)
    )
    assert response.status_code == 400 and "集体奖项" in response.content.decode()
    assert not Nomination.objects.exists()


def test_another_units_person_gives_404_or_is_refused(wb, login):
    client = login(wb.station_admin)
    assert client.get(f"/nominations/new/?person={wb.other_people[0].pk}").status_code == 404
    response = client.post("/nominations/new/", _draft(wb, subject_person=wb.other_people[0].pk))
    assert response.status_code == 400 and not Nomination.objects.exists()


def test_users_who_do_not_draft_get_404(wb, login):
    assert login(wb.approver).get("/nominations/new/").status_code == 404


@pytest.fixture
def waiting(wb):
    """A nomination reviewed at 甲站 and waiting for 甲区大队's approver."""
    return advance(make_nomination(wb.tree.station, wb.station_admin, wb.people[0]), wb.secretary)


def test_inbox_offers_only_the_actions_valid_in_the_state(wb, login, waiting):
    listing = login(wb.approver).get("/inbox/").content.decode()
    assert f"/inbox/{waiting.pk}/" in listing and ">详情<" in listing
    assert re.findall(r'data-action="(\w+)"', listing) == ["approve", "return", "reject"]  # on the row
    text = login(wb.approver).get(f"/inbox/{waiting.pk}/").content.decode()
    assert ">审批通过<" in text and ">退回修改<" in text and ">否决<" in text
    for invalid in ("提交", "审核通过", "撤回", "提出异议"):
        assert f">{invalid}<" not in text


def test_reviewer_is_offered_review_not_approve(wb, login):
    from apps.commendations import services

    n = services.nomination_submit(
        nomination=make_nomination(wb.tree.station, wb.station_admin, wb.people[1]), actor=wb.station_admin
    )
    text = login(wb.secretary).get(f"/inbox/{n.pk}/").content.decode()
    assert f"/inbox/{n.pk}/review/" in text and f"/inbox/{n.pk}/approve/" not in text


def test_an_action_invalid_in_the_state_gives_404(wb, login, waiting):
    response = login(wb.approver).post(f"/inbox/{waiting.pk}/review/")
    assert response.status_code == 404
    waiting.refresh_from_db()
    assert waiting.status == S.APPROVING


def test_return_without_a_reason_says_what_to_do_and_changes_nothing(wb, login, waiting):
    response = login(wb.approver).post(
        f"/inbox/{waiting.pk}/return/", {"comment": ""}, HTTP_HX_REQUEST="true"
    )
    assert "请填写退回修改的理由" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == S.APPROVING


def test_return_with_a_reason_sends_it_back(wb, login, waiting):
    login(wb.approver).post(
        f"/inbox/{waiting.pk}/return/", {"comment": "事迹不够具体"}, HTTP_HX_REQUEST="true"
    )
    waiting.refresh_from_db()
    assert waiting.status == S.DRAFT


def test_approve_moves_it_up_a_level(wb, login, waiting):
    response = login(wb.approver).post(f"/inbox/{waiting.pk}/approve/", HTTP_HX_REQUEST="true")
    assert "已审批通过" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.current_level == wb.tree.det


def test_a_nomination_not_waiting_for_the_user_gives_404(wb, login, waiting):
    from tests.workbench.data import named_user

    other = named_user("wb_approver2", "郑", "乙", ("approver", wb.tree.bat2))
    assert login(other).post(f"/inbox/{waiting.pk}/approve/").status_code == 404


def test_bulk_approval_reports_true_counts(wb, login, waiting):
    second = advance(make_nomination(wb.tree.station, wb.station_admin, wb.people[1]), wb.secretary)
    foreign = make_nomination(wb.tree.station, wb.station_admin, wb.people[2])  # a draft: not in the inbox
    response = login(wb.approver).post(
        "/inbox/bulk/", {"ids": [waiting.pk, second.pk, foreign.pk, "x"]}, follow=True
    )
    text = response.content.decode()
    assert (
        "已通过 2 件" in text and "1 件已不在您的待办中" in text and "-" not in text.split("已通过")[1][:30]
    )


def test_bulk_approval_with_nothing_ticked_asks_to_tick(wb, login, waiting):
    assert "请先勾选" in login(wb.approver).post("/inbox/bulk/", follow=True).content.decode()


def test_delegation_page_offers_only_eligible_deputies_by_name(wb, login):
    from tests.workbench.data import named_user

    named_user("wb_deputy", "副", "审批", ("viewer", wb.tree.station))
    named_user("wb_outsider", "外", "单位", ("viewer", wb.tree.station3))
    text = login(wb.approver).get("/delegations/").content.decode()
    assert "副审批" in text and "外单位" not in text and "wb_deputy" not in text


def test_delegating_to_someone_outside_is_refused_and_nothing_written(wb, login):
    from apps.commendations.models import Delegation
    from tests.workbench.data import named_user

    outsider = named_user("wb_outsider", "外", "单位", ("viewer", wb.tree.station3))
    response = login(wb.approver).post(
        "/delegations/", {"deputy": outsider.pk, "starts_on": "2026-12-01", "ends_on": "2026-12-05"}
    )
    assert response.status_code == 400 and "代理人" in response.content.decode()
    assert not Delegation.objects.exists()


def test_delegating_to_an_eligible_deputy_and_ending_it(wb, login):
    from apps.commendations.models import Delegation
    from tests.workbench.data import named_user

    deputy = named_user("wb_deputy", "副", "审批", ("viewer", wb.tree.station))
    client = login(wb.approver)
    response = client.post(
        "/delegations/", {"deputy": deputy.pk, "starts_on": "2026-12-01", "ends_on": "2026-12-05"}
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert delegation.deputy == deputy and delegation.approver == wb.approver
    client.post(f"/delegations/{delegation.pk}/end/")
    assert not Delegation.objects.exists()


def test_non_approvers_have_no_delegation_page_and_cannot_end_others(wb, login):
    from apps.commendations.models import Delegation
    from tests.workbench.data import named_user

    assert login(wb.station_admin).get("/delegations/").status_code == 404
    deputy = named_user("wb_deputy", "副", "审批", ("viewer", wb.tree.station))
    from apps.commendations.services import delegation_create

    d = delegation_create(
        approver=wb.approver, deputy=deputy, starts_on="2026-12-01", ends_on="2026-12-05", actor=wb.approver
    )
    other = named_user("wb_approver2", "郑", "乙", ("approver", wb.tree.bat2))
    assert login(other).post(f"/delegations/{d.pk}/end/").status_code == 404
    assert Delegation.objects.filter(pk=d.pk).exists()
