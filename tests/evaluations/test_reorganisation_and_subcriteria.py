from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from apps.evaluations import tasks
from apps.evaluations.models import Evaluation, Scheme
from apps.evaluations.services import evaluation_create, scores_submit
from apps.units.services import unit_move
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_org, make_person
from tests.factories.units import make_unit, make_user, user_with_role

pytestmark = pytest.mark.django_db


def test_sub_criteria_are_scored_on_the_leaves_only(tree, hq, django_capture_on_commit_callbacks):
    scheme = Scheme.objects.get(code="standardisation")
    branch = make_org(tree.station, "branch")
    evaluation = evaluation_create(scheme=scheme, subject=branch, year=2026, actor=hq)
    heading = scheme.criteria.get(name="组织设置")
    with pytest.raises(ValidationError):
        scores_submit(evaluation=evaluation, evaluator=hq, scores={heading.pk: 30})
    leaves = {c.name: c.pk for c in scheme.criteria.filter(children__isnull=True)}
    full = {
        "支部设置规范": 10,
        "班子配备齐全": 20,
        "三会一课": 25,
        "主题党日": 15,
        "发展党员程序规范": 10,
        "党费按时足额收缴": 10,
        "阵地与档案": 5,  # half of 10
    }
    with django_capture_on_commit_callbacks(execute=True):
        scores_submit(evaluation=evaluation, evaluator=hq, scores={leaves[k]: v for k, v in full.items()})
    evaluation.refresh_from_db()
    # Leaf weights 10+20+25+15+10+10+10 = 100; only 阵地与档案 loses 5 → 95.00, 达标.
    assert evaluation.total == Decimal("95.00")
    assert evaluation.grade == "达标"


def test_a_moved_battalion_takes_its_evaluations_out_of_the_old_detachments_sight_and_reranks(
    tree, hq, django_capture_on_commit_callbacks
):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    with django_capture_on_commit_callbacks(execute=True):
        moved = evaluation_create(scheme=scheme, subject=make_person(tree.station3), year=2026, actor=hq)
        scores_submit(evaluation=moved, evaluator=hq, scores=sheet(scheme, 90))
        stay = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
        scores_submit(evaluation=stay, evaluator=hq, scores=sheet(scheme, 80))
    moved.refresh_from_db()
    assert moved.rank_in_corps == 1
    old_admin = user_with_role("unit_admin", tree.det2)
    assert Evaluation.objects.visible_to(old_admin).filter(pk=moved.pk).exists()

    new_detachment = make_unit(tree.corps2, "detachment", "丙市支队")
    unit_move(unit=tree.bat2, new_parent=new_detachment, actor=make_user(is_superuser=True))
    assert not Evaluation.objects.visible_to(old_admin).filter(pk=moved.pk).exists()

    assert tasks.recompute_open_periods() >= 1
    moved.refresh_from_db()
    stay.refresh_from_db()
    assert (moved.rank_in_corps, stay.rank_in_corps) == (1, 1)  # now in different corps
