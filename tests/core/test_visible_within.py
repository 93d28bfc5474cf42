"""``visible_within(user, root)`` is ``visible_to(user)`` narrowed to ``root``'s subtree, row
for row, for every kind of user and root; where a grant covers the root it is the subtree
alone, one join to the units (the dashboard's aggregates at a corps)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.request_cache import request_scope
from apps.people.models import Person
from apps.reports.models import ZeroReport
from apps.talks.models import TalkRecord
from apps.talks.services import talk_share
from apps.units.models import Unit
from tests.factories.people import make_person
from tests.factories.talks import make_talk
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db

ROOTS = ["root", "corps", "det", "bat", "station", "squad", "det2", "corps2"]


@pytest.fixture
def people(tree):
    talker = user_with_role("talker", tree.station, "within_talker")
    other = user_with_role("talker", tree.station3, "within_talker3")
    for unit in (tree.station, tree.squad, tree.station2, tree.tqz, tree.station3, tree.corps2):
        make_person(unit)
    make_talk(make_person(tree.station), talker)
    shared = make_talk(make_person(tree.station3), other)
    users = {
        "hq": user_with_role("hq_admin", tree.corps, "within_hq"),
        "det_secretary": user_with_role("secretary", tree.det, "within_det"),
        "station_admin": user_with_role("unit_admin", tree.station, "within_station"),
        "other_corps": user_with_role("secretary", tree.corps2, "within_corps2"),
        "superuser": make_user("within_root", is_superuser=True),
        "nobody": make_user("within_nobody"),
    }
    # a record of 丙站 shared one by one with the detachment secretary of 甲市
    talk_share(record=shared, reader=users["det_secretary"], actor=users["superuser"], reason="协助家访")
    inactive = user_with_role("hq_admin", tree.corps, "within_inactive")
    inactive.is_active = False
    inactive.save()
    users["inactive"] = inactive
    return users


@pytest.mark.parametrize("model", [Person, TalkRecord, ZeroReport, Unit])
@pytest.mark.parametrize(
    "who", ["hq", "det_secretary", "station_admin", "other_corps", "superuser", "nobody", "inactive"]
)
def test_the_same_rows_as_visible_to_then_the_subtree(tree, people, model, who):
    user = people[who]
    subtree = "path__startswith" if model is Unit else "unit__path__startswith"
    for name in ROOTS:
        root = getattr(tree, name)
        expected = set(
            model.objects.visible_to(user, "view").filter(**{subtree: root.path}).values_list("pk", flat=True)
        )
        got = set(model.objects.visible_within(user, root).values_list("pk", flat=True))
        assert got == expected, (who, name)


def test_a_shared_record_outside_the_grant_is_counted_only_under_its_own_unit(tree, people):
    secretary = people["det_secretary"]
    assert TalkRecord.objects.visible_within(secretary, tree.station3).count() == 1
    assert TalkRecord.objects.visible_within(secretary, tree.det2).count() == 1
    assert TalkRecord.objects.visible_within(secretary, tree.det).count() == 1  # 甲站's own talk


def test_a_covered_root_reads_the_subtree_in_one_join(tree, people):
    hq = people["hq"]
    with request_scope():
        Person.objects.visible_within(hq, tree.det).count()  # the grants, read once per request
        with CaptureQueriesContext(connection) as queries:
            Person.objects.visible_within(hq, tree.det).count()
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert sql.count('JOIN "units_unit"') == 1 and " IN (SELECT" not in sql
