"""The whole of 000's wartime party work, through the API, from activation to the archive:
activate (temporary branch and teams) → pledges → volunteers into a team → daily reports
with one station missing → care (五个一) → observations → quick commendation → close."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from apps.operations.models import DailyReport, Operation, Pledge
from apps.party.models import CampaignTeam, PartyOrganisation, TeamMembership
from apps.people.models import PartyMembership
from tests.factories.talks import make_talk

pytestmark = pytest.mark.django_db


def test_the_full_wartime_scenario_runs_from_activation_to_archive(ops, api):
    t = ops.tree
    admin, secretary = api(ops.admin), api(ops.secretary)

    # 1. the detachment prepares the operation over its whole subtree
    response = admin.post(
        "/api/operations/",
        {
            "name": "新冠肺炎疫情防控",
            "kind": "epidemic",
            "unit": t.det.pk,
            "committee": ops.committee.pk,
            "start_date": ops.start.isoformat(),
            "reason": "疫情防控阻击战打响，支队党委启动战时思想政治工作机制。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    op_id = response.json()["id"]
    assert response.json()["status"] == "draft"

    # 2. 平转战: the secretary activates, with the 特勤站 temporary branch and two teams
    response = secretary.post(
        f"/api/operations/{op_id}/activate/",
        {
            "organisations": [
                {
                    "name": "防疫一线临时党支部",
                    "unit": t.tqz.pk,
                    "parent": ops.committee.pk,
                    "members": [p.pk for p in ops.tqz_people],
                }
            ],
            "teams": [
                {
                    "name": "特勤站党员突击队",
                    "kind": "commando",
                    "unit": t.tqz.pk,
                    "organisation": "防疫一线临时党支部",
                    "members": [p.pk for p in ops.tqz_people[:2]],
                },
                {
                    "name": "甲站党员先锋岗",
                    "kind": "pioneer_post",
                    "unit": t.station.pk,
                    "organisation": str(ops.branch.pk),
                },
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "active" and response.json()["reporting"] is True
    branch = PartyOrganisation.objects.get(name="防疫一线临时党支部")
    assert branch.kind == "temporary_branch" and branch.unit == t.tqz and branch.closed_on is None
    assert PartyMembership.objects.filter(organisation=branch, end_date__isnull=True).count() == 4
    # the members keep their home branch
    assert all(p.party_organisation_id == ops.tqz_branch.pk for p in ops.tqz_people)
    pioneer = CampaignTeam.objects.get(name="甲站党员先锋岗")

    # 3. pledges: the station files for its people, a member files his own
    station = api(ops.station_staff)
    for person in ops.station_people[:2]:
        response = station.post(
            "/api/operations/pledges/",
            {
                "operation": op_id,
                "person": person.pk,
                "kind": "petition",
                "text": "疫情当前，党员在先，我请战！",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    member = ops.station_people[2]
    member.user = get_user_model().objects.create_user("jia_member", password="x")
    member.save()
    response = api(member.user).post(
        "/api/operations/pledges/mine/", {"operation": op_id, "kind": "oath"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["filed_as"] == "self"

    # 4. the volunteer roster feeds the pioneer post
    pledge_ids = list(Pledge.objects.filter(operation_id=op_id, unit=t.station).values_list("pk", flat=True))
    response = admin.post(
        "/api/operations/pledges/assign-team/", {"pledges": pledge_ids, "team": pioneer.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["placed"] == 3
    assert TeamMembership.objects.filter(team=pioneer).count() == 3

    # 5. today's daily reports: 甲站 and 特勤站 file, 乙站 does not
    for staff, unit in ((station, t.station), (api(ops.tqz_staff), t.tqz)):
        response = staff.post(
            "/api/operations/daily-reports/",
            {
                "operation": op_id,
                "unit": unit.pk,
                "report_date": ops.today.isoformat(),
                "on_duty": 12,
                "thought_status": "思想稳定，士气高昂",
                "health_status": "全员体温正常",
                "difficulties_raised": 2,
                "difficulties_solved": 1,
                "suggestions": "分区分时错峰就餐\n营区出入口设置消毒垫",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert "content" not in response.json() or response.json()["content"] is None
    missing = secretary.get(f"/api/operations/{op_id}/missing-reports/?date={ops.today.isoformat()}").json()
    assert [m["name"] for m in missing] == ["乙站"]
    report = DailyReport.objects.get(operation_id=op_id, unit=t.station)
    detail = secretary.get(f"/api/operations/daily-reports/{report.pk}/").json()
    assert detail["content"]["thought_status"] == "思想稳定，士气高昂"
    assert admin.get(f"/api/operations/daily-reports/{report.pk}/").json().get("content") is None

    # 研判 by the committee
    response = admin.post(
        "/api/operations/assessments/",
        {
            "operation": op_id,
            "date": ops.today.isoformat(),
            "note": "队伍思想稳定，乙站未按时报送，责成包片领导督导。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()

    # 6. care: the front-line people of 甲站 get the 五个一; one of them all five
    person = ops.station_people[0]
    superuser = get_user_model().objects.create_superuser("talker", password="x")
    make_talk(person, superuser, date=ops.today, kind="wartime")
    for item in ("home_visit", "solidarity", "difficulty"):
        response = station.post(
            "/api/operations/care/",
            {
                "operation": op_id,
                "person": person.pk,
                "item": item,
                "date": ops.today.isoformat(),
                "note": "已落实",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    matrix = secretary.get(f"/api/operations/{op_id}/care-matrix/?incomplete=1").json()
    assert person.pk not in {row["person_id"] for row in matrix}
    assert ops.station_people[1].pk in {row["person_id"] for row in matrix}

    # 7. 战时考察 by a committee member
    response = secretary.post(
        "/api/operations/observations/",
        {
            "operation": op_id,
            "person": ops.tqz_people[0].pk,
            "date": ops.today.isoformat(),
            "category": "leave_given_up",
            "conduct": "主动放弃探亲假，提前归队投入防控一线。",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()

    # 8. quick commendation: many people in one batch, no 公示, with its circular
    entries = [
        {"person": p.pk, "deeds": "带病坚持工作", "exemplary": i == 0} for i, p in enumerate(ops.tqz_people)
    ]
    response = secretary.post(
        "/api/operations/commendations/",
        {
            "operation": op_id,
            "title": "关于对疫情防控一线表现突出人员的通报表扬",
            "number": "长消党〔2020〕3号",
            "entries": entries,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["published"] is True and len(response.json()["entries"]) == 4
    circular = secretary.get(f"/api/operations/commendations/{response.json()['id']}/circular/")
    assert circular.status_code == 200 and circular.content[:2] == b"PK"

    board = secretary.get(f"/api/operations/{op_id}/board/").json()
    total = board["total"]
    assert total["temporary_organisations"] == 1
    assert total["teams"] == 2 and total["team_members"] == 5
    assert total["pledges"] == 3 and total["commended"] == 4 and total["observations"] == 1
    assert total["suggestions"] == 4 and total["difficulties_solved"] == 2
    assert total["frontline"] == 5 and total["care_complete"] == 1

    # 9. 战转平: everything set up for the operation ends with it
    response = secretary.post(
        f"/api/operations/{op_id}/close/", {"note": "疫情平稳，转入常态化防控。"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed" and response.json()["reporting"] is False
    branch.refresh_from_db()
    pioneer.refresh_from_db()
    assert branch.closed_on == ops.today and pioneer.end_date == ops.today
    assert not PartyMembership.objects.filter(organisation=branch, end_date__isnull=True).exists()
    assert not TeamMembership.objects.filter(team=pioneer, left_on__isnull=True).exists()
    assert Operation.history.filter(id=op_id, history_change_reason__startswith="战转平").count() == 1
    late = station.post(
        "/api/operations/daily-reports/",
        {"operation": op_id, "unit": t.station.pk, "report_date": ops.today.isoformat(), "on_duty": 3},
        format="json",
    )
    assert late.status_code == 400 and "operation" in late.json()
    summary = secretary.get(f"/api/operations/{op_id}/summary/")
    assert summary.status_code == 200 and summary.content[:2] == b"PK"
    assert datetime.date.today()  # the archive stays readable
    assert secretary.get(f"/api/operations/{op_id}/board/").status_code == 200
