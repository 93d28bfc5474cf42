"""Row writers: PostgreSQL COPY FROM STDIN (psycopg 3), or ``bulk_create`` elsewhere (SQLite).

Callers hand over tuples in the order of ``fields`` (attribute names: ``unit_id``, not
``unit``). Every other concrete column gets its model default, ``None`` when nullable, or
the generation instant for ``auto_now``/``auto_now_add`` fields, so COPY writes whole rows.
Given values of ``auto_now``/``auto_now_add`` fields are kept on both paths.
Ids the caller needs later are reserved up front (``reserve_ids``) and written explicitly.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection

BATCH = 5000


class Writer:
    def __init__(self, now):
        self.now = now
        self.use_copy = connection.vendor == "postgresql"

    def reserve_ids(self, model, n: int) -> list[int]:
        """``n`` fresh primary keys for ``model``, increasing (taken from its sequence on PostgreSQL)."""
        if n <= 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.use_copy:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n]
                )
                return sorted(r[0] for r in cursor.fetchall())
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))

    def insert(self, model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
        """Write ``rows`` (tuples matching ``fields``); returns how many were written."""
        if self.use_copy:
            return self._copy(model, fields, rows)
        written, rows = 0, iter(rows)
        with _explicit_timestamps(model, fields):
            while batch := list(islice(rows, BATCH)):
                model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in batch])
                written += len(batch)
        return written

    def _tail(self, model, fields):
        """The columns the caller did not give, with the value each row gets."""
        given = {model._meta.get_field(f).name for f in fields}
        columns, values = [], []
        for field in model._meta.concrete_fields:
            if field.name in given or field.primary_key:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = self.now
            elif field.has_default() or field.null or field.empty_strings_allowed:
                value = field.get_db_prep_save(field.get_default(), connection)  # None, "" or the default
            else:
                raise ValueError(f"{model.__name__}.{field.name} has no default: give it a value")
            columns.append(field.column)
            values.append(value)
        return columns, tuple(values)

    def _copy(self, model, fields, rows) -> int:
        qn = connection.ops.quote_name
        tail_columns, tail = self._tail(model, fields)
        columns = [model._meta.get_field(f).column for f in fields] + tail_columns
        sql = f"COPY {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN"
        written = 0
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            write = copy.write_row
            if tail:
                for row in rows:
                    write(row + tail)
                    written += 1
            else:
                for row in rows:
                    write(row)
                    written += 1
        return written


@contextmanager
def _explicit_timestamps(model, fields):
    """``bulk_create`` would overwrite the given ``auto_now(_add)`` values with the current time."""
    given = {model._meta.get_field(f).name for f in fields}
    switched = [
        (f, f.auto_now, f.auto_now_add)
        for f in model._meta.concrete_fields
        if f.name in given and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    for field, _, _ in switched:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in switched:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
