"""Page-number pagination that counts only when it must (issue 19, item 2).

A page is read with one row more than it shows: that row says whether there is a next
page, and when the list ends on the page the count is known without asking the database
(``offset + rows``, exact). A list that goes on past the page is counted only when the
client asks (``?count=exact``, or ``page=last``): an exact ``COUNT(*)`` over a corps-wide
scope costs more than the page itself, and most clients only follow ``next``. Without it
``count`` is a lower bound ("at least this many": the rows up to the end of this page and
one more) and ``"count_is_exact": false``.

A requested count is exact up to ``COUNT_CAP`` rows; beyond it the response says
``"count_is_exact": false`` too, and pages stop at the cap, which is where a user should
narrow the filters anyway.
"""

from functools import cached_property

from django.core.paginator import Paginator
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_CAP = 10_000
#: ``?count=exact`` asks for the (capped) exact count of a list longer than the page
COUNT_QUERY_PARAM = "count"
COUNT_EXACT = "exact"


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


class UncountedPage:
    """One page read with one row more than it shows, and no ``COUNT``."""

    def __init__(self, number: int, size: int, rows: list, more: bool):
        self.number, self.size, self.rows, self.more = number, size, rows, more

    @property
    def has_next(self) -> bool:
        return self.more and self.number * self.size < COUNT_CAP

    @classmethod
    def read(cls, queryset, number: int, size: int) -> "UncountedPage":
        offset = (number - 1) * size
        if offset >= COUNT_CAP:  # pages stop at the cap, as a counted list's do
            return cls(number, size, [], False)
        rows = list(queryset[offset : offset + size + 1])
        return cls(number, size, rows[:size], more=len(rows) > size)

    @property
    def count_is_exact(self) -> bool:
        return not self.more

    @property
    def count(self) -> int:
        """Exact when the list ends on this page; otherwise the rows up to the end of this
        page and the one read beyond it."""
        offset = (self.number - 1) * self.size
        return offset + len(self.rows) + (1 if self.more else 0)


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        queryset = with_total_order(queryset)
        self.uncounted = None
        if (
            self._count_asked(request)
            or request.query_params.get(self.page_query_param) in self.last_page_strings
        ):
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.uncounted = page = UncountedPage.read(
            queryset, self._page_number(request), self.get_page_size(request)
        )
        if page.number > 1 and not page.rows:
            raise NotFound(self.invalid_page_message)
        return page.rows

    def _count_asked(self, request) -> bool:
        value = request.query_params.get(COUNT_QUERY_PARAM)
        if value is not None and value != COUNT_EXACT:
            raise ValidationError({COUNT_QUERY_PARAM: [f"只能为“{COUNT_EXACT}”（返回精确总数）。"]})
        return value == COUNT_EXACT

    def _page_number(self, request) -> int:
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if number < 1:
            raise NotFound(self.invalid_page_message)
        return number

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
        if self.uncounted is not None:
            count, exact = self.uncounted.count, self.uncounted.count_is_exact
        else:
            count, exact = min(self.page.paginator.count, COUNT_CAP), self.page.paginator.count_is_exact
        return Response(
            {
                "count": count,
                "count_is_exact": exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if self.uncounted is None:
            return super().get_next_link()
        if not self.uncounted.has_next:
            return None
        return replace_query_param(
            self.request.build_absolute_uri(), self.page_query_param, self.uncounted.number + 1
        )

    def get_previous_link(self):
        if self.uncounted is None:
            return super().get_previous_link()
        number = self.uncounted.number - 1
        if number < 1:
            return None
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": COUNT_QUERY_PARAM,
                "required": False,
                "in": "query",
                "description": "填 exact 时返回精确总数（至多 10000）；不填时，列表未在本页结束则 count 为下限，"
                "count_is_exact 为 false。",
                "schema": {"type": "string", "enum": [COUNT_EXACT]},
            },
        ]

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_exact"] = {"type": "boolean", "example": True}
        schema["required"] = [*schema.get("required", []), "count_is_exact"]
        return schema
