"""Public notice 公示 and objections 异议 (issue 16 item 12): the unit a notice concerns sees it
and may object; objections carry their ids in the API and are resolved in the admin; the
award at the end of the notice is the system's (issue 21 item 5)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from apps.commendations import services
from apps.commendations.models import Nomination, Objection
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status


@pytest.fixture
def on_notice(tree, crew):
    return advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat, crew.det)


@pytest.fixture
def drafted_above(tree):
    """The detachment nominates a person of 甲站 for an award it approves itself."""
    det_admin = user_with_role("unit_admin", tree.det, "n_det_admin")
    det_reviewer = user_with_role("secretary", tree.det, "n_det_reviewer")
    det_approver = user_with_role("approver", tree.det, "n_det_approver")
    person = make_person(tree.station, name="站里的英雄")
    return advance(make_nomination(tree.det, det_admin, person), det_reviewer, det_approver)


def test_the_unit_a_notice_concerns_sees_it_and_may_object(tree, drafted_above, api):
    assert drafted_above.status == S.NOTICE
    station_viewer = user_with_role("viewer", tree.station, "n_station_viewer")
    client = api(station_viewer)
    assert (
        client.get(f"/api/commendations/nominations/{drafted_above.pk}/").status_code == 404
    )  # not its draft
    listed = client.get("/api/commendations/nominations/notices/").json()["results"]
    assert [row["id"] for row in listed] == [drafted_above.pk]
    assert listed[0]["subject_name"] == "站里的英雄" and "drafted_by" not in listed[0]
    objected = client.post(
        f"/api/commendations/nominations/{drafted_above.pk}/object/", {"reason": "事迹有出入"}, format="json"
    )
    assert objected.status_code == 200 and objected.json()["status"] == S.OBJECTED


def test_a_notice_about_another_unit_stays_hidden(tree, drafted_above, api):
    stranger = user_with_role("viewer", tree.station3, "n_stranger")
    assert api(stranger).get("/api/commendations/nominations/notices/").json()["results"] == []
    response = api(stranger).post(
        f"/api/commendations/nominations/{drafted_above.pk}/object/", {"reason": "x"}, format="json"
    )
    assert response.status_code == 404
    assert not Objection.objects.exists()


def test_drafts_of_a_level_above_are_not_shown_to_the_unit_they_name(tree, api):
    det_admin = user_with_role("unit_admin", tree.det, "n_det_admin2")
    make_nomination(tree.det, det_admin, make_person(tree.station))
    viewer = user_with_role("viewer", tree.station, "n_viewer2")
    assert api(viewer).get("/api/commendations/nominations/notices/").json()["results"] == []


def test_objection_ids_are_in_the_api_and_resolve_by_that_id(tree, crew, on_notice, api):
    services.nomination_object(nomination=on_notice, actor=crew.corps, reason="事迹存在夸大")
    detail = api(crew.det).get(f"/api/commendations/nominations/{on_notice.pk}/").json()
    (objection,) = detail["objections"]
    assert objection["outcome"] == "open" and "resolve_objection" in detail["available_actions"]
    response = api(crew.det).post(
        f"/api/commendations/nominations/{on_notice.pk}/resolve-objection/",
        {"objection": objection["id"], "upheld": False, "resolution": "经核实，事迹属实"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == S.NOTICE
    assert response.json()["objections"][0]["outcome"] == "dismissed"


def test_objections_are_resolved_in_the_admin(tree, crew, on_notice, client):
    objection = services.nomination_object(nomination=on_notice, actor=crew.corps, reason="有违纪记录")
    client.force_login(crew.det)
    url = f"/admin/commendations/nomination/{on_notice.pk}/decide/"
    page = client.get(url)
    assert page.status_code == 200
    assert [c for c, _ in page.context["form"].fields["action"].choices] == ["object", "resolve_objection"]
    missing = client.post(url, {"action": "resolve_objection", "comment": "属实"})
    assert missing.status_code == 200 and missing.context["form"].errors
    done = client.post(
        url,
        {"action": "resolve_objection", "objection": objection.pk, "upheld": "1", "comment": "经核实属实"},
    )
    assert done.status_code == 302
    objection.refresh_from_db()
    on_notice.refresh_from_db()
    assert objection.outcome == Objection.Outcome.UPHELD and on_notice.status == S.REJECTED
    assert on_notice.decisions.last().actor == crew.det


def test_an_objection_is_not_resolved_by_someone_outside_the_final_level(tree, crew, on_notice, client):
    objection = services.nomination_object(nomination=on_notice, actor=crew.corps, reason="x")
    client.force_login(crew.bat)
    url = f"/admin/commendations/nomination/{on_notice.pk}/decide/"
    assert "resolve_objection" not in [c for c, _ in client.get(url).context["form"].fields["action"].choices]
    client.post(
        url, {"action": "resolve_objection", "objection": objection.pk, "upheld": "1", "comment": "x"}
    )
    objection.refresh_from_db()
    assert objection.outcome == Objection.Outcome.OPEN


def test_the_automatic_award_is_attributed_to_the_system_not_the_drafter(tree, crew, on_notice, api):
    services.notices_close(today=on_notice.notice_ends_on + datetime.timedelta(days=1))
    award = on_notice.decisions.get(action="award")
    assert award.actor is None and "系统" in award.comment
    decisions = api(crew.det).get(f"/api/commendations/nominations/{on_notice.pk}/").json()["decisions"]
    assert decisions[-1]["action"] == "award" and decisions[-1]["actor"] is None


def test_the_decision_schema_declares_actor_and_on_behalf_of_nullable(api, tree, crew):
    schema = api(crew.det).get("/api/schema/", {"format": "json"}).json()
    props = schema["components"]["schemas"]["NominationDecision"]["properties"]
    assert props["on_behalf_of"].get("nullable") is True
    assert props["actor"].get("nullable") is True


def test_the_secretary_drafts_a_nomination(tree, crew, api):
    from tests.factories.commendations import kind

    secretary = user_with_role("secretary", tree.station, "n_secretary")
    response = api(secretary).post(
        "/api/commendations/nominations/",
        {
            "unit": tree.station.pk,
            "award_kind": kind().pk,
            "year": 2026,
            "subject_person": make_person(tree.station).pk,
            "deeds": "事迹",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    n = Nomination.objects.get(pk=response.json()["id"])
    assert n.drafted_by == secretary
    n = services.nomination_submit(nomination=n, actor=secretary)
    with pytest.raises(PermissionDenied):  # nobody reviews their own draft
        services.nomination_review(nomination=n, actor=secretary)
    assert services.nomination_review(nomination=n, actor=crew.reviewer).status == S.APPROVING


def test_the_notices_list_runs_a_constant_number_of_queries(tree, drafted_above, api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(user_with_role("viewer", tree.station, "n_counter"))
    url = "/api/commendations/nominations/notices/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).json()["results"]) == 1
    det_admin = user_with_role("unit_admin", tree.det, "n_more_admin")
    det_reviewer = user_with_role("secretary", tree.det, "n_more_reviewer")
    det_approver = user_with_role("approver", tree.det, "n_more_approver")
    for _ in range(4):
        advance(make_nomination(tree.det, det_admin, make_person(tree.station)), det_reviewer, det_approver)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).json()["results"]) == 5
    assert len(many) == len(few)
