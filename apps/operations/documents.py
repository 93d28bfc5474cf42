"""The .docx papers of an operation, in the house style of ``apps.commendations.documents``:
the quick commendation's circular 通报 and the after-action summary 总结材料."""

from io import BytesIO

from docx import Document
from docx.shared import Pt


def _document() -> Document:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(14)
    return doc


def _bytes(doc) -> bytes:
    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def commendation_docx(commendation) -> bytes:
    """通报表扬 circular: title, number, the deciding committee, the preamble and the names."""
    op = commendation.operation
    doc = _document()
    doc.add_heading(commendation.title, level=1)
    doc.add_paragraph(commendation.number)
    issuer = op.committee.name if op.committee_id else f"{op.unit.name}党委"
    entries = list(commendation.entries.select_related("person", "unit").order_by("unit__path", "id"))
    doc.add_paragraph(
        commendation.preamble
        or f"在{op.name}中，广大指战员闻令而动、冲锋在前。经{issuer}研究，决定对以下 {len(entries)} 名同志予以通报表扬："
    )
    table = doc.add_table(rows=1, cols=4)
    for cell, title in zip(table.rows[0].cells, ["序号", "姓名", "单位", "主要事迹"], strict=True):
        cell.text = title
    for i, entry in enumerate(entries, start=1):
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text, row[3].text = (
            str(i),
            entry.person.name,
            entry.unit.name,
            entry.deeds,
        )
    if commendation.notice_days:
        doc.add_paragraph(
            f"公示期 {commendation.notice_days} 天（至{_date(commendation.published_on)}），期间如有异议请向{issuer}反映。"
        )
    doc.add_paragraph("希望受到表扬的同志珍惜荣誉、再接再厉，全体指战员以先进为榜样，坚决打赢这场硬仗。")
    doc.add_paragraph(f"{issuer}　{_date(commendation.decided_on)}")
    return _bytes(doc)


def summary_docx(operation, figures: dict, *, assessments=(), exemplary=()) -> bytes:
    """总结材料: the operation, its figures per unit and in total, the committee's 研判 and
    the exemplary people, as the seed reports sum up."""
    op = operation
    doc = _document()
    doc.add_heading(f"{op.name}战时党建工作总结", level=1)
    end = _date(op.closed_on) if op.closed_on else "今"
    doc.add_paragraph(
        f"{op.unit.name}（{op.get_kind_display()}），{_date(op.start_date)}至{end}。启动原因：{op.reason}"
    )
    t = figures["total"]
    doc.add_heading("主要数据", level=2)
    doc.add_paragraph(
        f"成立临时党组织 {t['temporary_organisations']} 个，组建党员队伍 {t['teams']} 支（队员 {t['team_members']} 人次）；"
        f"{t['pledges']} 人次递交请战书、倡议书或向党旗宣誓，其中 {t['volunteers']} 人主动请缨；"
        f"一线人员 {t['frontline']} 名，“五个一”全覆盖 {t['care_complete']} 名；"
        f"战时日报应报 {t['reports_expected']} 份、已报 {t['reports_filed']} 份、缺报 {t['reports_missing']} 份；"
        f"累计发现困难 {t['difficulties_raised']} 个、解决 {t['difficulties_solved']} 个，收集金点子 {t['suggestions']} 条；"
        f"督导检查 {t['visits']} 次，战时考察记录 {t['observations']} 条，通报表扬 {t['commended']} 人。"
    )
    doc.add_heading("分单位情况", level=2)
    columns = [
        ("unit_name", "单位"),
        ("temporary_organisations", "临时党组织"),
        ("teams", "队伍"),
        ("pledges", "请战"),
        ("frontline", "一线人员"),
        ("care_complete", "五个一"),
        ("reports_filed", "已报"),
        ("reports_missing", "缺报"),
        ("difficulties_solved", "解决困难"),
        ("suggestions", "金点子"),
        ("commended", "表扬"),
    ]
    table = doc.add_table(rows=1, cols=len(columns))
    for cell, (_key, title) in zip(table.rows[0].cells, columns, strict=True):
        cell.text = title
    for row in [*figures["rows"], {**t, "unit_name": "合计"}]:
        cells = table.add_row().cells
        for cell, (key, _title) in zip(cells, columns, strict=True):
            cell.text = str(row[key])
    assessments = list(assessments)
    if assessments:
        doc.add_heading("每日研判摘要", level=2)
        for a in assessments:
            doc.add_paragraph(f"{_date(a.date)}：{a.note}")
    exemplary = list(exemplary)
    if exemplary:
        doc.add_heading("先进典型", level=2)
        for entry in exemplary:
            doc.add_paragraph(f"{entry.person.name}（{entry.unit.name}）：{entry.deeds}")
    if op.closing_note:
        doc.add_heading("结束说明", level=2)
        doc.add_paragraph(op.closing_note)
    return _bytes(doc)
