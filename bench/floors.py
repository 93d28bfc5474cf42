"""The floors the real list endpoints are measured against (issue 19), mounted only in the
bench's URLconf (``bench.urls``), never in the product's.

* plain DRF: a ``ListAPIView`` over the same rows, serializer, ordering and page size, the
  unit restriction written as a bare path prefix (no scoping layer, no permission backend);
* hand SQL: one statement and ``json.dumps`` (``bench.lists.RAW``).
"""

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


def floor_urlpatterns(urls):
    return [path(f"bench-floor{url}", plain_list_view(url)) for url in urls]
