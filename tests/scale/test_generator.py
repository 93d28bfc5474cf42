"""The generator at a small scale builds a consistent tree with dated memberships."""

import pytest

from apps.people.models import Person, UnitMembership
from apps.talks.models import TalkRecord
from apps.units.models import Unit
from bench.generate import counts, generate

pytestmark = pytest.mark.django_db


def test_small_scale_generates_a_consistent_tree():
    figures = generate(scale=0.01, seed=1, root_code="T")
    corps = Unit.objects.get(code="T")
    subtree = Unit.objects.filter(path__startswith=corps.path)
    assert subtree.count() == figures["units"]
    c = counts(0.01)
    assert (
        subtree.filter(kind="squad").count() == c["detachment"] * c["battalion"] * c["station"] * c["squad"]
    )
    for unit in subtree.exclude(pk=corps.pk)[:50]:
        assert unit.get_parent().path == unit.path[:-4]
        assert unit.get_parent().numchild == unit.get_parent().get_children().count()
    assert Person.objects.count() == figures["people"]
    assert UnitMembership.objects.filter(end_date__isnull=True).count() == figures["people"]
    assert not TalkRecord.objects.exclude(unit__path__startswith=corps.path).exists()
    assert TalkRecord.objects.count() == figures["talks"]
    assert counts(1.0) == {
        "detachment": 12,
        "battalion": 10,
        "station": 5,
        "squad": 5,
        "people": 10,
        "talks": 10,
    }
