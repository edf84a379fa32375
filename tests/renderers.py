"""Render the sample contracts (corpus/documents/*.txt) into TXT, DOCX and PDF for the reader tests.

DOCX: clause numbers ("Điều 5.", "5.1.", "1.", "a)") become real Word list numbering in numbering.xml
whenever Word would display exactly the typed label (so DOCX text == TXT text); otherwise the label
stays typed. Font sizes are mixed (title 14 pt, headings 13 pt, body 12–13 pt).
PDF: reportlab with DejaVu Serif, running header and "Trang N/M" footer, ruled tables, and the page
of every paragraph recorded so tests can check page numbers.
"""
from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "corpus" / "documents"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"
FONT_SYMBOLS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # has ☐, missing from the serif face

_ARTICLE = re.compile(r"^((?:Điều|ĐIỀU)\s+)(\d+)(\s*[.:\-]\s*)(.*)$")
_DECIMAL = re.compile(r"^((?:[1-9]\d{0,2})(?:\.[1-9]\d{0,2}){0,3})([.)])\s+(.*)$")
_LETTER = re.compile(r"^([a-zđ])\)\s+(.*)$")
_APPENDIX = re.compile(r"^(PHỤ LỤC|Phụ lục)\b", re.I)


@dataclass
class Para:
    text: str  # as in the TXT rendering
    kind: str = "p"  # p | table | heading
    cells: list[str] = field(default_factory=list)


def sample_names() -> list[str]:
    return sorted(p.stem for p in DOCS.glob("*.txt"))


def source_lines(name: str) -> list[Para]:
    out = []
    for raw in (DOCS / f"{name}.txt").read_text("utf-8").splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.startswith("## "):
            out.append(Para(line[3:].strip(), "heading"))
        elif line.lstrip().startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            out.append(Para(" | ".join(cells), "table", cells))
        else:
            out.append(Para(line.strip()))
    return out


def render_txt(name: str) -> bytes:
    lines = []
    for p in source_lines(name):
        lines.append("| " + " | ".join(p.cells) + " |" if p.kind == "table" else p.text)
    return ("\n".join(lines) + "\n").encode("utf-8")


# ----------------------------------------------------------------------------- DOCX


def _numbering_plan(paras: list[Para]):
    """Decide, per paragraph, (level, label-format) when Word numbering reproduces the typed label.

    Levels: 0 = article ("Điều %1." / "%1."), 1 = khoản ("%2." or "%1.%2."), 2 = điểm ("%3)").
    One Word list per scope (main body, each appendix): the plan returns (scope, level, body text).
    """
    plan: list[tuple[int, int, str] | None] = []
    scope = 0
    counters = [0, 0, 0]
    art_fmt: str | None = None
    has_articles = any(_ARTICLE.match(p.text) for p in paras)
    formats: dict[int, dict[int, str]] = {0: {}}
    for p in paras:
        t = p.text
        if p.kind != "p":
            plan.append(None)
            continue
        if _APPENDIX.match(t):
            scope += 1
            counters = [0, 0, 0]
            formats[scope] = {}
            plan.append(None)
            continue
        fm = formats[scope]
        m = _ARTICLE.match(t)
        if m:
            fmt = f"{m.group(1)}%1{m.group(3).rstrip()}"
            n = int(m.group(2))
            if fm.setdefault(0, fmt) == fmt and n == counters[0] + 1:
                counters = [n, 0, 0]
                plan.append((scope, 0, m.group(4)))
            else:
                counters = [n, 0, 0]
                plan.append(None)
            continue
        m = _DECIMAL.match(t)
        if m:
            parts = [int(x) for x in m.group(1).split(".")]
            if has_articles and counters[0] and len(parts) == 1 and m.group(2) == ".":
                lvl, fmt = 1, "%2."
                ok = parts[0] == counters[1] + 1
            elif has_articles and counters[0] and len(parts) == 2 and m.group(2) == "." and parts[0] == counters[0]:
                lvl, fmt = 1, "%1.%2."
                ok = parts[1] == counters[1] + 1
            elif not has_articles and len(parts) == 1 and m.group(2) == ".":
                lvl, fmt = 0, "%1."
                ok = parts[0] == counters[0] + 1
            elif not has_articles and len(parts) == 2 and m.group(2) == "." and parts[0] == counters[0]:
                lvl, fmt = 1, "%1.%2."
                ok = parts[1] == counters[1] + 1
            else:
                lvl, fmt, ok = -1, "", False
            if ok and fm.setdefault(lvl, fmt) == fmt:
                counters[lvl] = parts[-1]
                for k in range(lvl + 1, 3):
                    counters[k] = 0
                plan.append((scope, lvl, m.group(3)))
            else:
                if lvl >= 0:
                    counters[lvl] = parts[-1]
                    for k in range(lvl + 1, 3):
                        counters[k] = 0
                plan.append(None)
            continue
        m = _LETTER.match(t)
        if m:
            letter = m.group(1)
            expected = "abcdefghijklmnopqrstuvwxyz"[counters[2]] if counters[2] < 26 else None
            if letter == expected and letter in "abcd" and fm.setdefault(2, "%3)") == "%3)":
                counters[2] += 1
                plan.append((scope, 2, m.group(2)))
            else:
                counters[2] = 99  # the list left a..d: keep the rest typed
                plan.append(None)
            continue
        plan.append(None)
    return plan, formats


def render_docx(name: str, small_article: int | None = None, body_size: float = 12.5,
                colors: dict[int, str] | None = None) -> bytes:
    """DOCX of a sample. `small_article`: set that article's paragraphs in 10 pt (font-size tests);
    `colors`: paragraph index -> RRGGBB text colour (contrast tests)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    paras = source_lines(name)
    plan, formats = _numbering_plan(paras)
    d = docx.Document()
    normal = d.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(body_size)
    numbering = d.part.numbering_part.element
    # one abstract list per scope, levels from the formats seen in that scope
    num_ids: dict[int, int] = {}
    for scope, fm in formats.items():
        aid = 900 + scope
        absn = OxmlElement("w:abstractNum")
        absn.set(qn("w:abstractNumId"), str(aid))
        for lvl in range(3):
            lv = OxmlElement("w:lvl")
            lv.set(qn("w:ilvl"), str(lvl))
            for tag, val in (("w:start", "1"), ("w:numFmt", "lowerLetter" if lvl == 2 else "decimal"),
                             ("w:lvlText", fm.get(lvl, "%" + str(lvl + 1) + ".")), ("w:suff", "space")):
                el = OxmlElement(tag)
                el.set(qn("w:val"), val)
                lv.append(el)
            absn.append(lv)
        numbering.insert(0, absn) if False else numbering.append(absn)
        num = OxmlElement("w:num")
        num.set(qn("w:numId"), str(500 + scope))
        ref = OxmlElement("w:abstractNumId")
        ref.set(qn("w:val"), str(aid))
        num.append(ref)
        numbering.append(num)
        num_ids[scope] = 500 + scope
    # abstractNum elements must precede num elements in numbering.xml
    abstracts = numbering.findall(qn("w:abstractNum"))
    nums = numbering.findall(qn("w:num"))
    for el in abstracts + nums:
        numbering.remove(el)
    for el in abstracts + nums:
        numbering.append(el)

    current_article = None
    table_rows: list[Para] = []

    def flush_table() -> None:
        if not table_rows:
            return
        ncols = max(len(r.cells) for r in table_rows)
        tbl = d.add_table(rows=len(table_rows), cols=ncols)
        tbl.style = "Table Grid"
        for i, r in enumerate(table_rows):
            for j, c in enumerate(r.cells):
                cell = tbl.rows[i].cells[j]
                cell.text = c
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(12)
        table_rows.clear()

    for i, (p, pl) in enumerate(zip(paras, plan)):
        if p.kind == "table":
            table_rows.append(p)
            continue
        flush_table()
        m = _ARTICLE.match(p.text)
        if m:
            current_article = int(m.group(2))
        if _APPENDIX.match(p.text):
            current_article = None
        para = d.add_paragraph()
        text = p.text
        if pl is not None:
            scope, lvl, body = pl
            ppr = para._p.get_or_add_pPr()
            numpr = OxmlElement("w:numPr")
            il = OxmlElement("w:ilvl")
            il.set(qn("w:val"), str(lvl))
            nid = OxmlElement("w:numId")
            nid.set(qn("w:val"), str(num_ids[scope]))
            numpr.append(il)
            numpr.append(nid)
            ppr.append(numpr)
            text = body
        is_heading = bool(m) or p.kind == "heading" or (text.isupper() and len(text) < 120)
        # two runs per paragraph with different explicit sizes: exercises run-level size resolution
        cut = text.find(" ", len(text) // 2)
        pieces = [text] if cut < 0 else [text[:cut], text[cut:]]
        for k, piece in enumerate(pieces):
            run = para.add_run(piece)
            if small_article is not None and current_article == small_article:
                run.font.size = Pt(10)
            elif i == 0:
                run.font.size = Pt(14)
                run.bold = True
            elif is_heading:
                run.font.size = Pt(13)
                run.bold = True
            elif k == 1:
                run.font.size = Pt(13)  # explicit; the first run inherits Normal's size
            if colors and i in colors:
                run.font.color.rgb = RGBColor.from_string(colors[i])
        if i == 0:
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    flush_table()
    section = d.sections[0]
    section.header.paragraphs[0].text = "Mẫu hợp đồng — bản dùng để đăng ký"
    section.footer.paragraphs[0].text = "Trang"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ----------------------------------------------------------------------------- PDF


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "DejaVuSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSerif", FONT))
        pdfmetrics.registerFont(TTFont("DejaVuSerif-Bold", FONT_BOLD))
        pdfmetrics.registerFont(TTFont("DejaVuSans", FONT_SYMBOLS))


def render_pdf(name: str, small_article: int | None = None, two_columns: bool = False,
               colors: dict[int, str] | None = None, body_size: float = 12.0) -> tuple[bytes, dict[int, int]]:
    """PDF of a sample and the page on which each source paragraph starts (index -> page)."""
    from reportlab.lib import colors as rl_colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Table, TableStyle
    from xml.sax.saxutils import escape

    _register_fonts()
    paras = source_lines(name)
    pages: dict[int, int] = {}

    class Tracked(Paragraph):
        def __init__(self, text, style, index=None, **kw):
            super().__init__(text, style, **kw)
            self.index = index

        def split(self, aW, aH):
            parts = super().split(aW, aH)
            if parts:
                parts[0].index = self.index
            return parts

        def draw(self):
            if self.index is not None:
                pages.setdefault(self.index, self.canv.getPageNumber())
            super().draw()

    class TrackedTable(Table):
        def __init__(self, data, index=None, **kw):
            super().__init__(data, **kw)
            self.index = index

        def split(self, aW, aH):
            parts = super().split(aW, aH)
            if parts:
                parts[0].index = self.index
            return parts

        def draw(self):
            if self.index is not None:
                pages.setdefault(self.index, self.canv.getPageNumber())
            super().draw()

    body = ParagraphStyle("body", fontName="DejaVuSerif", fontSize=body_size, leading=body_size * 1.3, spaceAfter=5)
    small = ParagraphStyle("small", parent=body, fontSize=10, leading=13)
    head = ParagraphStyle("head", parent=body, fontName="DejaVuSerif-Bold", fontSize=13, leading=17, spaceBefore=4)
    title = ParagraphStyle("title", parent=head, fontSize=14, alignment=1)
    cell = ParagraphStyle("cell", parent=body, fontSize=11, leading=14, spaceAfter=0)
    story = []
    current_article = None
    i = 0
    while i < len(paras):
        p = paras[i]
        if p.kind == "table":
            rows = []
            first = i
            while i < len(paras) and paras[i].kind == "table":
                rows.append([Paragraph(escape(c), cell) for c in paras[i].cells])
                i += 1
            ncols = max(len(r) for r in rows)
            rows = [r + [""] * (ncols - len(r)) for r in rows]
            t = TrackedTable(rows, first, repeatRows=0)
            t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, rl_colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            for k in range(first, i):
                pages.setdefault(k, -1)  # filled by the table's draw below (same page)
            story.append(t)
            continue
        m = _ARTICLE.match(p.text)
        if m:
            current_article = int(m.group(2))
        if _APPENDIX.match(p.text):
            current_article = None
        if i == 0:
            style = title
        elif small_article is not None and current_article == small_article:
            style = small
        elif m or p.kind == "heading" or (p.text.isupper() and len(p.text) < 120):
            style = head
        else:
            style = body
        text = escape(p.text).replace("☐", '<font name="DejaVuSans">☐</font>')
        if colors and i in colors:
            text = f'<font color="#{colors[i]}">{text}</font>'
        story.append(Tracked(text, style, i))
        i += 1

    def decorate(canv, doc):
        canv.saveState()
        canv.setFont("DejaVuSerif", 9)
        canv.drawString(2 * cm, A4[1] - 1.2 * cm, "Mẫu hợp đồng — bản dùng để đăng ký")
        canv.drawCentredString(A4[0] / 2, 1.0 * cm, f"Trang {doc.page}")
        canv.restoreState()

    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=A4, leftMargin=2.2 * cm, rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm)
    if two_columns:
        w = (doc.width - 1 * cm) / 2
        frames = [Frame(doc.leftMargin, doc.bottomMargin, w, doc.height, id="c1"),
                  Frame(doc.leftMargin + w + 1 * cm, doc.bottomMargin, w, doc.height, id="c2")]
    else:
        frames = [Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="f")]
    doc.addPageTemplates([PageTemplate(id="p", frames=frames, onPage=decorate)])
    doc.build(story)
    # table rows inherit the page of the table's first row
    last = None
    for k in range(len(paras)):
        if k in pages and pages[k] != -1:
            last = pages[k]
        elif k in pages:
            pages[k] = last or 1
    return buf.getvalue(), pages
