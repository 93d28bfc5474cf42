import pytest

from tests.factories.people import make_person
from tests.factories.units import user_with_role


@pytest.fixture
def cast(tree):
    """The people around one talk at 甲站: every role the confidentiality rules name."""
    from types import SimpleNamespace

    c = SimpleNamespace()
    c.talker = user_with_role("talker", tree.station, "talker")
    c.committee = user_with_role("secretary", tree.det, "committee")  # the committee above
    c.unit_admin = user_with_role("unit_admin", tree.station, "station_admin")
    c.viewer = user_with_role("viewer", tree.station, "viewer")
    c.sibling_secretary = user_with_role("secretary", tree.det2, "sibling_secretary")
    c.hq_admin = user_with_role("hq_admin", tree.corps, "hq")
    c.person = make_person(tree.station, name="谈话对象")
    return c
