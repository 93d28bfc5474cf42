"""Totals, grades and ranks of one period of one scheme, computed in SQL (three statements on PostgreSQL, four elsewhere).

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
  AND (e.rank_in_parent IS NOT NULL OR e.rank_in_corps IS NOT NULL)
"""


# PostgreSQL: the same figures, set-based. Totals are one grouped pass over the period's
# scores (not a correlated sub-query per evaluation), written together with the grade in
# one UPDATE; the corps of each distinct unit is looked up once (not once per evaluation);
# a rank is only written where it changes.
PG_TOTALS_GRADES_SQL = f"""
WITH leaf AS (
    SELECT c.id, c.scheme_id, c.weight, c.max_score FROM evaluations_criterion c
    WHERE NOT EXISTS (SELECT 1 FROM evaluations_criterion k WHERE k.parent_id = c.id)
),
pe AS (
    SELECT e.id, e.scheme_id FROM evaluations_evaluation e
    WHERE {PERIOD_FILTER} AND e.status = 'draft'
),
pc AS (
    SELECT s.evaluation_id, s.criterion_id,
        SUM(s.evaluator_weight * s.value) * 1.0 / SUM(s.evaluator_weight) AS avg_value
    FROM evaluations_score s JOIN pe ON pe.id = s.evaluation_id
    GROUP BY s.evaluation_id, s.criterion_id
),
weighted AS (
    SELECT pc.evaluation_id, SUM(c.weight * pc.avg_value / c.max_score) AS weighted_sum
    FROM pc JOIN leaf c ON c.id = pc.criterion_id
    GROUP BY pc.evaluation_id
),
leaf_weight AS (SELECT scheme_id, SUM(weight) AS weight FROM leaf GROUP BY scheme_id),
totals AS (
    SELECT pe.id, pe.scheme_id, ROUND(100.0 * w.weighted_sum / NULLIF(lw.weight, 0), 2) AS total
    FROM pe
    LEFT JOIN weighted w ON w.evaluation_id = pe.id
    LEFT JOIN leaf_weight lw ON lw.scheme_id = pe.scheme_id
),
band AS (
    SELECT b.scheme_id, b.label, b.min_total,
        LEAD(b.min_total) OVER (PARTITION BY b.scheme_id ORDER BY b.min_total, b.id) AS next_min
    FROM evaluations_gradeband b
),
x AS (
    SELECT totals.id, totals.total, COALESCE(band.label, '') AS grade
    FROM totals LEFT JOIN band ON band.scheme_id = totals.scheme_id
        AND band.min_total <= totals.total
        AND (band.next_min IS NULL OR totals.total < band.next_min)
)
UPDATE evaluations_evaluation AS t SET total = x.total, grade = x.grade, computed_at = %s
FROM x
WHERE t.id = x.id
"""

PG_RANKS_SQL = f"""
WITH ranked AS (
    SELECT e.id, e.total, e.subject_kind, e.unit_id, u.path
    FROM evaluations_evaluation e JOIN units_unit u ON u.id = e.unit_id
    WHERE {PERIOD_FILTER} AND {RANKED}
),
unit_corps AS (
    SELECT DISTINCT ON (p.unit_id) p.unit_id, c.id AS corps_id
    FROM (SELECT DISTINCT unit_id, path FROM ranked) p
    LEFT JOIN units_unit c ON c.kind = 'corps' AND SUBSTR(p.path, 1, LENGTH(c.path)) = c.path
    ORDER BY p.unit_id, LENGTH(c.path) DESC
),
r AS (
    SELECT ranked.id,
        RANK() OVER (
            PARTITION BY CASE WHEN ranked.subject_kind = 'unit'
                THEN SUBSTR(ranked.path, 1, LENGTH(ranked.path) - 4) ELSE ranked.path END
            ORDER BY ranked.total DESC
        ) AS rank_in_parent,
        RANK() OVER (PARTITION BY uc.corps_id ORDER BY ranked.total DESC) AS rank_in_corps
    FROM ranked JOIN unit_corps uc ON uc.unit_id = ranked.unit_id
)
UPDATE evaluations_evaluation AS t SET rank_in_parent = r.rank_in_parent, rank_in_corps = r.rank_in_corps
FROM r
WHERE t.id = r.id
  AND (t.rank_in_parent IS DISTINCT FROM r.rank_in_parent OR t.rank_in_corps IS DISTINCT FROM r.rank_in_corps)
"""


def period_key(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> tuple:
    return (int(scheme_id), int(year), int(period_number), period_label or "")


def recompute_period(scheme_id: int, year: int, period_number: int = 0, period_label: str = "") -> None:
    """Re-total, re-grade and re-rank one period of one scheme. Idempotent."""
    params = list(period_key(scheme_id, year, period_number, period_label))
    now = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_TOTALS_GRADES_SQL, [*params, now])
            cursor.execute(CLEAR_RANKS_SQL, params)
            cursor.execute(PG_RANKS_SQL, params)
            return
        # Portable path (SQLite): correlated statements, same figures.
        cursor.execute(TOTALS_SQL, [now, *params])
        cursor.execute(GRADES_SQL, params)
        cursor.execute(CLEAR_RANKS_SQL, params)
        cursor.execute(RANKS_SQL, params)


def recompute_evaluation_period(evaluation) -> None:
    recompute_period(evaluation.scheme_id, evaluation.year, evaluation.period_number, evaluation.period_label)
