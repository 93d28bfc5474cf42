"""Talk records for tests."""

import datetime

from apps.talks.services import talk_record


def make_talk(person, talker, date=datetime.date(2026, 10, 10), kind="routine", followups=(), **content):
    content.setdefault("state_of_mind", "思想稳定，工作积极")
    return talk_record(person=person, talker=talker, date=date, kind=kind, followups=followups, **content)
