"""How many rows an admin list holds, as the changelist's paginator knows it.

``ScopedModelAdmin`` counts with ``CappedCountPaginator``: exact up to ``COUNT_CAP`` rows,
then "at least". At a corps the zero-reports and compliance verdicts in scope number a
million; an exact ``COUNT(*)`` of them cost more than the rest of the page, and nobody pages
to row 10,001 instead of filtering. Django's pagination, search bar and action bar print
``cl.result_count`` as it is; these templates print this label instead.
"""

from django import template

from apps.core.api import pagination

register = template.Library()


def count_is_exact(cl) -> bool:
    return getattr(getattr(cl, "paginator", None), "count_is_exact", True)


@register.filter
def result_count_label(cl) -> str:
    """``cl.result_count``, or "10000+" where the count stopped at the cap."""
    return str(cl.result_count) if count_is_exact(cl) else f"{pagination.COUNT_CAP}+"
