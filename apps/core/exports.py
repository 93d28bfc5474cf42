"""Excel (.xlsx) in and out, through openpyxl.

Every text cell written here is *neutralised*: a value that starts with a character a
spreadsheet reads as the start of a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return) gets a leading apostrophe and is stored as a string, so ``=HYPERLINK(...)`` typed
into a name never becomes a live formula in the file somebody opens (CSV/formula
injection). Numbers and dates are written as they are. Readers that import such files
back (``apps.people.imports``) remove the apostrophe again with ``unneutralise``.
"""

import datetime
from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISER = "'"


def neutralise(value: str) -> str:
    """A text value safe to put in a spreadsheet cell: formula-leading text gets a ``'``."""
    if value and value.startswith(FORMULA_LEADS):
        return NEUTRALISER + value
    return value


def unneutralise(value: str) -> str:
    """The original text of a cell written by ``neutralise`` (other text is unchanged)."""
    if value and value.startswith(NEUTRALISER) and value[1:2] and value[1:].startswith(FORMULA_LEADS):
        return value[1:]
    return value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, datetime.date)):
        return value
    return neutralise(str(value))


def text_cell(sheet, value):
    """A write-only cell holding ``value`` neutralised and typed as a string (never a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def xlsx_bytes(*, headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1") -> bytes:
    """A one-sheet workbook with a bold header row; rows are streamed through write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    header_cells = []
    for title in headers:
        cell = text_cell(sheet, str(title))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([text_cell(sheet, v) if _is_text(v) else _cell(v) for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _is_text(value) -> bool:
    return value is not None and not isinstance(value, (bool, int, float, datetime.date))


def xlsx_response(*, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    return workbook_response(filename=filename, content=xlsx_bytes(headers=headers, rows=rows))


def workbook_response(*, filename: str, content: bytes) -> HttpResponse:
    """An .xlsx download of ``content`` (already-built workbook bytes)."""
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
