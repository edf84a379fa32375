"""A Word document rebuilt from the extracted text (for PDF, TXT, HTML and scanned input): a short
summary page, then every clause in order (chapters and articles as headings, the rest indented by
depth), with one comment per finding anchored on its clause, as for DOCX input."""
from __future__ import annotations

import io

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from contract_review.model import Report
from contract_review.render.docx_comments import add_finding_comment
from contract_review.render.labels import (
    DISCLAIMER, KIND_VI, SEVERITY_ORDER, SEVERITY_VI, STATUS_VI, VERDICT_VI, checklist_order, clause_depths,
    registration_line, xml_safe,
)

FONT = "Times New Roman"
_HEADING_LEVELS = {"appendix": 1, "chapter": 1, "section": 2, "article": 2}


def _base_style(document) -> None:
    st = document.styles["Normal"]
    st.font.name = FONT
    st.font.size = Pt(13)
    rpr = st.element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)  # Vietnamese text keeps the face in every script slot
    fonts.set(qn("w:cs"), FONT)
    for name in ("Heading 1", "Heading 2"):
        h = document.styles[name]
        h.font.name = FONT
        h.font.color.rgb = RGBColor(0, 0, 0)
        fonts = h.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)  # a theme font would override the face set above
    document.styles["Heading 1"].font.size = Pt(14)
    document.styles["Heading 2"].font.size = Pt(13)
    sec = document.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.left_margin, sec.right_margin = Mm(25), Mm(20)
    sec.top_margin, sec.bottom_margin = Mm(20), Mm(20)


def _summary(document, report: Report) -> None:
    d, s = report.document, report.summary
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    t = title.add_run(xml_safe(d.name))
    t.bold = True
    t.font.size = Pt(15)
    p = document.add_paragraph()
    p.add_run("Văn bản tái tạo từ nội dung trích xuất của tệp " + d.kind.upper()
              + " để ghi nhận xét; định dạng gốc không được giữ lại. ").italic = True
    p.add_run(DISCLAIMER).italic = True
    rows = [
        ("Loại văn bản", KIND_VI.get(d.contract_kind, d.contract_kind)),
        ("Mã SHA-256 của tệp gốc", d.sha256),
        ("Kết luận", f"{VERDICT_VI[s.verdict]} — {s.verdict_text}"),
        ("Số phát hiện", f"{s.findings}" + (" (" + ", ".join(
            f"{SEVERITY_VI[k]}: {s.by_severity[k]}" for k in SEVERITY_ORDER if s.by_severity.get(k)) + ")"
            if s.by_severity else "")),
        ("Đăng ký", registration_line(report)[1]),
    ]
    for fc in checklist_order(report):
        rows.append((f"{fc.code} {fc.name}", f"{STATUS_VI[fc.status]}: {fc.message} ({fc.provision.citation})"))
    for n in report.notices:
        rows.append(("Lưu ý", n.message))
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Mm(50), Mm(115))
    for col, w in zip(table.columns, widths):
        col.width = w
    for k, v in rows:
        cells = table.add_row().cells
        cells[0].text = xml_safe(k)
        cells[1].text = xml_safe(v)
        cells[0].paragraphs[0].runs[0].bold = True
        cells[0].width, cells[1].width = widths
    document.add_page_break()


def rebuild_docx(report: Report) -> bytes:
    document = docx.Document()
    _base_style(document)
    document.core_properties.title = xml_safe(report.document.name)[:250]
    document.core_properties.author = "contract-review"
    _summary(document, report)
    depths = clause_depths(report.clauses)
    findings_by_clause: dict[str, list] = {}
    for f in report.findings:
        findings_by_clause.setdefault(f.clause_id, []).append(f)
    for c in report.clauses:
        lines = [ln for ln in xml_safe(c.text).split("\n") if ln.strip()] or [c.text]
        first_runs = None
        for k, line in enumerate(lines):
            if k == 0 and c.level in _HEADING_LEVELS:
                p = document.add_heading(level=_HEADING_LEVELS[c.level])
            else:
                p = document.add_paragraph()
                p.paragraph_format.left_indent = Mm(6 * min(depths.get(c.id, 0), 5))
                p.paragraph_format.space_after = Pt(3)
                p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            run = p.add_run(line)
            if k == 0:
                first_runs = [run]
        for f in findings_by_clause.get(c.id, []):
            add_finding_comment(document, first_runs, f)
    known = {c.id for c in report.clauses}
    orphans = [f for f in report.findings if f.clause_id not in known]
    if orphans:  # findings always name a clause of the report; keep them visible if one does not
        for f in orphans:
            p = document.add_paragraph()
            add_finding_comment(document, [p.add_run(xml_safe(f.text))], f)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()
