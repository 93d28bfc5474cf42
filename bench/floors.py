"""The floors the real list endpoints are measured against (issue 19), mounted only in the
bench's URLconf (``bench.urls``), never in the product's.

* plain DRF: a ``ListAPIView`` over the same rows, serializer, ordering and page size, the
  unit restriction written as a bare path prefix (no scoping layer, no permission backend);
* hand SQL: a plain Django view (the issue's "hand-written view") running one statement
  (``bench.lists.RAW``) and answering ``json.dumps`` of the rows, through the same request
  stack (middleware) as the real endpoint; the bare statement is also timed on its own.
"""

import json

from django.db import connection
from django.http import HttpResponse
from django.urls import path, resolve
from rest_framework.generics import ListAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated

from apps.core.api.pagination import with_total_order


class FiftyPerPage(PageNumberPagination):
    page_size = 50


def plain_list_view(url: str):
    """A plain ``ListAPIView`` doing what ``url``'s viewset does, minus the scoping layer."""
    viewset = resolve(url, urlconf="orgportal.urls").func.cls
    model = viewset.queryset.model
    unit_path = f"{model.scope_field}__path__startswith" if model.scope_field else "path__startswith"

    class PlainList(ListAPIView):
        permission_classes = [IsAuthenticated]
        pagination_class = FiftyPerPage
        serializer_class = viewset.serializer_class
        filter_backends = []

        def get_queryset(self):
            queryset = viewset.queryset.all()
            prefix = self.request.query_params.get("prefix", "")
            if prefix:
                queryset = queryset.filter(**{unit_path: prefix})
            ordering = getattr(viewset, "ordering", None)
            if ordering:
                queryset = queryset.order_by(*([ordering] if isinstance(ordering, str) else ordering))
            return with_total_order(queryset)

    PlainList.__name__ = f"Plain{viewset.__name__}"
    return PlainList.as_view()


def hand_sql_view(url: str, raw_sql):
    """One statement, ``json.dumps``, an ``HttpResponse``: no ORM, no serializer, no DRF.
    ``raw_sql(url, prefix)`` gives the statement for a unit path prefix ("" = everything)."""

    def view(request):
        prefix = request.GET.get("prefix", "")
        with connection.cursor() as cursor:
            cursor.execute(raw_sql(url, prefix), {"prefix": prefix + "%"})
            body = json.dumps(cursor.fetchall(), default=str)
        return HttpResponse(body, content_type="application/json")

    return view


def floor_urlpatterns(urls, raw_sql):
    return [path(f"bench-floor{url}", plain_list_view(url)) for url in urls] + [
        path(f"bench-sql{url}", hand_sql_view(url, raw_sql)) for url in urls
    ]
