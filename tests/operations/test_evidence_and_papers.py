"""战时考察 as evidence for nominations and evaluations; the circular and the summary."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from docx import Document

from apps.operations import documents, selectors, services
from tests.factories.commendations import make_nomination

pytestmark = pytest.mark.django_db


@pytest.fixture
def observation(ops, active):
    return services.observation_record(
        operation=active,
        person=ops.tqz_people[0],
        date=ops.today,
        category="leave_given_up",
        conduct="主动放弃探亲假，提前归队",
        actor=ops.secretary,
    )


def test_an_observation_is_attached_to_a_nomination_of_the_same_person(ops, observation, api):
    root = get_user_model().objects.create_superuser("drafter", password="x")
    nomination = make_nomination(ops.tree.tqz, root, subject_person=ops.tqz_people[0])
    other = make_nomination(ops.tree.tqz, root, subject_person=ops.tqz_people[1])
    client = api(ops.secretary)
    response = client.post(
        "/api/operations/observation-links/",
        {"observation": observation.pk, "nomination": nomination.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    wrong = client.post(
        "/api/operations/observation-links/",
        {"observation": observation.pk, "nomination": other.pk},
        format="json",
    )
    assert wrong.status_code == 400 and "nomination" in wrong.json()
    assert list(selectors.observations_linked(user=ops.secretary, nomination=nomination)) == [observation]
    assert list(selectors.observations_of(person=ops.tqz_people[0], user=ops.secretary)) == [observation]
    # the station itself does not see the committee's observations
    assert list(selectors.observations_of(person=ops.tqz_people[0], user=ops.tqz_staff)) == []


def test_a_link_needs_exactly_one_target(ops, observation):
    with pytest.raises(ValidationError):
        services.observation_link(observation=observation, actor=ops.secretary)


def test_the_circular_names_every_person_and_the_committee(ops, active):
    commendation = services.commendation_issue(
        operation=active,
        title="关于对疫情防控一线表现突出人员的通报表扬",
        number="长消党〔2026〕1号",
        notice_days=3,
        entries=[
            {"person": p, "deeds": "带病坚持工作", "exemplary": i == 0} for i, p in enumerate(ops.tqz_people)
        ],
        actor=ops.secretary,
    )
    text = _text(documents.commendation_docx(commendation))
    assert "甲市支队党委" in text and "公示期 3 天" in text
    assert all(p.name in text for p in ops.tqz_people)
    assert commendation.published_on == ops.today + datetime.timedelta(days=3)
    assert list(selectors.exemplary_people(user=ops.secretary)) == []  # still on 公示
    later = ops.today + datetime.timedelta(days=3)
    assert [e.person for e in selectors.exemplary_people(user=ops.secretary, today=later)] == [
        ops.tqz_people[0]
    ]


def test_the_summary_carries_the_figures(ops, active):
    services.pledge_file(operation=active, person=ops.station_people[0], actor=ops.admin)
    figures = selectors.board(operation=active, user=ops.admin)
    text = _text(documents.summary_docx(active, figures))
    assert "新冠肺炎疫情防控战时党建工作总结" in text
    assert "1 人次递交请战书" in text and "合计" in text


def _text(content: bytes) -> str:
    doc = Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)
