"""List pages serialised from ``.values()`` of the viewset's own queryset (issue 19, item 3).

A ``ModelSerializer`` spends most of a list page's time per row on model machinery: model
instances, prefetch bookkeeping, and ``get_*_display`` reached through ``inspect.signature``
for every row. A viewset that mixes in ``ValuesListMixin`` serves its *list* action from the
same scoped (``visible_to``), filtered, ordered and paginated queryset, narrowed with
``.values()`` to the columns the page sends; ``list_rows`` turns those dicts into exactly the
dicts the reference serializer (still the viewset's ``serializer_class``, used for every
other action and for the schema) would have produced, key for key and in the same order, so
that the response bytes do not change (``tests/core/test_list_bytes.py`` compares them).
"""

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.response import Response
from rest_framework.settings import api_settings

# Reused, unbound DRF fields: the same formatting (time zone, ISO 8601, "Z" for UTC) as the
# reference serializer's fields, without building a serializer per page.
_DATE = serializers.DateField()
_DATETIME = serializers.DateTimeField()


def date_repr(value):
    return _DATE.to_representation(value) if value else None


def datetime_repr(value):
    """``DateTimeField().to_representation`` for the aware values the database returns (ISO
    8601 in the current time zone, "Z" for UTC) without its per-call format and time-zone
    lookups (a third of a row's cost); anything else goes through the field itself."""
    if not value:
        return None
    if value.tzinfo is None or not settings.USE_TZ or api_settings.DATETIME_FORMAT != ISO_8601:
        return _DATETIME.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class ValuesPage(QuerySet):
    """``.values()`` of a list's queryset that *counts* like the queryset it came from.

    The page reads the joined columns it sends (``unit__name``); a count of the values query
    would keep those joins in its subquery (Django does not drop them with the select list),
    so the count runs on the source queryset, with this one's ordering and limits (what the
    paginator set: no ordering, capped at ``COUNT_CAP + 1``), selecting the primary key
    alone where that counts the same rows: the same number as before."""

    _source = None

    @classmethod
    def of(cls, queryset, fields):
        rows = queryset.values(*fields)
        page = cls(model=rows.model, query=rows.query, using=rows._db, hints=rows._hints)
        page._iterable_class, page._fields, page._source = rows._iterable_class, rows._fields, queryset
        return page

    def _clone(self):
        clone = super()._clone()
        clone._source = self._source
        return clone

    def count(self):
        if self._result_cache is not None or self._source is None:
            return super().count()
        query = self._source.query.chain()
        for name in ("order_by", "extra_order_by", "default_ordering", "low_mark", "high_mark"):
            setattr(query, name, getattr(self.query, name))
        if _counts_rows_only(query):
            # Count primary keys alone: the subquery would otherwise compute every annotation
            # per row (a per-row CASE over the grants) and, under DISTINCT (a filter across a
            # to-many join), read every column of the model, encrypted ones included. Filters
            # on an annotation are written out in the WHERE clause, so they still apply.
            query.set_annotation_mask(())
            query.clear_select_fields()
            query.default_cols = False
            query.add_fields([query.get_meta().pk.name])
        return query.get_count(using=self.db)


def _counts_rows_only(query) -> bool:
    """Whether the count may select the primary key alone: one row per model row (no
    grouping, no aggregate, no DISTINCT ON) and no ordering left, which under DISTINCT
    would have to be selected too."""
    return (
        not query.distinct_fields
        and query.group_by is None
        and not query.order_by
        and not query.extra_order_by
        and not (query.default_ordering and query.get_meta().ordering)
        and not any(a.contains_aggregate for a in query.annotations.values())
    )


class ValuesListMixin:
    #: the columns (and annotations) ``list_rows`` reads
    list_values: tuple[str, ...] = ()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows = ValuesPage.of(queryset.prefetch_related(None), self.list_values)
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(self.list_rows(page))
        return Response(self.list_rows(list(rows)))

    def list_rows(self, rows):  # pragma: no cover - abstract
        """The page's dicts, as the reference serializer renders its rows."""
        raise NotImplementedError
