"""满意率: a survey tally (satisfied out of valid answers) becomes the score."""

from decimal import Decimal

import pytest

from apps.evaluations.models import Evaluation, Scheme, Score
from apps.evaluations.services import evaluation_create
from tests.factories.evaluations import make_scheme
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


def _survey(tree, hq, scheme=None):
    scheme = scheme or Scheme.objects.get(code="satisfaction")
    return evaluation_create(scheme=scheme, subject=tree.det, year=2026, actor=hq)


def _url(evaluation):
    return f"/api/evaluations/evaluations/{evaluation.pk}/survey/"


def test_the_share_of_satisfied_answers_becomes_the_score_and_grade(
    api, tree, hq, django_capture_on_commit_callbacks
):
    evaluation = _survey(tree, hq)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(hq).post(_url(evaluation), {"satisfied": 47, "valid": 50}, format="json")
    assert response.status_code == 200, response.content
    score = Score.objects.get(evaluation=evaluation)
    assert score.value == Decimal("94.00")
    assert "47" in score.comment and "50" in score.comment
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("94.00")
    assert evaluation.grade == "满意"


def test_a_unanimous_survey_is_one_hundred_percent(api, tree, hq, django_capture_on_commit_callbacks):
    evaluation = _survey(tree, hq)
    with django_capture_on_commit_callbacks(execute=True):
        api(hq).post(_url(evaluation), {"satisfied": 31, "valid": 31}, format="json")
    evaluation.refresh_from_db()
    assert evaluation.total == Decimal("100.00")


@pytest.mark.parametrize(
    "body,field",
    [
        ({"satisfied": 51, "valid": 50}, "satisfied"),
        ({"satisfied": 0, "valid": 0}, "valid"),
        ({"satisfied": -1, "valid": 10}, "satisfied"),
        ({"satisfied": "很多", "valid": 10}, "satisfied"),
        ({"valid": 10}, "satisfied"),
    ],
)
def test_an_impossible_tally_is_a_400_naming_the_field_and_writes_nothing(api, tree, hq, body, field):
    evaluation = _survey(tree, hq)
    response = api(hq).post(_url(evaluation), body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Score.objects.filter(evaluation=evaluation).exists()


def test_a_tally_on_another_scheme_is_refused(api, tree, hq):
    evaluation = evaluation_create(
        scheme=make_scheme(), subject=make_person(tree.station), year=2026, actor=hq
    )
    response = api(hq).post(_url(evaluation), {"satisfied": 1, "valid": 2}, format="json")
    assert response.status_code == 400
    assert not Score.objects.filter(evaluation=evaluation).exists()


def test_a_survey_outside_the_scope_is_a_404_and_a_viewer_gets_a_403(api, tree, hq):
    evaluation = _survey(tree, hq)
    sibling = user_with_role("unit_admin", tree.det2)
    assert api(sibling).post(_url(evaluation), {"satisfied": 1, "valid": 2}, format="json").status_code == 404
    viewer = user_with_role("viewer", tree.corps)
    assert api(viewer).post(_url(evaluation), {"satisfied": 1, "valid": 2}, format="json").status_code == 403
    assert not Score.objects.filter(evaluation=evaluation).exists()
    assert Evaluation.objects.filter(pk=evaluation.pk, total__isnull=True).exists()
