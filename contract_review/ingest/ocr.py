"""OCR for scanned pages and image files: Tesseract with Vietnamese data (`-l vie`), one
single-threaded tesseract per page run in parallel (faster than tesseract's own threading on few
cores), word confidences kept per page.

A page is rasterized at 300 dpi, prepared (scan_image: deskewed, ruled tables and dotted fill-in
lines found and erased, as Tesseract mangles both), read (tesseract), doubtful tones checked
against a lexicon (ocr_correct), and laid out into blocks (ocr_layout: leaders and table rows put
back, running headers dropped, paragraphs joined). A page
read with low confidence is checked for orientation (upside down, sideways) and read again turned.

When tesseract or its Vietnamese data is missing, a document that needs OCR is refused with a clear
error (all pages scanned) or carries a warning naming the unread pages (mixed document); a page
Tesseract fails on is named as not read. Never a silently clean report.
"""
from __future__ import annotations

import io
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from contract_review.errors import CorruptFile, OcrUnavailable
from contract_review.ingest.limits import Limits, check_pages
from contract_review.ingest.ocr_correct import correct_tones
from contract_review.ingest.ocr_layout import (
    EDGE, OcrPage, consecutive_runs, drop_running_lines, page_blocks, page_lines, table_rows, with_leaders,
)
from contract_review.ingest.scan_image import prepare
from contract_review.ingest.tesseract import (
    OCR_DPI, clean_words, confidence, has_osd, orientation, parse_tsv, run_tesseract, tesseract_status,
)
from contract_review.model import Block, Notice, PageInfo

__all__ = ["tesseract_status", "ocr_page", "ocr_pdf_pages", "pages_needing_ocr", "read_image", "OCR_DPI"]

LOW_CONFIDENCE = 70.0
REORIENT_BELOW = 60.0  # mean confidence under which the page's orientation is checked
MIN_DPI = 200  # image files below this are upscaled: Vietnamese tone marks need the pixels


# ----------------------------------------------------------------------------- one page


def ocr_page(img, number: int) -> OcrPage:
    """OCR one page image (any mode; at OCR_DPI). A page Tesseract fails on is returned marked
    `failed`, so the other pages are still read and the report names the one that was not."""
    try:
        return _read_page(img, number)
    except CorruptFile:
        return OcrPage(number=number, width=img.width, height=img.height, failed=True)


def _read_page(img, number: int) -> OcrPage:
    prepared, grids, dots = prepare(img, OCR_DPI)
    words = parse_tsv(run_tesseract(prepared, "-l", "vie", "--psm", "3", "tsv"))
    conf = confidence(clean_words(words))
    rotated = 0
    if (conf is None or conf < REORIENT_BELOW) and has_osd():
        rotated = orientation(prepared)
        if rotated:
            turned, turned_grids, turned_dots = prepare(img.rotate(-rotated, expand=True), OCR_DPI)
            again = parse_tsv(run_tesseract(turned, "-l", "vie", "--psm", "3", "tsv"))
            again_conf = confidence(clean_words(again))
            if again_conf is not None and (conf is None or again_conf > conf):
                prepared, grids, dots, words, conf = turned, turned_grids, turned_dots, again, again_conf
            else:
                rotated = 0
    words = correct_tones(sorted(clean_words(words), key=lambda w: (w.line, w.x0)))
    words = with_leaders(words, dots)
    words, rows = table_rows(words, grids)
    w, h = prepared.size
    return OcrPage(number=number, width=w, height=h, lines=page_lines(words), rows=rows, confidence=conf,
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
FEW_MARKS = 0.05  # Vietnamese has a tone or vowel mark on ~30 % of its letters; an OCR layer without them


def _text_layer_stats(blocks: list[Block] | None) -> dict[int, tuple[int, int, int]]:
    """Per page: (characters, letters, letters outside ASCII)."""
    stats: dict[int, list[int]] = {}
    for b in blocks or []:
        s = stats.setdefault(b.page or 0, [0, 0, 0])
        text = b.text.strip()
        s[0] += len(text)
        for ch in text:
            if ch.isalpha():
                s[1] += 1
                s[2] += not ch.isascii()
    return {p: (a, b, c) for p, (a, b, c) in stats.items()}


def pages_needing_ocr(data: bytes, page_info: list[PageInfo], blocks: list[Block] | None = None) -> list[int]:
    """Pages to read by OCR: those without a text layer; and scanned pages (an image covering most
    of the page) whose text layer cannot be the page: a thin one (a portal's "bản sao điện tử"
    stamp, a page number added after scanning) or one without Vietnamese marks (a copier's own OCR
    that knows no Vietnamese: "Hop dong mua ban"). Either would leave the contract silently unread."""
    missing = [p.number for p in page_info if not p.has_text]
    stats = _text_layer_stats(blocks)

    def doubtful(n: int) -> bool:
        chars, letters, marked = stats.get(n, (0, 0, 0))
        return chars < THIN_TEXT or (letters >= 100 and marked < FEW_MARKS * letters)

    suspects = [p.number for p in page_info if p.has_text and doubtful(p.number)]
    if not suspects:
        return missing
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    pdf = pdfium.PdfDocument(data)
    try:
        for n in suspects:
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
    drop_running_lines(pages, known)
    scanned = {p.number for p in pages}
    ocr_blocks = [b for run in consecutive_runs(pages) for b in page_blocks(run)]
    kept = [b for b in blocks if (b.page or 0) not in scanned]
    merged = sorted(kept + ocr_blocks, key=lambda b: b.page or 0)  # stable: reading order within a page
    merged = [b.model_copy(update={"index": i, "paragraph": i}) for i, b in enumerate(merged)]
    return merged, _page_infos(pages, page_info), _notices_for(pages)


def _gray(frame):
    """8-bit grayscale on white: transparency flattened onto paper (a plain conversion turns a
    transparent PNG black), 16-bit and float scans scaled down rather than clipped to white."""
    from PIL import Image

    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(paper, rgba).convert("L")
    if frame.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        import numpy as np

        arr = np.asarray(frame, dtype=np.float64)
        top = arr.max() or 1.0
        return Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), mode="L")
    return frame.convert("L")


def _at_ocr_resolution(frame, dpi_info):
    """Upscale a low-resolution page image (a 150-dpi scan, a small phone capture): below ~200 dpi
    Vietnamese tone marks are a few pixels and Tesseract confuses them. A declared resolution is
    believed when the page it implies is paper-sized (phones declare 72 dpi for 4000-pixel photos);
    without one, an image narrower than an A4 page at 200 dpi is taken as a full page."""
    from PIL import Image

    frame = _gray(frame)
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
    drop_running_lines(pages, [])
    blocks = [b for run in consecutive_runs(pages) for b in page_blocks(run)]
    blocks = [b.model_copy(update={"index": i, "paragraph": i}) for i, b in enumerate(blocks)]
    return blocks, _page_infos(pages), _notices_for(pages)
