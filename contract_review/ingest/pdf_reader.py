"""PDF: text per page in reading order, with font sizes and colours, paragraphs rebuilt from lines.

The bulk pass uses pdfium (via pypdfium2, ~100+ pages/s): its text rectangles give line segments
with positions; font size and fill colour come per character. pdfplumber's slower layout analysis is
only used on pages that draw ruling lines, to read tables row by row.

Layout handling: repeated page headers/footers and page numbers are dropped; two-column pages are
read column by column; wrapped lines are joined back into paragraphs (a paragraph ends at a vertical
gap, a short line, or a line starting with a clause marker).
"""
from __future__ import annotations

import ctypes
import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from contract_review.errors import CorruptFile, EncryptedFile
from contract_review.ingest.limits import Limits, check_pages
from contract_review.model import Block, PageInfo, StyleSpan

_MARKER = re.compile(
    r"^(điều\s+\d{1,3}\b|chương\s+[ivxlc\d]+\b|phần\s+[ivxlc\d]+\b|mục\s+\d+\b|phụ\s+lục\b|[IVXLC]{1,6}\s*[.)]\s|"
    r"[1-9]\d{0,2}(\.[1-9]\d{0,2}){0,3}[.)]?\s|\(?[a-zđ]\s*\)\s|\(?(i{1,3}|iv|vi{0,3}|ix|x)\)\s|[-+•*●▪○◦►❖✓➢]\s|"
    r"đại diện\b|\(ký\b)",
    re.I,
)
_PAGE_NUMBER = re.compile(r"^\s*(trang|page)?\s*[-–]?\s*\d{1,4}\s*([/]\s*\d{1,4}|trên\s*\d{1,4}|of\s*\d{1,4})?\s*[-–]?\s*$", re.I)


@dataclass
class _Line:
    page: int
    x0: float
    x1: float
    top: float  # distance from the top of the page (grows downwards)
    bottom: float
    text: str
    size: float | None
    color: str | None
    background: str | None = None
    segments: list[tuple[float, float]] = field(default_factory=list)


def _color(tp, index: int) -> str | None:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    ok = pdfium_c.FPDFText_GetFillColor(tp.raw, index, r, g, b, a)
    if not ok:
        return None
    return f"{r.value:02X}{g.value:02X}{b.value:02X}"


def _filled_areas(page, height: float) -> list[tuple[float, float, float, float, str]]:
    """Filled path objects (boxes drawn behind text), as (x0, top, x1, bottom, colour)."""
    out = []
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
            fillmode, stroke = ctypes.c_int(), ctypes.c_int()
            if not pdfium_c.FPDFPath_GetDrawMode(obj.raw, fillmode, stroke) or fillmode.value == 0:
                continue
            r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
            if not pdfium_c.FPDFPageObj_GetFillColor(obj.raw, r, g, b, a) or a.value < 128:
                continue
            x0, y0, x1, y1 = obj.get_pos()
            if (x1 - x0) < 20 or (y1 - y0) < 5:
                continue  # rules and hairlines, not backgrounds
            out.append((x0, height - y1, x1, height - y0, f"{r.value:02X}{g.value:02X}{b.value:02X}"))
    except Exception:  # decoration only; never fail the read on it
        return []
    return out


def _ruling_count(page) -> int:
    n = 0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
            x0, y0, x1, y1 = obj.get_pos()
            if (x1 - x0) < 2.5 or (y1 - y0) < 2.5:
                n += 1
    except Exception:
        return 0
    return n


def _page_lines(page, tp, page_no: int) -> list[_Line]:
    width, height = page.get_size()
    areas = _filled_areas(page, height)
    segs = []
    for i in range(tp.count_rects()):
        left, bottom, right, top = tp.get_rect(i)
        text = tp.get_text_bounded(left, bottom, right, top)
        text = text.replace("\r", " ").replace("\n", " ")
        if not text.strip():
            continue
        mid_y = (top + bottom) / 2
        idx = tp.get_index(left + 0.5, mid_y, 2.0, 2.0)
        sizes, color = [], None
        if idx is not None and idx >= 0:
            n = len(text)
            for k in range(idx, min(idx + n, tp.count_chars())):
                s = pdfium_c.FPDFText_GetFontSize(tp.raw, k)
                if s > 0:
                    sizes.append(round(s * 2) / 2)
            color = _color(tp, idx)
        segs.append((left, right, height - top, height - bottom, text, sizes, color))
    # group segments into visual lines by vertical overlap, parts in x order
    segs.sort(key=lambda s: ((s[2] + s[3]) / 2, s[0]))
    groups: list[list[tuple]] = []
    for seg in segs:
        t, b = seg[2], seg[3]
        h = max(b - t, 1.0)
        if groups:
            g = groups[-1]
            gt, gb = min(s[2] for s in g), max(s[3] for s in g)
            if abs((gt + gb) / 2 - (t + b) / 2) < 0.45 * h:
                g.append(seg)
                continue
        groups.append([seg])
    lines: list[_Line] = []
    for g in groups:
        g.sort(key=lambda s: s[0])
        sizes = [x for s in g for x in s[5]]
        ln = _Line(
            page=page_no, x0=g[0][0], x1=max(s[1] for s in g), top=min(s[2] for s in g),
            bottom=max(s[3] for s in g), text=" ".join(s[4].strip() for s in g),
            size=statistics.median(sizes) if sizes else None, color=g[0][6],
            segments=[(s[0], s[1]) for s in g],
        )
        cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
        for ax0, atop, ax1, abot, col in areas:
            if ax0 <= cx <= ax1 and atop <= cy <= abot:
                ln.background = col  # later areas are drawn on top: keep the last
        lines.append(ln)
    return lines


def _columns(lines: list[_Line], width: float) -> list[_Line]:
    """Reorder a two-column page column by column; full-width lines separate regions."""
    if len(lines) < 8:
        return lines
    mid = width / 2
    best = None
    for g in (mid + d for d in range(-60, 61, 6)):
        left = sum(1 for ln in lines if ln.x1 < g - 4)
        right = sum(1 for ln in lines if ln.x0 > g + 4)
        cross = sum(1 for ln in lines if ln.x0 <= g - 4 < g + 4 <= ln.x1)
        if left >= 0.3 * len(lines) and right >= 0.3 * len(lines) and left + right >= 6 and cross <= 0.25 * len(lines):
            score = left + right - 3 * cross
            if best is None or score > best[0]:
                best = (score, g)
    if best is None:
        return lines
    g = best[1]
    out: list[_Line] = []
    region: list[_Line] = []

    def flush() -> None:
        out.extend(sorted((ln for ln in region if ln.x1 < g + 4), key=lambda ln: ln.top))
        out.extend(sorted((ln for ln in region if ln.x1 >= g + 4), key=lambda ln: ln.top))
        region.clear()

    for ln in sorted(lines, key=lambda ln: ln.top):
        if ln.x0 <= g - 4 and ln.x1 >= g + 4:
            flush()
            out.append(ln)
        else:
            region.append(ln)
    flush()
    return out


def _norm_repeat(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def _drop_headers_footers(pages: list[list[_Line]], heights: list[float]) -> None:
    n = len(pages)
    counts: Counter[str] = Counter()
    for lines, h in zip(pages, heights):
        seen = set()
        for ln in lines:
            if ln.top < 0.09 * h or ln.bottom > 0.91 * h:
                key = _norm_repeat(ln.text)
                if key not in seen:
                    seen.add(key)
                    counts[key] += 1
    repeated = {k for k, c in counts.items() if n >= 2 and c >= max(2, 0.5 * n)}
    for i, (lines, h) in enumerate(zip(pages, heights)):
        keep = []
        for ln in lines:
            edge = ln.top < 0.09 * h or ln.bottom > 0.91 * h
            if edge and (_norm_repeat(ln.text) in repeated or _PAGE_NUMBER.match(ln.text)):
                continue
            keep.append(ln)
        pages[i] = keep


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    if not lines:
        return []
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:]) if a.page == b.page and 0 <= b.top - a.bottom < 40]
    typical_gap = statistics.median(gaps) if gaps else 3.0
    heights = [ln.bottom - ln.top for ln in lines]
    typical_h = statistics.median(heights) if heights else 12.0
    full = _full_lines(lines)
    paras: list[list[_Line]] = [[lines[0]]]
    for k, (prev, ln) in enumerate(zip(lines, lines[1:])):
        new = False
        if _MARKER.match(ln.text.strip()):
            new = True
        elif ln.page != prev.page:
            # across a page break: continue only if the previous line ran to the right margin
            new = not full[k]
        else:
            gap = ln.top - prev.bottom
            if gap > typical_gap + 0.45 * typical_h or gap < -typical_h:
                new = True
            elif not full[k]:
                new = True
            elif ln.x0 > prev.x0 + 14 and abs(ln.x1 - prev.x1) > 30:
                new = True  # centred / indented title line under a full line
        if new:
            paras.append([ln])
        else:
            paras[-1].append(ln)
    return paras


def _full_lines(lines: list[_Line]) -> list[bool]:
    """Does each line run to the right edge of its column (so the paragraph goes on)?"""
    by_page: dict[int, list[_Line]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    out = []
    cache: dict[tuple[int, int], float] = {}
    for ln in lines:
        page_lines = by_page[ln.page]
        key = (ln.page, int(ln.x0 // 40))
        if key not in cache:
            same_col = sorted(o.x1 for o in page_lines if abs(o.x0 - ln.x0) < 60)
            cache[key] = same_col[int(0.9 * (len(same_col) - 1))] if same_col else ln.x1
        right = cache[key]
        left = min(o.x0 for o in page_lines if abs(o.x0 - ln.x0) < 60)
        width = max(right - left, 50)
        out.append(ln.x1 >= right - max(0.12 * width, 24))
    return out


def _tables(data: bytes, page_index: int, height: float) -> list[tuple[float, float, float, float, list[str]]]:
    """Tables on one page via pdfplumber: (x0, top, x1, bottom, row texts)."""
    import pdfplumber

    out = []
    with pdfplumber.open(io.BytesIO(data), pages=[page_index + 1]) as pl:
        page = pl.pages[0]
        for table in page.find_tables():
            rows = []
            for row in table.extract():
                cells = [" ".join((c or "").split()) for c in row]
                cells = [c for c in cells if c]
                if cells:
                    rows.append(" | ".join(cells))
            x0, top, x1, bottom = table.bbox
            if rows:
                out.append((x0, top, x1, bottom, rows))
    return out


def read_pdf(data: bytes, limits: Limits) -> tuple[list[Block], list[PageInfo]]:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e).lower()
        if "password" in msg:
            raise EncryptedFile() from e
        raise CorruptFile("Tệp PDF bị hỏng hoặc không đúng định dạng.") from e
    try:
        n = len(pdf)
        check_pages(n, limits)
        pages: list[list[_Line]] = []
        heights: list[float] = []
        infos: list[PageInfo] = []
        table_rows: dict[int, list[tuple[float, list[str], float, float]]] = {}
        for i in range(n):
            page = pdf[i]
            width, height = page.get_size()
            tp = page.get_textpage()
            lines = _page_lines(page, tp, i + 1)
            chars = sum(len(ln.text.strip()) for ln in lines)
            infos.append(PageInfo(number=i + 1, has_text=chars >= 20, width=width, height=height))
            if lines and _ruling_count(page) >= 6:
                tables = _tables(data, i, height)
                if tables:
                    keep = []
                    for ln in lines:
                        cy = (ln.top + ln.bottom) / 2
                        if any(tx0 - 2 <= ln.x0 and ln.x1 <= tx1 + 2 and ttop <= cy <= tbot for tx0, ttop, tx1, tbot, _ in tables):
                            continue
                        keep.append(ln)
                    lines = keep
                    for tx0, ttop, tx1, tbot, rows in tables:
                        table_rows.setdefault(i + 1, []).append((ttop, rows, tx0, tx1))
            lines = _columns(lines, width)
            pages.append(lines)
            heights.append(height)
            tp.close()
            page.close()
    finally:
        pdf.close()
    _drop_headers_footers(pages, heights)
    blocks: list[Block] = []
    para_index = 0

    def emit_paragraphs(lines: list[_Line]) -> None:
        nonlocal para_index
        for para in _paragraphs(lines):
            text = ""
            spans: list[StyleSpan] = []
            for ln in para:
                t = ln.text.strip()
                if text:
                    text += " "
                spans.append(StyleSpan(start=len(text), end=len(text) + len(t), size=ln.size,
                                       color=ln.color, background=ln.background or "FFFFFF"))
                text += t
            blocks.append(Block(index=len(blocks), text=text, page=para[0].page, paragraph=para_index, styles=spans))
            para_index += 1

    for page_no, lines in enumerate(pages, 1):
        tables = sorted(table_rows.get(page_no, []))
        if not tables:
            emit_paragraphs(lines)
            continue
        # interleave table rows at their vertical position
        rest = list(lines)
        for ttop, rows, _, _ in tables:
            before = [ln for ln in rest if ln.top < ttop]
            rest = [ln for ln in rest if ln.top >= ttop]
            emit_paragraphs(before)
            for row in rows:
                blocks.append(Block(index=len(blocks), text=row, page=page_no, paragraph=para_index, kind="table_row"))
                para_index += 1
        emit_paragraphs(rest)
    return blocks, infos
