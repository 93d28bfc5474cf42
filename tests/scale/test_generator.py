"""The province generator at a small scale writes a consistent, deterministic corps that the
scoped API serves like any other data."""

import datetime

import pytest
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from apps.commendations.models import Decision, Nomination
from apps.commendations.services import approval_levels
from apps.evaluations.models import Evaluation, Score
from apps.party.models import PartyOrganisation
from apps.people.models import PartyMembership, Person, UnitMembership, validate_id_number
from apps.reports.models import DailyCompliance, ZeroReport
from apps.talks.models import FollowUp, TalkRecord
from apps.units.models import Unit
from bench.generate import counts, digest, expected, generate
from tests.factories.units import user_with_role

pytestmark = pytest.mark.django_db

SCALE = 0.01
TODAY = datetime.date(2026, 3, 15)
S = Nomination.Status


@pytest.fixture
def corps():
    figures = generate(scale=SCALE, seed=1, root_code="T", today=TODAY)
    corps = Unit.objects.get(code="T")
    corps.figures = figures
    return corps


def in_corps(model, corps):
    field = model.scope_field
    return model.objects.filter(**{f"{field}__path__startswith" if field else "path__startswith": corps.path})


def test_full_scale_is_the_province_of_the_architecture():
    assert counts(1.0) == {
        "detachment": 12,
        "battalion": 10,
        "station": 5,
        "squad": 5,
        "people": 10,
        "talks": 10,
    }
    assert expected(1.0) == {
        "units": 3_733,
        "party_organisations": 3_733,
        "people": 30_000,
        "talks": 300_000,
        "evaluations": 63_000,  # 60,000 annual assessments + 3,000 party-group ratings
        "nominations": 20_000,
        "zero_reports": 1_000_000,
        "daily_compliance": 1_021_069,
    }


def test_every_table_has_the_expected_number_of_rows(corps):
    want = expected(SCALE)
    c = counts(SCALE)
    tables = {
        "units": Unit,
        "party_organisations": PartyOrganisation,
        "people": Person,
        "talks": TalkRecord,
        "evaluations": Evaluation,
        "nominations": Nomination,
        "zero_reports": ZeroReport,
        "daily_compliance": DailyCompliance,
    }
    for name, model in tables.items():
        assert in_corps(model, corps).count() == want[name] == corps.figures[name], name
    squads = want["units"] - 1 - c["detachment"] * (1 + c["battalion"] * (1 + c["station"]))
    assert want["people"] == squads * c["people"]
    assert want["talks"] == want["people"] * c["talks"]
    assert want["evaluations"] == 2 * want["people"] + squads
    assert want["nominations"] == round(want["people"] * 2 / 3)
    missing = in_corps(DailyCompliance, corps).filter(status="missing").count()
    assert want["zero_reports"] == want["daily_compliance"] - missing
    assert 0 < missing < 0.05 * want["daily_compliance"]
    assert in_corps(Score, corps).count() == corps.figures["evaluation_scores"] > 0


def test_the_tree_has_valid_paths_and_child_counts(corps):
    c = counts(SCALE)
    units = {u.path: u for u in in_corps(Unit, corps)}
    per_kind = dict(in_corps(Unit, corps).order_by().values_list("kind").annotate(n=Count("id")))
    assert per_kind == {
        "corps": 1,
        "detachment": c["detachment"],
        "battalion": c["detachment"] * c["battalion"],
        "station": c["detachment"] * c["battalion"] * c["station"],
        "squad": c["detachment"] * c["battalion"] * c["station"] * c["squad"],
    }
    for path, unit in units.items():
        children = [u for u in units.values() if u.path[:-4] == path and u.depth == unit.depth + 1]
        assert unit.numchild == len(children)
        if unit.depth > 1:
            assert units[path[:-4]].pk == unit.get_parent().pk
    assert corps.get_descendant_count() == len(units) - 1
    # The party tree mirrors the command tree: one organisation per unit, of the right kind.
    orgs = in_corps(PartyOrganisation, corps).select_related("unit")
    kinds = {"corps": "committee", "detachment": "committee", "battalion": "committee"}
    kinds |= {"station": "branch", "squad": "party_group"}
    for org in orgs:
        assert org.kind == kinds[org.unit.kind]
        assert org.numchild == org.get_children().count()
        if org.depth > 1:
            assert org.get_parent().unit.path == org.unit.path[:-4]


def test_every_record_points_at_a_unit_of_the_generated_corps(corps):
    subtree = set(in_corps(Unit, corps).values_list("pk", flat=True))
    for model, fields in [
        (Person, ["unit_id"]),
        (PartyOrganisation, ["unit_id"]),
        (UnitMembership, ["unit_id"]),
        (TalkRecord, ["unit_id"]),
        (Evaluation, ["unit_id"]),
        (Nomination, ["unit_id", "current_level_id"]),
        (Decision, ["level_id"]),
        (ZeroReport, ["unit_id"]),
        (DailyCompliance, ["unit_id"]),
    ]:
        rows = model.objects.filter(**{f"{model.scope_field}__path__startswith": corps.path})
        for field in fields:
            used = set(rows.exclude(**{field: None}).values_list(field, flat=True).distinct())
            assert used and used <= subtree, (model.__name__, field)
    assert Person.objects.count() == corps.figures["people"]  # nothing written outside the corps
    assert TalkRecord.objects.count() == corps.figures["talks"]
    assert ZeroReport.objects.count() == corps.figures["zero_reports"]


def test_people_have_valid_ids_and_dated_memberships(corps):
    people = in_corps(Person, corps)
    for number in people.values_list("id_number", flat=True):
        validate_id_number(number)
    assert not people.exclude(unit__kind="squad").exists()
    # One open unit membership each, in the person's unit, begun before any of their talks.
    memberships = UnitMembership.objects.filter(person__in=people)
    assert memberships.filter(end_date=None).count() == people.count()
    assert not memberships.filter(end_date=None).exclude(unit=F("person__unit")).exists()
    assert not memberships.filter(Q(start_date__gt=TODAY) | Q(end_date__lt=F("start_date"))).exists()
    for closed in memberships.exclude(end_date=None).select_related("person"):
        current = memberships.get(person=closed.person, end_date=None)
        assert closed.unit_id != current.unit_id
        assert closed.end_date == current.start_date - datetime.timedelta(days=1)
    first_talk = dict(TalkRecord.objects.values_list("person").annotate(first=Min("date")))
    for person, since in memberships.filter(end_date=None).values_list("person", "start_date"):
        assert first_talk[person] >= since
    assert not TalkRecord.objects.exclude(unit=F("person__unit")).exists()
    assert not TalkRecord.objects.filter(date__gt=TODAY).exists()
    # Party members belong to their station's branch and their squad's group; nobody else.
    members = people.filter(political_status__in=["full_member", "probationary"])
    assert members.exists() and people.exclude(pk__in=members).exists()
    assert not people.exclude(pk__in=members).exclude(party_organisation=None).exists()
    for person in members.select_related("unit", "party_organisation__unit", "party_group__unit"):
        assert person.party_group.unit == person.unit
        assert person.party_organisation.unit.path == person.unit.path[:-4]
        orgs = set(
            PartyMembership.objects.filter(person=person, end_date=None).values_list(
                "organisation", flat=True
            )
        )
        assert orgs == {person.party_organisation_id, person.party_group_id}


def test_talk_content_decrypts_and_followups_follow_their_talks(corps):
    talk = TalkRecord.objects.filter(has_warning_signs=True).first() or TalkRecord.objects.first()
    content = talk.decrypted_content()
    assert content["state_of_mind"]
    assert bool(content["warning_signs"]) == talk.has_warning_signs
    followups = FollowUp.objects.filter(record__unit__path__startswith=corps.path)
    assert followups.exists()
    assert not followups.filter(due_date__lt=F("record__date")).exists()
    assert not followups.filter(status="done", completed_on=None).exists()


def test_evaluations_are_scored_totalled_graded_and_ranked(corps):
    evaluations = in_corps(Evaluation, corps)
    assert not evaluations.filter(Q(total=None) | Q(grade="") | Q(rank_in_corps=None)).exists()
    older, last = TODAY.year - 2, TODAY.year - 1
    assert set(evaluations.filter(year=older).values_list("status", flat=True)) == {"published"}
    assert set(evaluations.filter(year=last).values_list("status", flat=True)) == {"draft"}
    annual = evaluations.filter(scheme__code="annual", year=last)
    assert annual.count() == in_corps(Person, corps).count()
    assert annual.filter(rank_in_corps=1).exists()
    assert annual.order_by("rank_in_corps").first().total == annual.order_by("-total").first().total
    groups = evaluations.filter(scheme__code="group_rating")
    assert not groups.exclude(organisation__kind="party_group").exists()
    per_evaluation = set(
        Score.objects.filter(evaluation__in=evaluations)
        .values("evaluation")
        .annotate(n=Count("id"))
        .values_list("n", flat=True)
    )
    assert per_evaluation == {10}  # 5 leaf criteria x 2 evaluators, for both schemes


def test_nominations_carry_the_decisions_of_their_state(corps):
    nominations = in_corps(Nomination, corps).select_related("unit", "award_kind")
    statuses = set(nominations.values_list("status", flat=True))
    assert statuses >= set(S.values) - {S.OBJECTED}  # 1 % objected: maybe none at this scale
    for n in nominations:
        decisions = list(n.decisions.order_by("at", "id"))
        assert decisions[0].action == "create"
        for before, after in zip(decisions, decisions[1:], strict=False):
            assert after.from_status == before.to_status
            assert after.at > before.at
        assert decisions[-1].to_status == n.status
        levels = [u.pk for u in approval_levels(n)]
        approvals = [d.level_id for d in decisions if d.action == "approve"]
        assert approvals == levels[: len(approvals)]
        if n.status == S.APPROVING:
            assert n.current_level_id == levels[len(approvals)]
        elif n.status == S.SUBMITTED:
            assert n.current_level_id == n.unit_id
        else:
            assert n.current_level_id is None
        if n.status in (S.NOTICE, S.OBJECTED, S.AWARDED):
            assert approvals == levels and n.notice_ends_on
            if hasattr(n, "approved_on"):
                assert n.approved_on == timezone.localtime(decisions[len(approvals) + 2].at).date()
        elif hasattr(n, "approved_on"):
            assert n.approved_on is None
        subject = n.subject_person or n.subject_organisation
        assert subject.unit.path.startswith(n.unit.path)
        assert (n.subject_person is None) == n.award_kind.collective


def test_zero_reports_and_the_compliance_sweep_agree(corps):
    reports = in_corps(ZeroReport, corps)
    compliance = in_corps(DailyCompliance, corps)
    reporting = in_corps(Unit, corps).exclude(kind="squad")
    assert set(reports.values_list("unit", flat=True).distinct()) == set(
        reporting.values_list("pk", flat=True)
    )
    assert reports.filter(is_late=True).exists() and not reports.filter(report_date__gte=TODAY).exists()
    filed = {(r.unit_id, r.report_date): r.is_late for r in reports}
    for row in compliance:
        late = filed.get((row.unit_id, row.date))
        assert row.status == ("missing" if late is None else "late" if late else "on_time")
    for report in reports:
        local = timezone.localtime(report.filed_at)
        assert (
            (local.date(), local.time()) > (report.report_date, datetime.time(18))
            if report.is_late
            else (local.date() == report.report_date and local.time() < datetime.time(18))
        )


def test_the_same_seed_writes_the_same_rows(corps):
    generate(scale=SCALE, seed=1, root_code="U", today=TODAY)
    generate(scale=SCALE, seed=2, root_code="V", today=TODAY)
    first, again, other = digest("T"), digest("U"), digest("V")
    assert first == again
    assert len(first) == 16
    assert {table for table in first if first[table] != other[table]} >= {
        "people.Person",
        "talks.TalkRecord",
        "evaluations.Score",
        "commendations.Nomination",
        "reports.ZeroReport",
    }


def test_scoped_api_lists_serve_generated_data(corps, api):
    for kind in ["station", "detachment", "corps"]:
        unit = in_corps(Unit, corps).filter(kind=kind).order_by("path").first()
        subtree = set(Unit.objects.filter(path__startswith=unit.path).values_list("pk", flat=True))
        client = api(user_with_role("secretary", unit))
        for url, model in [
            ("/api/people/", Person),
            ("/api/talks/records/", TalkRecord),
            ("/api/evaluations/evaluations/", Evaluation),
            ("/api/commendations/nominations/", Nomination),
            ("/api/reports/zero-reports/", ZeroReport),
            ("/api/reports/compliance/", DailyCompliance),
        ]:
            response = client.get(url, {"count": "exact"})
            assert response.status_code == 200, (kind, url)
            body = response.json()
            visible = model.objects.filter(unit__path__startswith=unit.path).count()
            assert body["count"] == min(visible, 10_001), (kind, url)
            assert body["results"], (kind, url)
            assert {row["unit"] for row in body["results"] if "unit" in row} <= subtree, (kind, url)
