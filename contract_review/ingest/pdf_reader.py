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
from contract_review.markers import _is_upper_title, detect_marker
from contract_review.ingest.limits import Limits, check_pages
from contract_review.model import Block, PageInfo, StyleSpan

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
    col: int = 0  # 0 single column or full width; 1 left, 2 right column
    baseline: float | None = None  # y of the first glyph's origin, from the top of the page


def _color(tp, index: int) -> str | None:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    ok = pdfium_c.FPDFText_GetFillColor(tp.raw, index, r, g, b, a)
    if not ok:
        return None
    return f"{r.value:02X}{g.value:02X}{b.value:02X}"


def _baseline(tp, index: int, height: float) -> float | None:
    x, y = ctypes.c_double(), ctypes.c_double()
    if pdfium_c.FPDFText_GetCharOrigin(tp.raw, index, x, y):
        return height - y.value
    return None


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
    """Number of straight stroked segments drawn on the page (table rulings)."""
    n = 0
    try:
        for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
            fillmode, stroke = ctypes.c_int(), ctypes.c_int()
            if pdfium_c.FPDFPath_GetDrawMode(obj.raw, fillmode, stroke) and stroke.value:
                n += max(pdfium_c.FPDFPath_CountSegments(obj.raw) - 1, 1)
            else:
                x0, y0, x1, y1 = obj.get_pos()
                if (x1 - x0) < 2.5 or (y1 - y0) < 2.5:
                    n += 1  # thin filled rectangles drawn as rules
    except Exception:
        return 0
    return n


def _page_lines(page, tp, page_no: int) -> list[_Line]:
    """Visual lines of a page: pdfium's stream-order text split at line breaks, each line split again
    at large horizontal gaps (side-by-side columns written on one baseline), with its box, median
    font size, colour and the background drawn behind it."""
    width, height = page.get_size()
    areas = _filled_areas(page, height)
    n = tp.count_chars()
    text = tp.get_text_range(0, n) if n else ""
    if len(text) != n:  # pdfium inserted or dropped characters: index arithmetic is unsafe
        text = text[:n].ljust(n)
    pieces: list[tuple[int, int]] = []
    start = 0
    for i, ch in enumerate(text):
        if ch in "\r\n":
            if i > start:
                pieces.append((start, i))
            start = i + 1
    if start < n:
        pieces.append((start, n))
    lines: list[_Line] = []
    for a, b in pieces:
        if not text[a:b].strip():
            continue
        nrect = tp.count_rects(a, b - a)
        rects = []
        for k in range(nrect):
            left, bottom, right, top = tp.get_rect(k)
            rects.append((left, bottom, right, top))
        if not rects:
            continue
        # split the char range where two consecutive rects on one baseline are far apart
        ranges = [(a, b, rects)]
        if len(rects) > 1:
            rects_sorted = sorted(rects, key=lambda r: r[0])
            size0 = max(r[3] - r[1] for r in rects_sorted)
            cuts = []
            for r1, r2 in zip(rects_sorted, rects_sorted[1:]):
                if r2[0] - r1[2] > max(1.5 * size0, 14):
                    idx = tp.get_index(r2[0] + 0.5, (r2[1] + r2[3]) / 2, 1.0, 1.0)
                    if idx is not None and a < idx < b:
                        cuts.append((idx, r2[0]))
            if cuts:
                ranges = []
                bounds = [a] + [c[0] for c in sorted(cuts)] + [b]
                xs = [float("-inf")] + [c[1] for c in sorted(cuts)] + [float("inf")]
                for k in range(len(bounds) - 1):
                    sub = [r for r in rects if xs[k] - 0.5 <= r[0] < xs[k + 1] - 0.5]
                    if sub:
                        ranges.append((bounds[k], bounds[k + 1], sub))
        for ra, rb, rr in ranges:
            t = text[ra:rb].strip()
            if not t:
                continue
            sizes = []
            first = None
            for k in range(ra, rb):
                if text[k].isspace():
                    continue
                if first is None:
                    first = k
                sz = pdfium_c.FPDFText_GetFontSize(tp.raw, k)
                if sz > 0:
                    sizes.append(round(sz * 2) / 2)
            ln = _Line(
                page=page_no, x0=min(r[0] for r in rr), x1=max(r[2] for r in rr),
                top=height - max(r[3] for r in rr), bottom=height - min(r[1] for r in rr), text=" ".join(t.split()),
                size=statistics.median(sizes) if sizes else None, color=_color(tp, first) if first is not None else None,
                baseline=_baseline(tp, first, height) if first is not None else None,
            )
            cx, cy = (ln.x0 + ln.x1) / 2, (ln.top + ln.bottom) / 2
            for ax0, atop, ax1, abot, col in areas:
                if ax0 <= cx <= ax1 and atop <= cy <= abot:
                    ln.background = col  # later areas are drawn on top: keep the last
            lines.append(ln)
    lines.sort(key=lambda ln: (round(ln.top / 2), ln.x0))
    return _merge_same_baseline(lines)


def _merge_same_baseline(lines: list[_Line]) -> list[_Line]:
    """Stream order may emit one visual line in pieces (e.g. a run in another font): join pieces whose
    vertical extent overlaps mostly and that follow each other closely."""
    out: list[_Line] = []
    for ln in lines:
        if out:
            prev = out[-1]
            overlap = min(prev.bottom, ln.bottom) - max(prev.top, ln.top)
            h = min(prev.bottom - prev.top, ln.bottom - ln.top)
            if h > 0 and overlap > 0.6 * h and 0 <= ln.x0 - prev.x1 < 0.8 * h:
                prev.text = prev.text + " " + ln.text
                prev.x1 = max(prev.x1, ln.x1)
                prev.top, prev.bottom = min(prev.top, ln.top), max(prev.bottom, ln.bottom)
                continue
        out.append(ln)
    return out


def _columns(lines: list[_Line], width: float) -> list[_Line]:
    """Reorder a two-column page column by column; full-width lines separate regions."""
    if len(lines) < 8:
        return _join_baselines(lines)
    mid = width / 2
    best = None
    for g in (mid + d for d in range(-60, 61, 6)):
        left = sum(1 for ln in lines if ln.x1 < g - 4)
        right = sum(1 for ln in lines if ln.x0 > g + 4)
        cross = sum(1 for ln in lines if ln.x0 <= g - 4 < g + 4 <= ln.x1)
        if (left >= max(0.15 * len(lines), 3) and right >= max(0.1 * len(lines), 3) and left + right >= 8
                and cross <= 0.1 * len(lines)):
            score = left + right - 3 * cross
            if best is None or score > best[0]:
                best = (score, g)
    if best is None:
        return _join_baselines(lines)
    g = best[1]
    out: list[_Line] = []
    region: list[_Line] = []

    def flush() -> None:
        left = sorted((ln for ln in region if ln.x1 < g + 4), key=lambda ln: ln.top)
        right = sorted((ln for ln in region if ln.x1 >= g + 4), key=lambda ln: ln.top)
        for ln in left:
            ln.col = 1
        for ln in right:
            ln.col = 2
        out.extend(left)
        out.extend(right)
        region.clear()

    for ln in sorted(lines, key=lambda ln: ln.top):
        if ln.x0 <= g - 4 and ln.x1 >= g + 4:
            flush()
            out.append(ln)
        else:
            region.append(ln)
    flush()
    return out


def _join_baselines(lines: list[_Line]) -> list[_Line]:
    """Single-column page: pieces of one baseline separated by tab stops ("ĐẠI DIỆN BÊN A      ĐẠI
    DIỆN BÊN B") are one line."""
    out: list[_Line] = []
    for ln in sorted(lines, key=lambda ln: (round(ln.top / 2), ln.x0)):
        if out:
            prev = out[-1]
            overlap = min(prev.bottom, ln.bottom) - max(prev.top, ln.top)
            h = min(prev.bottom - prev.top, ln.bottom - ln.top)
            if h > 0 and overlap > 0.6 * h and ln.x0 >= prev.x1 - 1:
                prev.text = prev.text + " " + ln.text
                prev.x1 = ln.x1
                prev.top, prev.bottom = min(prev.top, ln.top), max(prev.bottom, ln.bottom)
                continue
        out.append(ln)
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


def _strong_marker(text: str, at_break: bool = False) -> bool:
    """A clause marker that starts a paragraph even right after a full line (same rules as the
    segmenter, so "Điều 17, Hãng..." or "15 ngày..." wrapped onto a new line stay in their paragraph)."""
    mk = detect_marker(text)
    if mk is None:
        return False
    if mk.type.startswith("decimal"):
        return bool(mk.label.endswith((".", ")")))
    if mk.type == "article":
        return bool(mk.title[:1].isupper())  # "Điều 3." ending a wrapped sentence has no title
    if mk.type == "appendix":
        # "... theo danh mục tại" + "Phụ lục 03." wrapped onto the next line is a reference, not a heading
        return (not mk.title and not text.rstrip().endswith((".", ",", ";"))) or (bool(mk.title) and mk.title.isupper())
    if mk.type == "bullet":
        return at_break  # mid-page "- Chi nhánh ..." may be a wrapped dash: the line geometry decides
    return mk.type != "signature" or len(text) < 60


def _number_continues_sentence(prev: str, text: str) -> bool:
    """"... thay thế phiên bản" + "4.1. Thỏa thuận ..." on the next line: a number right after a full
    line that stopped mid-sentence belongs to that sentence (a new khoản follows a finished one)."""
    mk = detect_marker(text)
    return bool(mk and mk.type.startswith("decimal") and not prev.rstrip().endswith((".", ";", ":", "!", "?", ")")))


def _heading_after_sentence(prev: str, text: str) -> bool:
    """An unnumbered capitalised heading ("ĐÁNH GIÁ SẢN PHẨM") right after a finished sentence starts a
    paragraph even when the layout gives no gap before it."""
    words = text.split()
    return (prev.rstrip().endswith((".", ";", "!", "?")) and 2 <= len(words) <= 20 and len(text) < 150
            and _is_upper_title(text) and not text.rstrip().endswith((".", ";", ",")))


def _pitch_ratio(prev: _Line, ln: _Line) -> float | None:
    """Baseline-to-baseline distance over font size (glyph boxes vary with stacked diacritics;
    baselines do not)."""
    if prev.baseline is None or ln.baseline is None or not (prev.size or ln.size):
        return None
    return (ln.baseline - prev.baseline) / max(prev.size or 0, ln.size or 0)


_FILL = re.compile(r"^[.…_\-\s/]+$")


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Join wrapped lines into paragraphs. A paragraph ends where the baseline pitch grows (paragraph
    spacing), where a line stopped although the next line's first word would have fitted after it,
    or before a clause marker."""
    if not lines:
        return []
    ratios = sorted(r for a, b in zip(lines, lines[1:]) if a.page == b.page and a.col == b.col
                    and (r := _pitch_ratio(a, b)) is not None and 0.8 < r < 3.0)
    line_ratio = ratios[int(0.2 * (len(ratios) - 1))] if ratios else 1.25
    right = _right_edges(lines)
    paras: list[list[_Line]] = [[lines[0]]]
    for k, (prev, ln) in enumerate(zip(lines, lines[1:])):
        wrapped = _wrapped(prev, ln, right[k])
        if _FILL.match(ln.text) and not prev.text.rstrip().endswith((".", ";", ":")):
            new = False  # a run of fill-in dots pushed onto its own line
        elif ln.page != prev.page or ln.col != prev.col:
            new = not wrapped or _strong_marker(ln.text, at_break=True) or _heading_after_sentence(prev.text, ln.text)
        else:
            r = _pitch_ratio(prev, ln)
            if r is not None:
                spaced = r > line_ratio * 1.15 or r < 0.5
            else:
                gap = ln.top - prev.bottom
                spaced = gap > 0.6 * (ln.bottom - ln.top) or gap < -(ln.bottom - ln.top)
            new = spaced or not wrapped or _heading_after_sentence(prev.text, ln.text) or (
                _strong_marker(ln.text) and not _number_continues_sentence(prev.text, ln.text))
        if new:
            paras.append([ln])
        else:
            paras[-1].append(ln)
    return paras


def _wrapped(prev: _Line, ln: _Line, right: float) -> bool:
    """Did `prev` end because the first word of `ln` would not fit on it?"""
    words = ln.text.split()
    if not words or not ln.text:
        return False
    char_w = (ln.x1 - ln.x0) / max(len(ln.text), 1)
    need = (len(words[0]) + 1) * char_w
    return prev.x1 + need > right - 1.0


def _right_edges(lines: list[_Line]) -> list[float]:
    """For each line, the right margin of its column (90th percentile of line ends)."""
    groups: dict[tuple[int, int], list[float]] = {}
    for ln in lines:
        groups.setdefault((ln.page, ln.col), []).append(ln.x1)
    edge = {k: sorted(v)[int(0.9 * (len(v) - 1))] for k, v in groups.items()}
    return [edge[(ln.page, ln.col)] for ln in lines]


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
    # one stream of lines for the whole document (paragraphs continue across pages); a table
    # interrupts it and is emitted row by row at its position
    stream: list[_Line | tuple[int, str]] = []
    for page_no, lines in enumerate(pages, 1):
        rest = list(lines)
        for ttop, rows, _, _ in sorted(table_rows.get(page_no, [])):
            stream += [ln for ln in rest if ln.top < ttop]
            rest = [ln for ln in rest if ln.top >= ttop]
            stream += [(page_no, row) for row in rows]
        stream += rest
    run: list[_Line] = []

    def emit_paragraphs() -> None:
        for para in _paragraphs(run):
            text = ""
            spans: list[StyleSpan] = []
            for ln in para:
                t = ln.text.strip()
                if text:
                    text += " "
                spans.append(StyleSpan(start=len(text), end=len(text) + len(t), size=ln.size,
                                       color=ln.color, background=ln.background or "FFFFFF"))
                text += t
            blocks.append(Block(index=len(blocks), text=text, page=para[0].page, paragraph=len(blocks), styles=spans))
        run.clear()

    for item in stream:
        if isinstance(item, tuple):
            emit_paragraphs()
            blocks.append(Block(index=len(blocks), text=item[1], page=item[0], paragraph=len(blocks), kind="table_row"))
        else:
            run.append(item)
    emit_paragraphs()
    return blocks, infos
