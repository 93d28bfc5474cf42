"""Totals, grades and ranks of one period of one scheme, computed in SQL (four statements).

* total (0–100) = 100 × Σ_leaf weight × avg / max_score ÷ Σ_leaf weight, where ``avg`` is
  the evaluator-weighted mean of the scores on that leaf criterion
  (Σ evaluator_weight × value ÷ Σ evaluator_weight; every weight is 1 for "mean" schemes).
  A leaf nobody scored counts 0. Only draft evaluations are re-totalled: a published one
  is locked.
* grade = the label of the highest band whose ``min_total`` ≤ total.
* ranks: ``RANK() OVER (PARTITION BY ... ORDER BY total DESC)``, so ties share a rank and
  the next rank skips (1, 1, 3). Ranked rows are the live versions (not superseded, not a
  correction still in draft) with a total. ``rank_in_parent`` partitions by the unit
  containing the subject (a person's / organisation's unit; for a unit, its parent unit);
  ``rank_in_corps`` by the corps above it. Subject kind is fixed by the scheme.
"""

from django.db import connection
from django.utils import timezone

PERIOD_FILTER = "e.scheme_id = %s AND e.year = %s AND e.period_number = %s AND e.period_label = %s"

TOTALS_SQL = f"""
UPDATE evaluations_evaluation AS e SET total = (
    SELECT ROUND(100.0 * SUM(c.weight * pc.avg_value / c.max_score) / NULLIF((
        SELECT SUM(l.weight) FROM evaluations_criterion l
        WHERE l.scheme_id = e.scheme_id
          AND NOT EXISTS (SELECT 1 FROM evaluations_criterion k WHERE k.parent_id = l.id)
    ), 0), 2)
    FROM (
        SELECT s.criterion_id, SUM(s.evaluator_weight * s.value) * 1.0 / SUM(s.evaluator_weight) AS avg_value
        FROM evaluations_score s WHERE s.evaluation_id = e.id GROUP BY s.criterion_id
    ) pc
    JOIN evaluations_criterion c ON c.id = pc.criterion_id
    WHERE NOT EXISTS (SELECT 1 FROM evaluations_criterion k WHERE k.parent_id = c.id)
), computed_at = %s
WHERE {PERIOD_FILTER} AND e.status = 'draft'
"""

GRADES_SQL = f"""
UPDATE evaluations_evaluation AS e SET grade = COALESCE((
    SELECT b.label FROM evaluations_gradeband b
    WHERE b.scheme_id = e.scheme_id AND b.min_total <= e.total
    ORDER BY b.min_total DESC LIMIT 1
), '')
WHERE {PERIOD_FILTER} AND e.status = 'draft'
"""

RANKED = "e.total IS NOT NULL AND e.status <> 'superseded' AND NOT (e.status = 'draft' AND e.supersedes_id IS NOT NULL)"

RANKS_SQL = f"""
UPDATE evaluations_evaluation AS t SET rank_in_parent = r.rank_in_parent, rank_in_corps = r.rank_in_corps
FROM (
    SELECT e.id,
        RANK() OVER (
            PARTITION BY CASE WHEN e.subject_kind = 'unit'
                THEN SUBSTR(u.path, 1, LENGTH(u.path) - 4) ELSE u.path END
            ORDER BY e.total DESC
        ) AS rank_in_parent,
        RANK() OVER (
            PARTITION BY (
                SELECT c.id FROM units_unit c
                WHERE c.kind = 'corps' AND SUBSTR(u.path, 1, LENGTH(c.path)) = c.path
                ORDER BY LENGTH(c.path) DESC LIMIT 1
            )
            ORDER BY e.total DESC
        ) AS rank_in_corps
    FROM evaluations_evaluation e JOIN units_unit u ON u.id = e.unit_id
    WHERE {PERIOD_FILTER} AND {RANKED}
) r
WHERE t.id = r.id
"""

CLEAR_RANKS_SQL = f"""
UPDATE evaluations_evaluation AS e SET rank_in_parent = NULL, rank_in_corps = NULL
WHERE {PERIOD_FILTER} AND NOT ({RANKED})
"""


def period_key(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> tuple:
    return (int(scheme_id), int(year), int(period_number), period_label or "")


def recompute_period(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> None:
    """Re-total, re-grade and re-rank one period of one scheme. Idempotent."""
    params = list(period_key(scheme_id, year, period_number, period_label))
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL, [timezone.now(), *params])
        cursor.execute(GRADES_SQL, params)
        cursor.execute(CLEAR_RANKS_SQL, params)
        cursor.execute(RANKS_SQL, params)


def recompute_evaluation_period(evaluation) -> None:
    recompute_period(evaluation.scheme_id, evaluation.year, evaluation.period_number, evaluation.period_label)
