"""Only the actions valid now are offered (issue 17): the selector the workbench and the admin
use, the admin's decide page built from it, and bulk approval that counts truly."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Nomination
from apps.commendations.selectors import nomination_available_actions
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db
S = Nomination.Status


def actions(n, user):
    return nomination_available_actions(nomination=Nomination.objects.get(pk=n.pk), actor=user)


def test_a_draft_offers_submit_to_the_drafting_unit_and_withdraw_to_its_drafter(tree, crew):
    n = make_nomination(tree.station, crew.drafter, crew.hero)
    assert actions(n, crew.drafter) == ["submit", "withdraw"]
    assert actions(n, crew.reviewer) == ["submit"]  # the secretary drafts in the unit too
    assert actions(n, crew.bat) == []
    assert actions(n, user_with_role("viewer", tree.station, "a_viewer")) == []


def test_a_submitted_nomination_offers_review_return_and_reject_to_the_reviewer(tree, crew):
    n = services.nomination_submit(
        nomination=make_nomination(tree.station, crew.drafter, crew.hero), actor=crew.drafter
    )
    assert actions(n, crew.reviewer) == ["review", "return", "reject"]
    assert actions(n, crew.drafter) == ["withdraw"]
    assert actions(n, crew.bat) == []


def test_an_approving_nomination_offers_the_decision_to_the_exact_level_only(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    assert actions(n, crew.bat) == ["approve", "return", "reject"]
    assert actions(n, crew.det) == [] and actions(n, crew.corps) == []
    assert actions(n, crew.drafter) == ["withdraw"]


def test_an_approver_named_in_the_nomination_is_offered_nothing(tree, crew):
    named = user_with_role("approver", tree.bat, "a_named")
    n = advance(
        make_nomination(tree.station, crew.drafter, make_person(tree.station, user=named)), crew.reviewer
    )
    assert actions(n, named) == []


def test_the_notice_offers_objection_and_the_objection_its_resolution(tree, crew):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer, crew.bat, crew.det)
    assert actions(n, crew.corps) == ["object"]
    assert actions(n, crew.drafter) == ["object"]
    services.nomination_object(nomination=n, actor=crew.corps, reason="x")
    assert actions(n, crew.det) == ["object", "resolve_objection"]
    assert actions(n, crew.bat) == ["object"]


def test_finished_nominations_offer_nothing(tree, crew):
    n = services.nomination_withdraw(
        nomination=make_nomination(tree.station, crew.drafter, crew.hero), actor=crew.drafter
    )
    for user in (crew.drafter, crew.reviewer, crew.bat, crew.det):
        assert actions(n, user) == []


def test_the_api_detail_lists_the_available_actions(tree, crew, api):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    assert api(crew.bat).get(f"/api/commendations/nominations/{n.pk}/").json()["available_actions"] == [
        "approve",
        "return",
        "reject",
    ]
    assert api(crew.det).get(f"/api/commendations/nominations/{n.pk}/").json()["available_actions"] == []


# --- the admin's decide page ---------------------------------------------------------------


def test_the_admin_decide_page_offers_only_the_valid_actions(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    url = f"/admin/commendations/nomination/{n.pk}/decide/"
    client.force_login(crew.bat)
    offered = [c for c, _ in client.get(url).context["form"].fields["action"].choices]
    assert offered == ["approve", "return", "reject"]
    client.force_login(crew.det)  # sees it, may do nothing now
    page = client.get(url)
    assert page.status_code == 200 and 'id="no-actions"' in page.content.decode()
    change = client.get(f"/admin/commendations/nomination/{n.pk}/change/").content.decode()
    assert "/decide/" not in change


def test_an_action_not_offered_cannot_be_posted_to_the_admin(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.force_login(crew.bat)
    response = client.post(f"/admin/commendations/nomination/{n.pk}/decide/", {"action": "withdraw"})
    assert response.status_code == 200 and response.context["form"].errors
    n.refresh_from_db()
    assert n.status == S.APPROVING


def test_the_admin_decide_page_of_a_nomination_out_of_scope_is_a_404(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.force_login(user_with_role("approver", tree.det2, "a_outsider"))
    url = f"/admin/commendations/nomination/{n.pk}/decide/"
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "approve"}).status_code == 404
    n.refresh_from_db()
    assert n.current_level == tree.bat


def test_the_admin_bulk_approval_reports_true_counts(tree, crew, client):
    waiting = [
        advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
        for _ in range(3)
    ]
    elsewhere = make_nomination(tree.station, crew.drafter, crew.hero)  # a draft: not waiting
    client.force_login(crew.bat)
    # from the inbox filter (what the "-3 件" came from: the filtered list shrinks as it is approved)
    response = client.post(
        "/admin/commendations/nomination/?inbox=1",
        {"action": "approve_selected", "_selected_action": [n.pk for n in waiting[:2]]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["已处理 2 件"], texts
    response = client.post(
        "/admin/commendations/nomination/",
        {"action": "approve_selected", "_selected_action": [waiting[2].pk, elsewhere.pk]},
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["已处理 1 件；1 件不在您的待办中，未处理"], texts
    assert Nomination.objects.filter(current_level=tree.det).count() == 3


def test_the_api_bulk_approval_reports_true_counts(tree, crew, api):
    waiting = advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    draft = make_nomination(tree.station, crew.drafter, crew.hero)
    body = (
        api(crew.bat)
        .post(
            "/api/commendations/nominations/bulk-approve/",
            {"ids": [waiting.pk, draft.pk, waiting.pk], "comment": "同意"},
            format="json",
        )
        .json()
    )
    assert (body["done"], body["refused"], body["not_waiting"]) == (1, 0, 1)


def test_the_decide_page_runs_a_constant_number_of_queries(tree, crew, client):
    n = advance(make_nomination(tree.station, crew.drafter, crew.hero), crew.reviewer)
    client.force_login(crew.bat)
    url = f"/admin/commendations/nomination/{n.pk}/decide/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        advance(make_nomination(tree.station, crew.drafter, make_person(tree.station)), crew.reviewer)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
