"""The inbox offers exactly what ``commendations.selectors.nomination_available_actions``
answers (the API's ``available_actions`` and the admin's decide page ask the same), in every
state; a nomination it does not list offers no decision the user could take."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Nomination
from apps.commendations.selectors import nomination_available_actions
from tests.factories.commendations import advance, make_nomination
from tests.factories.people import make_person

from .data import named_user

pytestmark = pytest.mark.django_db
S = Nomination.Status
DECISIONS = {"review", "approve", "return", "reject"}


def in_state(wb, det_approver, state) -> Nomination:
    n = make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station))
    if state == S.DRAFT:
        return n
    if state == S.SUBMITTED:
        return services.nomination_submit(nomination=n, actor=wb.station_admin)
    if state == S.WITHDRAWN:
        n = services.nomination_submit(nomination=n, actor=wb.station_admin)
        return services.nomination_withdraw(nomination=n, actor=wb.station_admin)
    n = advance(n, wb.secretary)
    if state == S.APPROVING:
        return n
    if state == S.REJECTED:
        return services.nomination_reject(nomination=n, actor=wb.approver, comment="事迹不实")
    n = services.nomination_approve(nomination=n, actor=wb.approver)
    n = services.nomination_approve(nomination=n, actor=det_approver)
    if state == S.NOTICE:
        return n
    if state == S.OBJECTED:
        services.nomination_object(nomination=n, actor=wb.hq, reason="有异议")
        return n
    services.notices_close(today=datetime.date.today() + datetime.timedelta(days=90))
    return n


def buttons(text) -> list[str]:
    return re.findall(r'data-action="(\w+)"', text)


@pytest.mark.parametrize("state", list(S))
def test_the_buttons_are_the_selectors_answer_in_every_state(wb, login, state):
    det_approver = named_user("wb_approver_det", "郑", "支队", ("approver", wb.tree.det))
    n = Nomination.objects.get(pk=in_state(wb, det_approver, state).pk)
    assert n.status == state
    seen = 0
    for user in (wb.approver, det_approver, wb.secretary, wb.hq, wb.station_admin):
        answer = nomination_available_actions(nomination=n, actor=user)
        response = login(user).get(f"/inbox/{n.pk}/")
        if response.status_code == 200:
            seen += 1
            assert buttons(response.content.decode()) == answer, (state, user.username)
        else:
            assert response.status_code == 404
            assert not DECISIONS & set(answer), (state, user.username)  # nothing hidden
        for code in DECISIONS - set(answer):
            assert login(user).post(f"/inbox/{n.pk}/{code}/", {"comment": "x"}).status_code == 404
    assert seen == (1 if state in (S.SUBMITTED, S.APPROVING) else 0)
    assert Nomination.objects.get(pk=n.pk).status == state  # the refused posts changed nothing


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_inbox_and_the_decision_page_cost_the_same_queries_with_more_rows(wb, login):
    first = advance(
        make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
    )
    client = login(wb.approver)
    _count(client, "/inbox/")
    small, page = _count(client, "/inbox/"), _count(client, f"/inbox/{first.pk}/")
    for _ in range(4):
        advance(
            make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
        )
    assert _count(client, "/inbox/") == small and _count(client, f"/inbox/{first.pk}/") == page


def test_opening_a_row_with_htmx_gives_the_row_with_its_buttons(wb, login):
    n = advance(
        make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
    )
    text = login(wb.approver).get(f"/inbox/{n.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in text and f'id="nomination-{n.pk}"' in text
    assert buttons(text) == ["approve", "return", "reject"] and "先进事迹" in text and "审批记录" in text
