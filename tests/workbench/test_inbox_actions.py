"""The inbox offers exactly what ``commendations.selectors.nomination_available_actions``
answers (the API's ``available_actions`` and the admin's decide page ask the same), in every
state; a nomination it does not list offers no decision the user could take."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.commendations import services
from apps.commendations.models import Delegation, Nomination
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


def row_buttons(listing, pk) -> list[str] | None:
    """The buttons on the list's row of nomination ``pk`` (``None``: not listed)."""
    start = listing.find(f'id="nomination-{pk}"')
    if start < 0:
        return None
    end = listing.find('class="wb-card wb-inbox-row"', start)
    return buttons(listing[start : end if end > 0 else len(listing)])


@pytest.mark.parametrize("state", list(S))
def test_the_buttons_are_the_selectors_answer_in_every_state(wb, login, state):
    det_approver = named_user("wb_approver_det", "郑", "支队", ("approver", wb.tree.det))
    n = Nomination.objects.get(pk=in_state(wb, det_approver, state).pk)
    assert n.status == state
    seen = 0
    for user in (wb.approver, det_approver, wb.secretary, wb.hq, wb.station_admin):
        answer = nomination_available_actions(nomination=n, actor=user)
        listing = login(user).get("/inbox/")
        on_row = row_buttons(listing.content.decode(), n.pk) if listing.status_code == 200 else None
        response = login(user).get(f"/inbox/{n.pk}/")
        assert (on_row is not None) == (response.status_code == 200)  # listed = may be opened
        if on_row is not None:
            assert on_row == answer, (state, user.username)  # the list's row: the same buttons
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


def _waiting_at_bat(wb, n) -> list[Nomination]:
    return [
        advance(
            make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
        )
        for _ in range(n)
    ]


def _submitted(wb, n) -> list[Nomination]:
    return [
        services.nomination_submit(
            nomination=make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)),
            actor=wb.station_admin,
        )
        for _ in range(n)
    ]


def test_the_inbox_with_buttons_on_every_row_costs_the_same_queries_for_3_and_12_rows(wb, login):
    """The approver, a deputy acting for them today (an approver at 甲站 themself) and the
    reviewer: the list, the home and an opened row cost the same with 3 rows as with 12."""
    deputy = named_user("wb_deputy", "孙", "代理", ("approver", wb.tree.station))
    today = datetime.date.today()
    Delegation.objects.create(approver=wb.approver, deputy=deputy, starts_on=today, ends_on=today)
    approving, submitted = _waiting_at_bat(wb, 3)[0], _submitted(wb, 3)[0]
    cast = {
        wb.approver: ("approve", approving),
        deputy: ("approve", approving),
        wb.secretary: ("review", submitted),
    }

    def counts(client, opened):
        return _count(client, "/inbox/"), _count(client, "/"), _count(client, f"/inbox/{opened.pk}/")

    small = {}
    for who, (_code, opened) in cast.items():
        _count(login(who), "/inbox/")  # warm the caches (content types)
        small[who] = counts(login(who), opened)
    _waiting_at_bat(wb, 9)
    _submitted(wb, 9)
    for who, (code, opened) in cast.items():
        assert counts(login(who), opened) == small[who], who.username
        listing = login(who).get("/inbox/").content.decode()
        assert listing.count(f'data-action="{code}"') == 12, who.username  # a button on every row
        assert listing.count('data-action="reject"') == 12 and listing.count("data-open=") == 12


def test_opening_a_row_with_htmx_gives_the_row_with_its_buttons(wb, login):
    n = advance(
        make_nomination(wb.tree.station, wb.station_admin, make_person(wb.tree.station)), wb.secretary
    )
    text = login(wb.approver).get(f"/inbox/{n.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in text and f'id="nomination-{n.pk}"' in text
    assert buttons(text) == ["approve", "return", "reject"] and "先进事迹" in text and "审批记录" in text


def test_a_deputy_without_a_role_of_their_own_gets_the_inbox_while_the_delegation_runs(wb, login):
    deputy = named_user("wb_viewer_deputy", "钱", "代理", ("viewer", wb.tree.bat))
    assert login(deputy).get("/inbox/").status_code == 404
    n = _waiting_at_bat(wb, 1)[0]
    today = datetime.date.today()
    delegation = Delegation.objects.create(
        approver=wb.approver, deputy=deputy, starts_on=today, ends_on=today
    )
    listing = login(deputy).get("/inbox/").content.decode()
    assert row_buttons(listing, n.pk) == ["approve", "return", "reject"]
    assert 'id="inbox-section"' in login(deputy).get("/").content.decode()
    delegation.ends_on = delegation.starts_on = today - datetime.timedelta(days=1)
    delegation.save()
    assert login(deputy).get("/inbox/").status_code == 404
