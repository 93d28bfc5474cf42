"""Rankings and roll-ups against a brute-force Python computation on a generated tree."""

import random
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.evaluations import ranking
from apps.evaluations.models import Evaluation, EvaluationStatus, Score
from apps.evaluations.selectors import grade_distribution_per_child, rollup_per_child
from tests.factories.evaluations import PEOPLE_BANDS, leaves, make_scheme
from tests.factories.people import make_person
from tests.factories.units import make_unit, make_user

pytestmark = pytest.mark.django_db

Q = Decimal("0.01")


def _generated_tree(rnd):
    bureau = make_unit(None, "bureau")
    corps_list, units = [], []
    for _ in range(2):
        corps = make_unit(bureau, "corps")
        corps_list.append(corps)
        for _ in range(rnd.randint(2, 3)):
            det = make_unit(corps, "detachment")
            units.append(det)
            for _ in range(rnd.randint(1, 2)):
                bat = make_unit(det, "battalion")
                units.append(bat)
                for _ in range(rnd.randint(1, 3)):
                    units.append(make_unit(bat, "station"))
    return bureau, corps_list, units


def _expected_total(scheme_leaves, sheets):
    """sheets: list of {criterion_id: value} (one per evaluator, weight 1)."""
    weight_sum = sum(c.weight for c in scheme_leaves)
    acc = Decimal(0)
    for c in scheme_leaves:
        values = [s[c.pk] for s in sheets if c.pk in s]
        if values:
            acc += c.weight * (sum(values) / len(values)) / c.max_score
    return (100 * acc / weight_sum).quantize(Q, rounding=ROUND_HALF_UP)


def _rank(items):
    """items: [(key, total)] → {key: rank} with ties sharing (1, 1, 3)."""
    ordered = sorted(items, key=lambda kv: -kv[1])
    return {key: 1 + sum(1 for _, other in ordered if other > total) for key, total in items}


def _grade(total):
    return next(label for label, minimum in PEOPLE_BANDS if total >= minimum)


def test_sql_totals_ranks_and_rollups_match_brute_force():
    rnd = random.Random(7)
    from apps.units.models import Unit

    bureau, corps_list, units = _generated_tree(rnd)
    units = list(Unit.objects.filter(pk__in=[u.pk for u in units]))
    corps_list = list(Unit.objects.filter(pk__in=[c.pk for c in corps_list]))
    bureau = Unit.objects.get(pk=bureau.pk)
    scheme = make_scheme(criteria=[("甲", 3, 10, True), ("乙", 2, 20, True), ("丙", 1, 5, False)])
    scheme_leaves = leaves(scheme)
    evaluators = [make_user() for _ in range(3)]
    expected = {}
    evaluations = []
    for unit in units:
        for _ in range(rnd.randint(0, 4)):
            person = make_person(unit)
            # Coarse values so that ties happen.
            sheets = [
                {
                    c.pk: Decimal(rnd.randint(0, int(c.max_score) // 5) * 5)
                    for c in scheme_leaves
                    if rnd.random() < 0.9
                }
                for _ in range(rnd.randint(1, 3))
            ]
            sheets = [s for s in sheets if s] or [{scheme_leaves[0].pk: Decimal(5)}]
            evaluation = Evaluation.objects.create(
                scheme=scheme, year=2026, subject_kind="person", person=person, unit=unit
            )
            Score.objects.bulk_create(
                Score(evaluation=evaluation, criterion_id=cid, evaluator=evaluators[i], value=v)
                for i, s in enumerate(sheets)
                for cid, v in s.items()
            )
            expected[evaluation.pk] = (unit, _expected_total(scheme_leaves, sheets))
            evaluations.append(evaluation)
    assert len(evaluations) > 20

    ranking.recompute_period(scheme.pk, 2026)

    stored = {e.pk: e for e in Evaluation.objects.filter(scheme=scheme)}
    for pk, (_unit, total) in expected.items():
        assert stored[pk].total == total
        assert stored[pk].grade == _grade(total)
    # Ranks within the unit holding the person, and within the corps.
    by_unit, by_corps = defaultdict(list), defaultdict(list)
    for pk, (unit, total) in expected.items():
        by_unit[unit.pk].append((pk, total))
        corps = next(c for c in corps_list if unit.path.startswith(c.path))
        by_corps[corps.pk].append((pk, total))
    for groups, field in ((by_unit, "rank_in_parent"), (by_corps, "rank_in_corps")):
        for items in groups.values():
            for pk, rank in _rank(items).items():
                assert getattr(stored[pk], field) == rank, field
    assert len({e.rank_in_corps for e in stored.values()}) < len(stored)  # ties did occur

    # Roll-ups: per detachment of each corps, and per corps of the bureau.
    superuser = make_user(is_superuser=True)
    Evaluation.objects.filter(scheme=scheme).update(status=EvaluationStatus.PUBLISHED)
    for root in [*corps_list, bureau]:
        rows = rollup_per_child(user=superuser, root=root, scheme=scheme, year=2026)
        dist = grade_distribution_per_child(user=superuser, root=root, year=2026, scheme=scheme)
        children = [u for u in Unit.objects.filter(depth=root.depth + 1, path__startswith=root.path)]
        assert [r["unit_id"] for r in rows] == [c.pk for c in sorted(children, key=lambda u: u.path)]
        for row, drow in zip(rows, dist, strict=True):
            child = Unit.objects.get(pk=row["unit_id"])
            totals = [t for u, t in expected.values() if u.path.startswith(child.path)]
            assert row["subjects"] == len(totals)
            mean = (sum(totals) / len(totals)).quantize(Q, rounding=ROUND_HALF_UP) if totals else None
            assert row["mean_total"] == mean
            assert drow["mean_total"] == mean
            assert drow["grades"] == dict(Counter(_grade(t) for t in totals))


def test_grade_distribution_runs_in_a_fixed_number_of_queries(tree):
    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    superuser = make_user(is_superuser=True)

    def add(n):
        for i in range(n):
            unit = [tree.station, tree.station2, tree.tqz, tree.station3][i % 4]
            Evaluation.objects.create(
                scheme=scheme,
                year=2026,
                subject_kind="person",
                person=make_person(unit),
                unit=unit,
                status="published",
                total=Decimal(50 + i % 50),
                grade="称职",
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            grade_distribution_per_child(user=superuser, root=tree.corps, year=2026, scheme=scheme)
            rollup_per_child(user=superuser, root=tree.corps, scheme=scheme, year=2026)
        return len(ctx.captured_queries)

    add(3)
    few = count()
    add(40)
    assert count() == few


def test_grade_distribution_is_scoped_to_the_user(tree):
    from tests.factories.units import user_with_role

    scheme = make_scheme(criteria=[("甲", 1, 100, True)])
    for unit in (tree.station, tree.station3):
        Evaluation.objects.create(
            scheme=scheme,
            year=2026,
            subject_kind="person",
            person=make_person(unit),
            unit=unit,
            status="published",
            total=Decimal(80),
            grade="称职",
        )
    viewer = user_with_role("viewer", tree.det)
    rows = grade_distribution_per_child(user=viewer, root=tree.corps, year=2026, scheme=scheme)
    by_name = {r["unit_name"]: r for r in rows}
    assert by_name["甲市支队"]["grades"] == {"称职": 1}
    assert by_name["乙市支队"]["grades"] == {}
