from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.evaluations.models import Evaluation, EvaluationStatus, Score
from apps.evaluations.services import evaluation_correct, evaluation_create, evaluation_publish, scores_submit
from tests.factories.evaluations import make_scheme, sheet
from tests.factories.people import make_person
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(tree, hq):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 80))
    return evaluation_publish(evaluation=evaluation, actor=hq)


def test_publishing_locks_the_total_and_grade(published):
    assert published.status == EvaluationStatus.PUBLISHED
    assert published.total == Decimal("80.00")
    assert published.grade == "称职"
    assert published.rank_in_parent == 1
    assert published.published_at is not None


def test_a_published_evaluation_cannot_be_rescored(published, hq):
    with pytest.raises(ValidationError) as error:
        scores_submit(evaluation=published, evaluator=hq, scores=sheet(published.scheme, 99))
    assert "已发布" in str(error.value.message_dict["evaluation"])
    assert list(Score.objects.values_list("value", flat=True)) == [Decimal("80.00")]


def test_a_published_evaluation_cannot_be_published_again(published, hq):
    with pytest.raises(ValidationError):
        evaluation_publish(evaluation=published, actor=hq)


def test_an_evaluation_with_a_required_criterion_unscored_cannot_be_published(tree, hq):
    scheme = make_scheme()
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    with pytest.raises(ValidationError):
        evaluation_publish(evaluation=evaluation, actor=hq)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT


def test_only_a_publisher_in_scope_may_publish(tree, hq):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 80))
    for outsider in (user_with_role("unit_admin", tree.det2), user_with_role("viewer", tree.corps)):
        with pytest.raises(PermissionDenied):
            evaluation_publish(evaluation=evaluation, actor=outsider)
    evaluation.refresh_from_db()
    assert evaluation.status == EvaluationStatus.DRAFT


def test_a_correction_keeps_both_versions_and_the_reason(published, hq):
    correction = evaluation_correct(evaluation=published, reason="漏记一项立功表现", actor=hq)
    assert correction.version == 2
    assert correction.supersedes == published
    assert correction.scores.count() == 1
    # Until the correction is published, the first version stays in force.
    published.refresh_from_db()
    assert published.status == EvaluationStatus.PUBLISHED

    scores_submit(evaluation=correction, evaluator=hq, scores=sheet(published.scheme, 92))
    correction = evaluation_publish(evaluation=correction, actor=hq)
    published.refresh_from_db()
    assert published.status == EvaluationStatus.SUPERSEDED
    assert published.total == Decimal("80.00")  # the old figures are kept as they were
    assert published.rank_in_parent is None  # no longer ranked
    assert correction.total == Decimal("92.00")
    assert correction.grade == "优秀"
    assert correction.rank_in_parent == 1
    assert correction.correction_reason == "漏记一项立功表现"
    assert Evaluation.objects.filter(person=published.person).count() == 2
    assert published.history.count() >= 2


def test_a_correction_needs_a_reason_and_a_published_evaluation(published, hq, tree):
    with pytest.raises(ValidationError):
        evaluation_correct(evaluation=published, reason="  ", actor=hq)
    evaluation_correct(evaluation=published, reason="更正", actor=hq)
    with pytest.raises(ValidationError):
        evaluation_correct(evaluation=published, reason="再次更正", actor=hq)
    with pytest.raises(PermissionDenied):
        evaluation_correct(evaluation=published, reason="越权", actor=user_with_role("viewer", tree.corps))
    assert Evaluation.objects.count() == 2


def test_the_assessed_person_is_told_once(tree, hq, django_capture_on_commit_callbacks):
    from apps.evaluations.tasks import notify_published
    from apps.notifications.models import Notification
    from tests.factories.units import make_user

    login = make_user()
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    person = make_person(tree.station, user=login)
    evaluation = evaluation_create(scheme=scheme, subject=person, year=2026, actor=hq)
    scores_submit(evaluation=evaluation, evaluator=hq, scores=sheet(scheme, 95))
    with django_capture_on_commit_callbacks(execute=True):
        evaluation_publish(evaluation=evaluation, actor=hq)
    assert notify_published(evaluation.pk) is False  # second run: nothing more
    notices = Notification.objects.filter(recipient=login)
    assert notices.count() == 1
    assert "优秀" in notices.get().title


def test_an_evaluation_without_any_score_cannot_be_published(tree, hq):
    scheme = make_scheme(criteria=[("甲", 1, 100, False)])
    evaluation = evaluation_create(scheme=scheme, subject=make_person(tree.station), year=2026, actor=hq)
    with pytest.raises(ValidationError):
        evaluation_publish(evaluation=evaluation, actor=hq)
