"""六责 checklist: completion per subtree matches a brute-force count and is scoped."""

import datetime
import random

import pytest

from apps.reports.models import ResponsibilityItem, ResponsibilityKind
from apps.reports.selectors import responsibility_completion
from apps.units.models import Unit
from tests.factories.people import make_org, make_person
from tests.factories.units import make_user, user_with_role

pytestmark = pytest.mark.django_db
PAST, FUTURE = datetime.date(2020, 1, 1), datetime.date(2099, 12, 31)


def build_items(tree, seed=7):
    rng = random.Random(seed)
    kinds = list(ResponsibilityKind.values)
    for unit in (tree.det, tree.bat, tree.station, tree.station2, tree.tqz, tree.station3):
        org = make_org(unit, "branch", name=f"{unit.name}党支部")
        person = make_person(unit)
        for year in (2025, 2026):
            for _ in range(rng.randint(1, 5)):
                ResponsibilityItem.objects.create(
                    organisation=org,
                    year=year,
                    kind=rng.choice(kinds),
                    description="落实责任",
                    assignee=person,
                    due_date=rng.choice([PAST, FUTURE]),
                    completed_on=rng.choice([None, PAST]),
                )


def brute_force(root, year):
    out = {}
    for child in Unit.objects.filter(path__startswith=root.path, depth=root.depth + 1):
        items = [
            i
            for i in ResponsibilityItem.objects.select_related("organisation__unit")
            if i.year == year and i.organisation.unit.path.startswith(child.path)
        ]
        out[child.pk] = {
            "items": len(items),
            "done": sum(1 for i in items if i.completed_on),
            "overdue": sum(1 for i in items if not i.completed_on and i.due_date == PAST),
        }
    return out


def test_completion_per_child_matches_a_brute_force_count(tree):
    build_items(tree)
    hq = make_user("hq6", is_superuser=True)
    for root in (tree.corps, tree.det, tree.bat):
        figures = {
            r["unit_id"]: {k: r[k] for k in ("items", "done", "overdue")}
            for r in responsibility_completion(user=hq, root=root, year=2026)
        }
        assert figures == brute_force(root, 2026)
    assert sum(r["items"] for r in responsibility_completion(user=hq, root=tree.corps, year=2026)) > 0


def test_a_station_admin_sees_only_its_own_items(tree, api):
    build_items(tree)
    admin = user_with_role("unit_admin", tree.station)
    visible = ResponsibilityItem.objects.visible_to(admin, "view")
    assert visible.exists()
    assert set(visible.values_list("organisation__unit", flat=True)) == {tree.station.pk}
    client = api(admin)
    assert client.get("/api/reports/responsibilities/completion/", {"unit": tree.det.pk}).status_code == 400
    listed = client.get("/api/reports/responsibilities/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows and len(rows) == visible.count()
