"""Page-number pagination whose count stops at a cap.

An exact ``COUNT(*)`` over a corps-wide scope costs more than fetching the page itself
(ARCHITECTURE.md: 55–65 ms on 300,000 talk records). The count is exact up to
``COUNT_CAP`` rows; beyond it the response says ``"count_is_exact": false`` and pages stop
at the cap, which is where a user should narrow the filters anyway.
"""

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    @cached_property
    def count(self):
        # No ORDER BY inside the capped subquery: it forced a sort of the whole scope
        # (33 ms instead of 7 ms for a detachment's talk records).
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()
        return rows[: COUNT_CAP + 1].count()

    @property
    def count_is_exact(self) -> bool:
        return self.count <= COUNT_CAP

    @cached_property
    def num_pages(self):
        hits = max(1, min(self.count, COUNT_CAP) - self.orphans)
        return -(-hits // self.per_page)


def with_total_order(queryset):
    """End the ordering with the primary key, so that rows with equal sort keys (two
    nominations created in the same second, a day's zero-reports of one unit path) keep one
    order from page to page: without it PostgreSQL may repeat a row on page 2 and skip another."""
    query = getattr(queryset, "query", None)
    if query is None or query.distinct_fields:
        return queryset
    ordering = list(query.order_by) or (list(queryset.model._meta.ordering) if query.default_ordering else [])
    if not ordering:
        return queryset.order_by("-pk")
    last = ordering[-1]
    if isinstance(last, str) and last.lstrip("-") in {"pk", "id"}:
        return queryset
    descending = isinstance(ordering[0], str) and ordering[0].startswith("-")
    return queryset.order_by(*ordering, "-pk" if descending else "pk")


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        return super().paginate_queryset(with_total_order(queryset), request, view)

    def get_page_size(self, request):
        """A page size that is not a whole number from 1 to ``max_page_size`` is a 400 with
        a message, not silently the default (DRF's behaviour)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"每页条数须为 1 到 {self.max_page_size} 之间的整数。"]}
            )
        return size

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": min(paginator.count, COUNT_CAP),
                "count_is_exact": paginator.count_is_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_exact"] = {"type": "boolean", "example": True}
        schema["required"] = [*schema.get("required", []), "count_is_exact"]
        return schema
