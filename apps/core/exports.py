"""Excel (.xlsx) in and out, through openpyxl."""

import datetime
from collections.abc import Iterable, Sequence
from io import BytesIO
from urllib.parse import quote

from django.db import models
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, datetime.date)):
        return value
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def xlsx_bytes(*, headers: Sequence[str], rows: Iterable[Sequence], sheet_title: str = "Sheet1") -> bytes:
    """A one-sheet workbook with a bold header row; rows are streamed through write-only mode."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(*, filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(headers=headers, rows=rows), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
