"""The numbered circular 通报 of a batch of awards, as a .docx (python-docx); evidence files
served to the readers the views have already checked."""

import mimetypes
import os
from io import BytesIO

from django.http import FileResponse, Http404
from docx import Document
from docx.shared import Pt


def award_order_docx(order) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(14)
    doc.add_heading(order.title, level=1)
    doc.add_paragraph(order.number)
    doc.add_paragraph(f"{order.unit.name}　{order.issued_on:%Y年%m月%d日}")
    nominations = list(
        order.nominations.select_related(
            "award_kind", "unit", "subject_person", "subject_unit", "subject_organisation"
        )
    )
    doc.add_paragraph(f"经研究决定，对以下 {len(nominations)} 名（个）先进个人和集体予以表彰：")
    table = doc.add_table(rows=1, cols=4)
    for cell, title in zip(table.rows[0].cells, ["序号", "奖项", "表彰对象", "推荐单位"], strict=True):
        cell.text = title
    for i, n in enumerate(nominations, start=1):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = (
            str(i),
            n.award_kind.name,
            n.subject_name,
            n.unit.name,
        )
    doc.add_paragraph("希望受表彰的先进个人和集体珍惜荣誉、再接再厉。")
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def attachment_response(attachment) -> FileResponse:
    """Send an evidence file as a download. Uploads are never served from ``MEDIA_URL``:
    only the API and admin views that found ``attachment`` through ``visible_to`` call this."""
    name = attachment.original_name or os.path.basename(attachment.file.name)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在。") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
