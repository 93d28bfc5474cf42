"""Each page rendered as one user right after another user used it: nothing leaks across."""

import datetime

import pytest

from tests.factories.commendations import advance, make_nomination
from tests.factories.talks import make_talk

from .data import named_user

pytestmark = pytest.mark.django_db


def test_pages_show_nothing_of_the_previous_user(wb, login):
    today = datetime.date.today()
    other_talker = named_user(
        "wb_talker3", "丁", "谈话", ("talker", wb.tree.station3), ("unit_admin", wb.tree.station3)
    )
    record = make_talk(wb.other_people[0], other_talker, date=today, difficulties="丙站的秘密困难")
    advance(make_nomination(wb.tree.station, wb.station_admin, wb.people[0]), wb.secretary)
    first, second = login(other_talker), login(wb.station_admin)
    pages = [
        "/",
        "/talks/new/",
        f"/talks/new/?person={wb.people[0].pk}",
        "/talks/people/?q=",
        "/nominations/new/",
    ]
    for url in pages:
        first.get(url)
        first.get(f"/talks/{record.pk}/")  # reads the confidential content
        first.post("/talks/new/", {"person": wb.other_people[1].pk, "state_of_mind": "丙站草稿内容"})
        text = second.get(url).content.decode()
        for word in ("丙站的秘密困难", "丙站草稿内容", "赵丙", "钱丙", "丁谈话"):
            assert word not in text, (url, word)
    inbox_text = login(wb.approver).get("/inbox/").content.decode()
    assert "丙站" not in inbox_text
