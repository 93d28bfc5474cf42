from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.access.models import Role
from apps.evaluations.models import Evaluation, SchemeEvaluator, Score
from apps.evaluations.services import evaluation_create, scores_submit
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_org, make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def _scored(scheme, subject, actor, *sheets):
    evaluation = evaluation_create(scheme=scheme, subject=subject, year=2026, actor=actor)
    for evaluator, values in sheets:
        scores_submit(evaluation=evaluation, evaluator=evaluator, scores=sheet(scheme, *values))
    return evaluation


def test_weighted_total_and_grade_on_a_hand_computed_example(tree, hq, django_capture_on_commit_callbacks):
    # A: weight 2, max 10; B: weight 1, max 20. Two evaluators, scores averaged:
    # A = (8 + 6) / 2 = 7, B = (10 + 20) / 2 = 15
    # total = 100 × (2 × 7/10 + 1 × 15/20) / 3 = 71.67 → 基本称职 (60 ≤ t < 75)
    scheme = make_scheme()
    other = user_with_role("secretary", tree.det)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = _scored(scheme, make_person(tree.station), hq, (hq, (8, 10)), (other, (6, 20)))
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("71.67")
    assert evaluation.grade == "基本称职"


def test_role_weighted_scheme_weights_each_evaluator_by_role(tree, hq, django_capture_on_commit_callbacks):
    # secretary ×3, unit_admin ×1: A = (3×8 + 6)/4 = 7.5, B = (3×10 + 20)/4 = 12.5
    # total = 100 × (2 × 0.75 + 0.625) / 3 = 70.83
    scheme = make_scheme(aggregation="role_weighted")
    SchemeEvaluator.objects.create(scheme=scheme, role=Role.objects.get(code="secretary"), weight=3)
    SchemeEvaluator.objects.create(scheme=scheme, role=Role.objects.get(code="unit_admin"), weight=1)
    secretary = user_with_role("secretary", tree.det)
    with django_capture_on_commit_callbacks(execute=True):
        evaluation = _scored(scheme, make_person(tree.station), hq, (secretary, (8, 10)), (hq, (6, 20)))
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("70.83")
    assert evaluation.grade == "基本称职"


def test_grade_bands_are_inclusive_at_their_lower_bound(tree, hq, django_capture_on_commit_callbacks):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    with django_capture_on_commit_callbacks(execute=True):
        top = _scored(scheme, make_person(tree.station), hq, (hq, (90,)))
        mid = _scored(scheme, make_person(tree.station), hq, (hq, (89.99,)))
        low = _scored(scheme, make_person(tree.station), hq, (hq, (0,)))
    for e in (top, mid, low):
        e.refresh_from_db()
    assert (top.grade, mid.grade, low.grade) == ("优秀", "称职", "不称职")


def test_ties_share_a_rank_and_the_next_rank_skips(tree, hq, django_capture_on_commit_callbacks):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    with django_capture_on_commit_callbacks(execute=True):
        a = _scored(scheme, make_person(tree.station), hq, (hq, (80,)))
        b = _scored(scheme, make_person(tree.station), hq, (hq, (80,)))
        c = _scored(scheme, make_person(tree.station), hq, (hq, (70,)))
        d = _scored(scheme, make_person(tree.station3), hq, (hq, (90,)))
        far = evaluation_create(
            scheme=scheme,
            subject=make_person(tree.corps2),
            year=2026,
            actor=user_with_role("unit_admin", tree.corps2),
        )
    for e in (a, b, c, d, far):
        e.refresh_from_db()
    assert [a.rank_in_parent, b.rank_in_parent, c.rank_in_parent] == [1, 1, 3]
    assert d.rank_in_parent == 1
    assert [d.rank_in_corps, a.rank_in_corps, b.rank_in_corps, c.rank_in_corps] == [1, 2, 2, 4]
    assert far.rank_in_corps is None  # no score, no total: not ranked


def test_a_unit_subject_is_ranked_among_its_siblings(tree, hq, django_capture_on_commit_callbacks):
    scheme = make_scheme(subject_kind="unit", criteria=[("满意率", 1, 100, True)])
    with django_capture_on_commit_callbacks(execute=True):
        s1 = _scored(scheme, tree.station, hq, (hq, (95,)))
        s2 = _scored(scheme, tree.station2, hq, (hq, (97,)))
        s3 = _scored(scheme, tree.station3, hq, (hq, (99,)))
    for e in (s1, s2, s3):
        e.refresh_from_db()
    assert (s2.rank_in_parent, s1.rank_in_parent, s3.rank_in_parent) == (1, 2, 1)
    assert (s3.rank_in_corps, s2.rank_in_corps, s1.rank_in_corps) == (1, 2, 3)


def test_a_score_above_the_maximum_is_refused_and_nothing_is_written(tree, hq):
    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    with pytest.raises(ValidationError) as error:
        scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 8, 21))
    assert "超出范围" in str(error.value.message_dict["scores"])
    assert "0 至 20" in str(error.value.message_dict["scores"])
    assert not Score.objects.exists()


@pytest.mark.parametrize("bad", [-1, "abc", "NaN", 1.234])
def test_negative_or_malformed_scores_are_refused(tree, hq, bad):
    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    with pytest.raises(ValidationError):
        scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, bad, 5))
    assert not Score.objects.exists()


def test_a_missing_required_criterion_is_refused_by_name(tree, hq):
    scheme = make_scheme(criteria=[("甲", 1, 10, True), ("乙", 1, 10, True), ("丙", 1, 10, False)])
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    first = scheme.criteria.get(name="甲")
    with pytest.raises(ValidationError) as error:
        scores_submit(evaluation=evaluation, evaluator=hq, scores={first.pk: 5})
    assert "乙" in str(error.value.message_dict["scores"])
    assert "丙" not in str(error.value.message_dict["scores"])
    assert not Score.objects.exists()


def test_a_criterion_of_another_scheme_or_a_heading_is_refused(tree, hq):
    scheme = make_scheme()
    other = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    foreign = {**sheet(scheme, 1, 1), other.criteria.first().pk: 1}
    with pytest.raises(ValidationError):
        scores_submit(evaluation=evaluation, evaluator=hq, scores=foreign)
    assert not Score.objects.exists()


def test_an_evaluator_outside_the_subjects_scope_is_refused(tree, hq):
    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    sibling = user_with_role("unit_admin", tree.det2)
    with pytest.raises(PermissionDenied):
        scores_submit(evaluation=evaluation, evaluator=sibling, scores=sheet(scheme, 1, 1))
    viewer = user_with_role("viewer", tree.corps)
    with pytest.raises(PermissionDenied):
        scores_submit(evaluation=evaluation, evaluator=viewer, scores=sheet(scheme, 1, 1))
    assert not Score.objects.exists()


def test_a_scheme_limited_to_some_roles_refuses_the_others(tree, hq):
    scheme = make_scheme()
    SchemeEvaluator.objects.create(scheme=scheme, role=Role.objects.get(code="secretary"), weight=1)
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    with pytest.raises(PermissionDenied):
        scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 1, 1))
    secretary = user_with_role("secretary", tree.bat)
    scores_submit(evaluation=evaluation, evaluator=secretary, scores=sheet(scheme, 1, 1))
    assert Score.objects.filter(evaluator=secretary).count() == 2


def test_creating_an_evaluation_out_of_scope_or_of_the_wrong_subject_is_refused(tree, hq):
    scheme = make_scheme()
    with pytest.raises(PermissionDenied):
        evaluation_create(scheme=scheme, subject=make_person(tree.corps2), year=2026, actor=hq)
    with pytest.raises(ValidationError):
        evaluation_create(scheme=scheme, subject=make_org(tree.station), year=2026, actor=hq)
    group_scheme = make_scheme(subject_kind="party_group")
    with pytest.raises(ValidationError):
        evaluation_create(scheme=group_scheme, subject=make_org(tree.station, "branch"), year=2026, actor=hq)
    assert not Evaluation.objects.exists()


def test_a_subject_has_one_evaluation_per_period(tree, hq):
    scheme = make_scheme(period_kind="quarter")
    person = make_person(tree.station)
    evaluation_create(scheme=scheme, subject=person, year=2026, period_number=1, actor=hq)
    evaluation_create(scheme=scheme, subject=person, year=2026, period_number=2, actor=hq)
    with pytest.raises(ValidationError):
        evaluation_create(scheme=scheme, subject=person, year=2026, period_number=2, actor=hq)
    with pytest.raises(ValidationError):
        evaluation_create(scheme=scheme, subject=person, year=2026, period_number=5, actor=hq)
