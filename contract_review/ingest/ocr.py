"""OCR for scanned pages and image files: Tesseract with Vietnamese data (`-l vie`), one
single-threaded tesseract per page run in parallel (faster than tesseract's own threading on few
cores), word confidences kept per page.

Each page image is first straightened and its ruling lines erased (scan_image.prepare): Tesseract
drops the text of ruled tables otherwise. Ruled tables come back as "cell | cell" rows, running
headers, footers and page numbers are dropped, and wrapped lines are joined into paragraphs with the
PDF reader's own rules, so a scanned page yields the same blocks as its text-layer twin. A page
read upside down or sideways (low confidence) is turned by Tesseract's orientation detector and read
again.

When tesseract or its Vietnamese data is missing, a document that needs OCR is refused with a clear
error (all pages scanned) or carries a warning naming the unread pages (mixed document): never a
silently clean report.
"""
from __future__ import annotations

import functools
import io
import os
import re
import shutil
import subprocess
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from contract_review.errors import CorruptFile, OcrUnavailable
from contract_review.ingest.limits import Limits, check_pages
from contract_review.model import Block, Notice, PageInfo

OCR_DPI = 300
LOW_CONFIDENCE = 70.0
REORIENT_BELOW = 60.0  # mean confidence under which the page's orientation is checked
JUNK_CONFIDENCE = 5.0  # Tesseract's "no idea" words: specks and the tails of dotted fill-in lines
MIN_DPI = 200  # image files below this are upscaled: Vietnamese tone marks need the pixels
EDGE = 0.09  # top/bottom share of the page where running headers and footers live
TIMEOUT = 300


@functools.lru_cache(maxsize=1)
def tesseract_status() -> tuple[bool, str]:
    """(available, reason). Vietnamese language data is required: with `eng` Vietnamese is garbage."""
    exe = shutil.which("tesseract")
    if not exe:
        return False, "không tìm thấy chương trình tesseract"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"không chạy được tesseract ({e})"
    langs = out.stdout.split()
    if "vie" not in langs:
        return False, "thiếu dữ liệu tiếng Việt của tesseract (gói tesseract-ocr-vie)"
    return True, ""


@functools.lru_cache(maxsize=1)
def _has_osd() -> bool:
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return "osd" in out.stdout.split()


# ----------------------------------------------------------------------------- tesseract


def _pgm(img) -> bytes:
    """The image as binary PGM: no compression to spend time on, read by Tesseract from stdin."""
    img = img.convert("L")
    w, h = img.size
    return b"P5\n%d %d\n255\n" % (w, h) + img.tobytes()


def _tesseract(img, *args: str) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(["tesseract", "stdin", "stdout", "--dpi", str(OCR_DPI), *args],
                              input=_pgm(img), capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as e:
        raise CorruptFile("Nhận dạng ký tự một trang quét quá lâu; tệp ảnh có thể bị hỏng.") from e
    except OSError as e:
        raise OcrUnavailable(OcrUnavailable.default_message + f" Chi tiết: {e}.") from e
    if proc.returncode != 0:
        raise CorruptFile("Không nhận dạng được ảnh trang tài liệu (tesseract báo lỗi).")
    return proc.stdout.decode("utf-8", errors="replace")


@dataclass
class Word:
    text: str
    conf: float
    x0: int
    top: int
    x1: int
    bottom: int
    line: tuple[int, ...]  # Tesseract's (block, paragraph, line)
    glue: float = 0.0  # a dotted leader put back: no space before/after it when the gap is below this


def parse_tsv(tsv: str) -> list[Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(Word(text, float(cols[10]), left, top, left + width, top + height,
                          (int(cols[2]), int(cols[3]), int(cols[4]))))
    return words


_LEADER = re.compile(r"^[.…_]{3,}")


def _clean(words: list[Word]) -> list[Word]:
    """Drop Tesseract's zero-confidence guesses; a dotted fill-in line keeps its dots."""
    out = []
    for w in words:
        if w.conf >= JUNK_CONFIDENCE or w.conf < 0:
            out.append(w)
            continue
        m = _LEADER.match(w.text)
        if m:
            out.append(Word(m.group(0), w.conf, w.x0, w.top, w.x1, w.bottom, w.line))
    return out


def _confidence(words: list[Word]) -> float | None:
    """Mean word confidence, weighted by word length (a long word misread matters more)."""
    scored = [(w.conf, len(w.text)) for w in words if w.conf >= 0]
    total = sum(n for _, n in scored)
    return sum(c * n for c, n in scored) / total if total else None


def _orientation(img) -> int:
    """Degrees Tesseract's OSD says the page must be turned clockwise (0, 90, 180, 270)."""
    try:
        out = _tesseract(img, "--psm", "0", "-l", "osd")
    except CorruptFile:  # too little text to decide
        return 0
    m = re.search(r"Rotate:\s*(\d+)", out)
    c = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not m or not c or float(c.group(1)) < 2.0:
        return 0
    return int(m.group(1)) % 360


# ----------------------------------------------------------------------------- one page


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


def _with_leaders(words: list[Word], dots) -> list[Word]:
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
    text = ""
    for prev, w in zip([None, *words], words):
        if prev is not None and not (max(prev.glue, w.glue) and w.x0 - prev.x1 < max(prev.glue, w.glue)):
            text += " "
        text += w.text
    return text


def _lines(words: list[Word]) -> list[dict]:
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


def _table_rows(words: list[Word], grids) -> tuple[list[Word], list[tuple[float, str]]]:
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
                    texts.append(" ".join(ln["text"] for ln in sorted(_lines(ws), key=lambda d: d["top"])))
            if texts:
                rows.append((float(g.rows[r]), " | ".join(texts)))
    return rest, rows


def ocr_page(img, number: int) -> OcrPage:
    """OCR one page image (any mode; at OCR_DPI). A page Tesseract fails on is returned marked
    `failed`, so the other pages are still read and the report names the one that was not."""
    try:
        return _read_page(img, number)
    except CorruptFile:
        return OcrPage(number=number, width=img.width, height=img.height, failed=True)


def _read_page(img, number: int) -> OcrPage:
    from contract_review.ingest.scan_image import prepare

    prepared, grids, dots = prepare(img, OCR_DPI)
    words = parse_tsv(_tesseract(prepared, "-l", "vie", "--psm", "3", "tsv"))
    conf = _confidence(_clean(words))
    rotated = 0
    if (conf is None or conf < REORIENT_BELOW) and _has_osd():
        rotated = _orientation(prepared)
        if rotated:
            turned, turned_grids, turned_dots = prepare(img.rotate(-rotated, expand=True), OCR_DPI)
            again = parse_tsv(_tesseract(turned, "-l", "vie", "--psm", "3", "tsv"))
            again_conf = _confidence(_clean(again))
            if again_conf is not None and (conf is None or again_conf > conf):
                prepared, grids, dots, words, conf = turned, turned_grids, turned_dots, again, again_conf
            else:
                rotated = 0
    words = _with_leaders(_clean(words), dots)
    words, rows = _table_rows(words, grids)
    w, h = prepared.size
    return OcrPage(number=number, width=w, height=h, lines=_lines(words), rows=rows, confidence=conf,
                   rotated=rotated)


def _workers() -> int:
    """Tesseracts run at once: one per core, or CONTRACT_REVIEW_OCR_WORKERS (a batch audit that runs
    several review processes sets it to 1, so they do not fight over the cores)."""
    try:
        n = int(os.environ.get("CONTRACT_REVIEW_OCR_WORKERS", "0"))
    except ValueError:
        n = 0
    return max(1, n or os.cpu_count() or 1)


def _ocr_images(images) -> list[OcrPage]:
    """OCR page images in parallel, one single-threaded tesseract each. `images` yields
    (page number, PIL image) lazily, so a PDF is rasterized while earlier pages are read."""
    workers = _workers()
    results: list[OcrPage] = []
    pending: deque = deque()
    with ThreadPoolExecutor(max_workers=workers) as ex:
        for n, img in images:
            if len(pending) >= 2 * workers:  # bound the rendered pages held in memory
                results.append(pending.popleft().result())
            pending.append(ex.submit(ocr_page, img, n))
        results += [f.result() for f in pending]
    return results


# ----------------------------------------------------------------------------- pages -> blocks


def _norm_edge(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _similar(a: str, b: str) -> bool:
    return a == b or (min(len(a), len(b)) >= 6 and SequenceMatcher(None, a, b).ratio() >= 0.85)


def _drop_running_lines(pages: list[OcrPage], known: list[str]) -> None:
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


def _blocks(pages: list[OcrPage]) -> list[Block]:
    """Blocks of consecutive scanned pages: one stream of lines (a paragraph may continue on the
    next page), interrupted by table rows at their place."""
    from contract_review.ingest.pdf_reader import _Line, _paragraphs

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
        for top, row in sorted(p.rows):
            run.extend(ln for ln in lines if ln.top < top * k)
            lines = [ln for ln in lines if ln.top >= top * k]
            flush()
            blocks.append(Block(index=0, text=row, page=p.number, kind="table_row"))
        run.extend(lines)
    flush()
    return blocks


def _consecutive(pages: list[OcrPage]) -> list[list[OcrPage]]:
    runs: list[list[OcrPage]] = []
    for p in sorted(pages, key=lambda p: p.number):
        if runs and runs[-1][-1].number == p.number - 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return runs


def _page_infos(pages: list[OcrPage], infos: list[PageInfo] | None = None) -> list[PageInfo]:
    by_number = {i.number: i for i in infos or []}
    for p in pages:
        info = by_number.setdefault(p.number, PageInfo(number=p.number))
        if p.failed:
            info.ocr, info.has_text = False, False
            continue
        info.ocr = True
        info.ocr_confidence = round(p.confidence, 1) if p.confidence is not None else None
        info.has_text = bool(p.lines or p.rows)
        if info.width is None:
            info.width, info.height = p.width * 72.0 / OCR_DPI, p.height * 72.0 / OCR_DPI
    return [by_number[n] for n in sorted(by_number)]


def _pages_list(pages: list[int]) -> str:
    """"1–3, 5" for pages 1, 2, 3, 5."""
    parts: list[str] = []
    for n in sorted(pages):
        if parts and parts[-1][1] == n - 1:
            parts[-1][1] = n
        else:
            parts.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in parts)


def _notices_for(pages: list[OcrPage]) -> list[Notice]:
    failed = [p.number for p in pages if p.failed]
    pages = [p for p in pages if not p.failed]
    notices = []
    if failed:
        notices.append(Notice(code="pages_not_read", pages=failed, message=(
            f"{'Các trang' if len(failed) > 1 else 'Trang'} {_pages_list(failed)} là bản quét nhưng không nhận dạng "
            "được (tesseract báo lỗi hoặc quá thời gian). Nội dung các trang này CHƯA được rà soát."
        )))
    if not pages:
        return notices
    numbers = [p.number for p in pages]
    scored = [p for p in pages if p.confidence is not None]
    if len(scored) <= 8:
        confs = "; ".join(f"trang {p.number}: {p.confidence:.0f}%" for p in scored)
    else:
        worst = min(scored, key=lambda p: p.confidence)
        confs = (f"trung bình {sum(p.confidence for p in scored) / len(scored):.0f}%, thấp nhất "
                 f"{worst.confidence:.0f}% (trang {worst.number})")
    notices.append(Notice(code="ocr", message=(
        f"{'Các trang' if len(numbers) > 1 else 'Trang'} {_pages_list(numbers)} là bản quét và đã được "
        "nhận dạng ký tự (OCR)" + (f"; độ tin cậy {confs}" if confs else "")
        + ". Văn bản nhận dạng có thể sai sót; hãy đối chiếu trích dẫn với bản gốc."
    ), pages=numbers))
    low = [p.number for p in pages if p.confidence is not None and p.confidence < LOW_CONFIDENCE]
    empty = [p.number for p in pages if not (p.lines or p.rows)]
    if low:
        notices.append(Notice(code="ocr_low_confidence", message=(
            f"Độ tin cậy nhận dạng thấp ở trang {_pages_list(low)} (dưới {LOW_CONFIDENCE:.0f}%). "
            "Kết quả rà soát các trang này có thể bỏ sót điều khoản; nên dùng bản quét rõ hơn (300 dpi)."
        ), pages=low))
    if empty:
        notices.append(Notice(code="ocr_empty_pages", message=(
            f"Không nhận dạng được chữ nào ở trang {_pages_list(empty)} (trang trắng, ảnh hoặc bản quét quá mờ). "
            "Nếu trang có nội dung, nội dung đó CHƯA được rà soát."
        ), pages=empty))
    turned = [p.number for p in pages if p.rotated]
    if turned:
        notices.append(Notice(code="ocr_rotated", message=(
            f"Trang {_pages_list(turned)} được quét ngược hoặc xoay ngang; đã tự xoay lại trước khi nhận dạng."
        ), pages=turned))
    return notices


def _unavailable(why: str) -> OcrUnavailable:
    return OcrUnavailable(OcrUnavailable.default_message + (f" Chi tiết: {why}." if why else ""))


# ----------------------------------------------------------------------------- entry points


def _edge_texts(pdf, numbers: list[int]) -> list[str]:
    """Text in the header and footer bands of text-layer pages, to recognise the same running
    header on a scanned page of a mixed PDF."""
    out = []
    for n in numbers[:6]:
        page = pdf[n - 1]
        try:
            w, h = page.get_size()
            tp = page.get_textpage()
            for bottom, top in ((h * (1 - EDGE), h), (0, h * EDGE)):
                out += [t for t in tp.get_text_bounded(0, bottom, w, top).splitlines() if t.strip()]
            tp.close()
        finally:
            page.close()
    return out


THIN_TEXT = 300  # characters: a text layer this small over a page-sized image is a stamp, not the page


def pages_needing_ocr(data: bytes, page_info: list[PageInfo], blocks: list[Block] | None = None) -> list[int]:
    """Pages to read by OCR: those without a text layer, and scanned pages that carry only a thin
    text layer (a portal's "bản sao điện tử" stamp, a page number added after scanning) over an
    image covering most of the page, whose real content would otherwise be silently skipped."""
    missing = [p.number for p in page_info if not p.has_text]
    chars: dict[int, int] = {}
    for b in blocks or []:
        chars[b.page or 0] = chars.get(b.page or 0, 0) + len(b.text.strip())
    thin = [p.number for p in page_info if p.has_text and chars.get(p.number, 0) < THIN_TEXT]
    if not thin:
        return missing
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    try:
        for n in thin:
            page = pdf[n - 1]
            try:
                w, h = page.get_size()
                covered = 0.0
                for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
                    left, bottom, right, top = obj.get_bounds()
                    covered = max(covered, (min(right, w) - max(left, 0)) * (min(top, h) - max(bottom, 0)))
                if covered >= 0.5 * w * h:
                    missing.append(n)
            finally:
                page.close()
    finally:
        pdf.close()
    return sorted(missing)


def ocr_pdf_pages(data: bytes, blocks: list[Block], page_info: list[PageInfo], missing: list[int], limits: Limits):
    """OCR the pages listed in `missing` (1-based, no text layer) and merge their blocks with the
    text-layer `blocks` in page order."""
    ok, why = tesseract_status()
    if not ok or not limits.ocr:
        if len(missing) == len(page_info):
            raise _unavailable(why)
        note = Notice(code="pages_not_read", pages=missing, message=(
            f"{'Các trang' if len(missing) > 1 else 'Trang'} {_pages_list(missing)} không có lớp văn bản "
            f"(bản quét) và không thể nhận dạng ({why or 'OCR bị tắt'}). Nội dung các trang này CHƯA được rà soát."
        ))
        return blocks, page_info, [note]
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        known = _edge_texts(pdf, [p.number for p in page_info if p.number not in missing])

        def images():
            for n in missing:
                page = pdf[n - 1]
                img = page.render(scale=OCR_DPI / 72, grayscale=True).to_pil()
                page.close()
                yield n, img

        pages = _ocr_images(images())
    finally:
        pdf.close()
    if all(p.failed for p in pages) and len(pages) == len(page_info):
        raise CorruptFile("Không nhận dạng được các trang quét của tài liệu (tesseract báo lỗi hoặc quá thời gian).")
    _drop_running_lines(pages, known)
    scanned = {p.number for p in pages}
    ocr_blocks = [b for run in _consecutive(pages) for b in _blocks(run)]
    kept = [b for b in blocks if (b.page or 0) not in scanned]
    merged = sorted(kept + ocr_blocks, key=lambda b: b.page or 0)  # stable: reading order within a page
    merged = [b.model_copy(update={"index": i, "paragraph": i}) for i, b in enumerate(merged)]
    return merged, _page_infos(pages, page_info), _notices_for(pages)


def _at_ocr_resolution(frame, dpi_info):
    """Upscale a low-resolution page image (a 150-dpi scan, a small phone capture): below ~200 dpi
    Vietnamese tone marks are a few pixels and Tesseract confuses them. A declared resolution is
    believed when the page it implies is paper-sized (phones declare 72 dpi for 4000-pixel photos);
    without one, an image narrower than an A4 page at 200 dpi is taken as a full page."""
    from PIL import Image

    frame = frame.convert("L")
    dpi = float((dpi_info or (0, 0))[0] or 0)
    scale = 1.0
    if 0 < dpi < MIN_DPI and frame.width / dpi <= 13:
        scale = OCR_DPI / dpi
    elif not dpi and frame.width < 1650:
        scale = 2480 / frame.width
    scale = min(scale, 4.0, (60e6 / max(1, frame.width * frame.height)) ** 0.5)
    if scale <= 1.05:
        return frame
    return frame.resize((round(frame.width * scale), round(frame.height * scale)), Image.LANCZOS)


def read_image(data: bytes, limits: Limits) -> tuple[list[Block], list[PageInfo], list[Notice]]:
    """A scanned page (PNG, JPEG, multi-page TIFF)."""
    ok, why = tesseract_status()
    if not ok or not limits.ocr:
        raise _unavailable(why)
    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        frames = []
        for f in ImageSequence.Iterator(img):
            frame = ImageOps.exif_transpose(f.copy())  # phone photos carry their rotation in EXIF
            frames.append(_at_ocr_resolution(frame, frame.info.get("dpi") or img.info.get("dpi")))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise CorruptFile("Tệp ảnh bị hỏng, không đọc được.") from e
    check_pages(len(frames), limits)
    pages = _ocr_images(enumerate(frames, 1))
    if all(p.failed for p in pages):
        raise CorruptFile("Không nhận dạng được ảnh trang tài liệu (tesseract báo lỗi hoặc quá thời gian).")
    _drop_running_lines(pages, [])
    blocks = [b for run in _consecutive(pages) for b in _blocks(run)]
    blocks = [b.model_copy(update={"index": i, "paragraph": i}) for i, b in enumerate(blocks)]
    return blocks, _page_infos(pages), _notices_for(pages)
