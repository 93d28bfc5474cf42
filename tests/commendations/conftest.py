from types import SimpleNamespace

import pytest

from tests.factories.people import make_person
from tests.factories.units import user_with_role


@pytest.fixture
def crew(tree):
    """A drafter and a reviewer at 甲站, approvers at the battalion, detachment and corps."""
    c = SimpleNamespace()
    c.drafter = user_with_role("unit_admin", tree.station, "drafter")
    c.reviewer = user_with_role("secretary", tree.station, "reviewer")
    c.bat = user_with_role("approver", tree.bat, "approver_bat")
    c.det = user_with_role("approver", tree.det, "approver_det")
    c.det_b = user_with_role("approver", tree.det, "approver_det_b")
    c.corps = user_with_role("approver", tree.corps, "approver_corps")
    c.hero = make_person(tree.station, name="李英雄")
    return c


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Evidence files go to a throw-away MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
