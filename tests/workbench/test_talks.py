"""Recording a talk on one screen: person and owner chosen by name, bad input, scope, reading."""

import datetime

import pytest

from apps.talks.models import FollowUp, TalkContentAccess, TalkRecord
from tests.factories.talks import make_talk

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _post(wb, person, **extra):
    data = {
        "person": person.pk,
        "kind": "routine",
        "date": TODAY.isoformat(),
        "state_of_mind": "思想稳定",
        "followups": "1",
        "fu0-description": "帮助联系子女入学",
        "fu0-owner": wb.station_admin.pk,
        "fu0-due_date": (TODAY + datetime.timedelta(days=7)).isoformat(),
    }
    data.update(extra)
    return data


def test_new_talk_form_offers_the_chosen_person_and_owners_by_name(wb, login):
    text = login(wb.station_admin).get(f"/talks/new/?person={wb.people[0].pk}").content.decode()
    assert "张三" in text and "杨站长" in text and "wb_station" not in text


def test_a_person_of_another_unit_gives_404(wb, login):
    assert login(wb.station_admin).get(f"/talks/new/?person={wb.other_people[0].pk}").status_code == 404


def test_recording_a_talk_with_a_follow_up_writes_both(wb, login):
    response = login(wb.station_admin).post("/talks/new/", _post(wb, wb.people[0]))
    assert response.status_code == 302
    record = TalkRecord.objects.get(person=wb.people[0])
    assert record.talker == wb.station_admin and record.decrypted_content()["state_of_mind"] == "思想稳定"
    followup = record.followups.get()
    assert (
        followup.owner == wb.station_admin and followup.decrypted_text()["description"] == "帮助联系子女入学"
    )


def test_a_talk_without_content_comes_back_with_a_chinese_message_and_nothing_written(wb, login):
    response = login(wb.station_admin).post("/talks/new/", _post(wb, wb.people[0], state_of_mind=""))
    assert response.status_code == 400 and "请至少填写一项谈话内容" in response.content.decode()
    assert not TalkRecord.objects.exists()


def test_a_follow_up_without_an_owner_is_refused(wb, login):
    response = login(wb.station_admin).post("/talks/new/", _post(wb, wb.people[0], **{"fu0-owner": ""}))
    assert response.status_code == 400 and "请选择责任人" in response.content.decode()
    assert not TalkRecord.objects.exists() and not FollowUp.objects.exists()


def test_an_owner_who_may_not_own_it_is_refused(wb, login):
    response = login(wb.station_admin).post(
        "/talks/new/", _post(wb, wb.people[0], **{"fu0-owner": wb.other_station_admin.pk})
    )
    assert response.status_code == 400 and "责任人须是能办理该单位跟进事项的人员" in response.content.decode()
    assert not TalkRecord.objects.exists()


def test_a_future_date_is_refused_by_the_service_rule(wb, login):
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    response = login(wb.station_admin).post(
        "/talks/new/", _post(wb, wb.people[0], date=tomorrow, **{"fu0-due_date": tomorrow})
    )
    assert response.status_code == 400 and "谈话日期不能晚于今天" in response.content.decode()
    assert not TalkRecord.objects.exists()


def test_posting_another_units_person_is_refused_and_writes_nothing(wb, login):
    response = login(wb.station_admin).post("/talks/new/", _post(wb, wb.other_people[0]))
    assert response.status_code == 400 and "请从列表中按姓名选择人员" in response.content.decode()
    assert not TalkRecord.objects.exists()


def test_people_search_fragment_finds_by_name_within_scope_only(wb, login):
    client = login(wb.station_admin)
    text = client.get("/talks/people/?q=李", HTTP_HX_REQUEST="true").content.decode()
    assert "李四" in text and "张三" not in text and "<html" not in text
    assert "赵丙" not in client.get("/talks/people/?q=丙", HTTP_HX_REQUEST="true").content.decode()


def test_owners_fragment_lists_names_and_404s_for_another_units_person(wb, login):
    client = login(wb.station_admin)
    text = client.get(f"/talks/owners/?person={wb.people[0].pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "杨站长" in text and "周书记" in text and "丁丙站" not in text
    assert client.get(f"/talks/owners/?person={wb.other_people[0].pk}").status_code == 404


def test_followup_row_fragment_adds_a_row_and_stops_at_the_limit(wb, login):
    client = login(wb.station_admin)
    text = client.get(
        f"/talks/followup-row/?i=1&person={wb.people[0].pk}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'name="fu1-owner"' in text and 'value="2"' in text
    assert client.get("/talks/followup-row/?i=5").status_code == 404


def test_talk_page_shows_content_to_the_talker_and_logs_the_read(wb, login):
    record = make_talk(wb.people[0], wb.station_admin, date=TODAY, difficulties="母亲住院")
    text = login(wb.station_admin).get(f"/talks/{record.pk}/").content.decode()
    assert "母亲住院" in text and "张三" in text
    assert TalkContentAccess.objects.filter(record=record, user=wb.station_admin).count() == 1


def test_talk_page_hides_content_from_an_hq_admin(wb, login):
    record = make_talk(wb.people[0], wb.station_admin, date=TODAY, difficulties="母亲住院")
    text = login(wb.hq).get(f"/talks/{record.pk}/").content.decode()
    assert "母亲住院" not in text and "谈话内容保密" in text
    assert not TalkContentAccess.objects.filter(user=wb.hq).exists()


def test_another_units_talk_gives_404(wb, login):
    from tests.factories.units import user_with_role

    record = make_talk(wb.other_people[0], user_with_role("talker", wb.tree.station3), date=TODAY)
    assert login(wb.station_admin).get(f"/talks/{record.pk}/").status_code == 404


def test_the_owner_closes_a_follow_up(wb, login):
    record = make_talk(
        wb.people[0],
        wb.station_admin,
        date=TODAY,
        followups=[{"owner": wb.station_admin, "due_date": TODAY, "description": "回访"}],
    )
    followup = record.followups.get()
    response = login(wb.station_admin).post(
        f"/followups/{followup.pk}/done/", {"outcome": "已回访"}, follow=True
    )
    assert "跟进事项已办结" in response.content.decode()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.DONE


def test_someone_else_cannot_close_a_follow_up(wb, login):
    record = make_talk(
        wb.people[0],
        wb.station_admin,
        date=TODAY,
        followups=[{"owner": wb.station_admin, "due_date": TODAY, "description": "回访"}],
    )
    followup = record.followups.get()
    response = login(wb.hq).post(f"/followups/{followup.pk}/done/", follow=True)
    assert "只有责任人或谈话人可以办结" in response.content.decode()
    followup.refresh_from_db()
    assert followup.status == FollowUp.Status.OPEN


def test_closing_another_units_follow_up_gives_404(wb, login):
    from tests.factories.units import user_with_role

    talker = user_with_role("talker", wb.tree.station3)
    record = make_talk(
        wb.other_people[0],
        talker,
        date=TODAY,
        followups=[{"owner": talker, "due_date": TODAY, "description": "x"}],
    )
    assert login(wb.station_admin).post(f"/followups/{record.followups.get().pk}/done/").status_code == 404
