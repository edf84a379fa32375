"""Scanned pages to blocks: Tesseract's words to lines (dotted leaders put back, ruled-table words
to "cell | cell" rows), running headers, footers and page numbers dropped (OCR-tolerantly), and
lines joined into paragraphs with the PDF reader's own rules, so a scanned page yields the same
blocks as its text-layer twin."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from contract_review.ingest.scan_image import Leader
from contract_review.ingest.tesseract import OCR_DPI, Word
from contract_review.model import Block

EDGE = 0.09  # top/bottom share of the page where running headers and footers live


@dataclass
class OcrPage:
    number: int
    width: int  # pixels at OCR_DPI
    height: int
    lines: list[dict] = field(default_factory=list)  # x0, top, x1, bottom, text (pixels)
    rows: list[tuple[float, str]] = field(default_factory=list)  # ruled table rows: (top, "a | b")
    confidence: float | None = None
    rotated: int = 0
    failed: bool = False  # Tesseract crashed or timed out on this page


def with_leaders(words: list[Word], dots: list[Leader]) -> list[Word]:
    """Put the erased dotted leaders back as words, on the line they belong to (the one whose height
    spans them, nearest along the line), or on a line of their own."""
    boxes: dict[tuple, list[int]] = {}
    for w in words:
        b = boxes.setdefault(w.line, [w.x0, w.top, w.x1, w.bottom])
        b[0], b[1], b[2], b[3] = min(b[0], w.x0), min(b[1], w.top), max(b[2], w.x1), max(b[3], w.bottom)
    out = list(words)
    for d in dots:
        best, best_dist = None, None
        for key, (x0, top, x1, bottom) in boxes.items():
            slack = 0.25 * (bottom - top)
            if top <= d.y <= bottom + slack:
                dist = max(0, x0 - d.x1, d.x0 - x1)
                if best_dist is None or dist < best_dist:
                    best, best_dist = key, dist
        if best is None:  # a line of dots alone: placed after the last line above it
            above = [k for k, b in boxes.items() if b[3] <= d.y]
            best = (max(above, key=lambda k: boxes[k][3]) if above else (-1,)) + (1, len(boxes))
            boxes[best] = [d.x0, d.top, d.x1, d.bottom]
        out.append(Word("." * d.count, -1.0, d.x0, d.top, d.x1, d.bottom, best, glue=1.6 * d.gap + 1))
    return out


def _join(words: list[Word]) -> str:
    """Words of a line, left to right, one space apart; no space where a put-back leader touches
    its neighbour ("Số: ........../2025")."""
    text = ""
    for prev, w in zip([None, *words], words):
        if prev is not None and not (max(prev.glue, w.glue) and w.x0 - prev.x1 < max(prev.glue, w.glue)):
            text += " "
        text += w.text
    return text


def page_lines(words: list[Word]) -> list[dict]:
    """Lines (box in pixels and text) from words, grouped by Tesseract's line."""
    lines: dict[tuple, dict] = {}
    for w in words:
        ln = lines.setdefault(w.line, {"words": [], "x0": w.x0, "top": w.top, "x1": w.x1, "bottom": w.bottom})
        ln["words"].append(w)
        ln["x0"], ln["top"] = min(ln["x0"], w.x0), min(ln["top"], w.top)
        ln["x1"], ln["bottom"] = max(ln["x1"], w.x1), max(ln["bottom"], w.bottom)
    out = []
    for key in sorted(lines):
        ln = lines[key]
        ln["text"] = _join(sorted(ln.pop("words"), key=lambda w: w.x0))
        out.append(ln)
    return out


def table_rows(words: list[Word], grids) -> tuple[list[Word], list[tuple[float, str]]]:
    """Words inside a ruled table become its rows, cells joined with " | " (as the PDF reader does);
    the other words are returned for the running text."""
    rest: list[Word] = []
    cells: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        cx, cy = (w.x0 + w.x1) / 2, (w.top + w.bottom) / 2
        for g_index, g in enumerate(grids):
            rc = g.cell(cx, cy)
            if rc is not None:
                cells.setdefault((g_index, *rc), []).append(w)
                break
        else:
            rest.append(w)
    rows: list[tuple[float, str]] = []
    for g_index, g in enumerate(grids):
        for r in range(len(g.rows) - 1):
            texts = []
            for c in range(len(g.cols) - 1):
                ws = cells.get((g_index, r, c))
                if ws:
                    texts.append(" ".join(ln["text"] for ln in sorted(page_lines(ws), key=lambda d: d["top"])))
            if texts:
                rows.append((float(g.rows[r]), " | ".join(texts)))
    return rest, rows


def _norm_edge(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _similar(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 6 and SequenceMatcher(None, a, b).ratio() >= 0.85)


def drop_running_lines(pages: list[OcrPage], known: list[str]) -> None:
    """Drop page numbers and running headers/footers: lines near the top or bottom edge that recur
    (OCR-tolerantly) on half the scanned pages, or that match a header seen on a text-layer page."""
    from contract_review.ingest.pdf_reader import _PAGE_NUMBER

    def edge_lines(p: OcrPage):
        return [ln for ln in p.lines if ln["top"] < EDGE * p.height or ln["bottom"] > (1 - EDGE) * p.height]

    keys = [[_norm_edge(ln["text"]) for ln in edge_lines(p)] for p in pages]
    known_keys = [_norm_edge(k) for k in known if k.strip()]
    need = max(2, 0.5 * len(pages))
    for p, own in zip(pages, keys):
        drop = set()
        for ln, key in zip(edge_lines(p), own):
            if _PAGE_NUMBER.match(ln["text"]) or any(_similar(key, k) for k in known_keys):
                drop.add(id(ln))
                continue
            if len(pages) >= 2:
                recurs = sum(1 for other in keys if any(_similar(key, k) for k in other))
                if recurs >= need:
                    drop.add(id(ln))
        p.lines = [ln for ln in p.lines if id(ln) not in drop]


def page_blocks(pages: list[OcrPage]) -> list[Block]:
    """Blocks of consecutive scanned pages: one stream of lines (a paragraph may continue on the
    next page), interrupted by table rows at their place."""
    from contract_review.ingest.pdf_reader import _columns, _Line, _paragraphs

    k = 72.0 / OCR_DPI  # pixels -> points, so the paragraph rules keep their scale
    blocks: list[Block] = []
    run: list = []

    def flush() -> None:
        for para in _paragraphs(run):
            blocks.append(Block(index=0, text=" ".join(ln.text for ln in para), page=para[0].page))
        run.clear()

    for p in pages:
        lines = [_Line(p.number, d["x0"] * k, d["x1"] * k, d["top"] * k, d["bottom"] * k, d["text"], None, None)
                 for d in p.lines]
        # reading order as the text-layer reader has it (Tesseract sometimes files a wrapped
        # fragment in a block of its own, after the lines below it): top to bottom, two columns
        # one after the other, pieces of one baseline joined
        lines = _columns(lines, p.width * k)
        for top, row in sorted(p.rows):
            run.extend(ln for ln in lines if ln.top < top * k)
            lines = [ln for ln in lines if ln.top >= top * k]
            flush()
            blocks.append(Block(index=0, text=row, page=p.number, kind="table_row"))
        run.extend(lines)
    flush()
    return blocks


def consecutive_runs(pages: list[OcrPage]) -> list[list[OcrPage]]:
    runs: list[list[OcrPage]] = []
    for p in sorted(pages, key=lambda p: p.number):
        if runs and runs[-1][-1].number == p.number - 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs
