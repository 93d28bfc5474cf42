"""The evaluations part of the demo: a year of party-group ratings and annual assessments."""

import pytest

from apps.core.demo import demo_load
from apps.evaluations.demo import demo_year
from apps.evaluations.models import Evaluation, GroupHonour, Scheme
from apps.evaluations.selectors import advanced_groups, grade_distribution_per_child
from apps.people.models import Person
from apps.units.models import Unit

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_published_year_of_ratings_and_assessments():
    ctx = demo_load(seed=7)
    year = demo_year()
    annual = Scheme.objects.get(code="annual")
    assert Evaluation.objects.filter(scheme=annual, year=year + 1, status="published").exists()
    assessed = Evaluation.objects.filter(scheme=annual, year=year, status="published")
    assert assessed.count() == Person.objects.filter(is_active=True).count() > 0
    assert not assessed.filter(total__isnull=True).exists()
    assert assessed.filter(rank_in_corps=1).exists()
    ratings = Evaluation.objects.filter(scheme__code="group_rating", year=year, status="published")
    assert ratings.exists()
    assert GroupHonour.objects.filter(year=year).exists()
    assert advanced_groups(year).exists()
    assert all(h.unit.path.startswith(Unit.objects.get(code="GZ").path) for h in advanced_groups(year))
    hq = ctx["users"]["demo_hq"]
    root = Unit.objects.get(code="GZ")
    rows = grade_distribution_per_child(user=hq, root=root, year=year)
    assert sum(sum(r["grades"].values()) for r in rows) > 0
    satisfaction = Evaluation.objects.get(scheme__code="satisfaction", subject_unit=root)
    assert satisfaction.total == 100
