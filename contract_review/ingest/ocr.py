"""OCR for scanned pages and image files: Tesseract with Vietnamese data (`-l vie`), one
single-threaded tesseract per page run in parallel (faster than tesseract's own threading on few
cores), word confidences kept per page.

When tesseract or its Vietnamese data is missing, a document that needs OCR is refused with a clear
error (all pages scanned) or carries a warning naming the unread pages (mixed document): never a
silently clean report.
"""
from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

from contract_review.errors import CorruptFile, OcrUnavailable
from contract_review.ingest.limits import Limits, check_pages
from contract_review.model import Block, Notice, PageInfo

OCR_DPI = 300
LOW_CONFIDENCE = 70.0


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
    if "vie" not in out.stdout.split():
        return False, "thiếu dữ liệu tiếng Việt của tesseract (gói tesseract-ocr-vie)"
    return True, ""


def _ocr_image_file(path: str) -> tuple[list[dict], float | None]:
    """Run tesseract on one image; return OCR lines (text, box) and mean word confidence."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    proc = subprocess.run(
        ["tesseract", path, "stdout", "-l", "vie", "--psm", "3", "tsv"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    if proc.returncode != 0:
        raise CorruptFile("Không nhận dạng được ảnh trang tài liệu (tesseract báo lỗi).")
    lines: dict[tuple, dict] = {}
    confs = []
    for row in proc.stdout.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        conf = float(cols[10])
        if conf >= 0:
            confs.append(conf)
        key = (int(cols[2]), int(cols[3]), int(cols[4]))  # block, paragraph, line
        left, top, width, height = (int(c) for c in cols[6:10])
        ln = lines.setdefault(key, {"words": [], "x0": left, "top": top, "x1": left + width, "bottom": top + height})
        ln["words"].append(text)
        ln["x0"] = min(ln["x0"], left)
        ln["top"] = min(ln["top"], top)
        ln["x1"] = max(ln["x1"], left + width)
        ln["bottom"] = max(ln["bottom"], top + height)
    out = [dict(v, text=" ".join(v["words"]), key=k) for k, v in lines.items()]
    out.sort(key=lambda d: d["key"])
    return out, (sum(confs) / len(confs) if confs else None)


def _lines_to_blocks(pages: list[tuple[int, list[dict]]], first_index: int) -> list[Block]:
    from contract_review.ingest.pdf_reader import _Line, _paragraphs

    lines = []
    for page_no, raw in pages:
        for d in raw:
            # pixel coordinates at OCR_DPI -> points, so the paragraph heuristics keep their scale
            k = 72.0 / OCR_DPI
            lines.append(_Line(page_no, d["x0"] * k, d["x1"] * k, d["top"] * k, d["bottom"] * k, d["text"], None, None))
    blocks = []
    for para in _paragraphs(lines):
        text = " ".join(ln.text for ln in para)
        blocks.append(Block(index=first_index + len(blocks), text=text, page=para[0].page))
    return blocks


def _ocr_images(images: list[tuple[int, bytes]]) -> list[tuple[int, list[dict], float | None]]:
    """OCR page images (PNG bytes) in parallel, one tesseract thread each."""
    with tempfile.TemporaryDirectory(prefix="cr-ocr-") as tmp:
        paths = []
        for page_no, png in images:
            path = os.path.join(tmp, f"p{page_no:04d}.png")
            with open(path, "wb") as fh:
                fh.write(png)
            paths.append((page_no, path))
        workers = max(1, min(len(paths), os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as ex:
            results = list(ex.map(lambda pp: (pp[0], *_ocr_image_file(pp[1])), paths))
    return results


def _notices_for(results: list[tuple[int, list[dict], float | None]]) -> list[Notice]:
    pages = [r[0] for r in results]
    notices = [Notice(code="ocr", message=(
        f"Các trang {', '.join(map(str, pages))} là bản quét và đã được nhận dạng ký tự (OCR). "
        "Văn bản nhận dạng có thể sai sót; hãy đối chiếu trích dẫn với bản gốc."
    ), pages=pages)]
    low = [r[0] for r in results if r[2] is not None and r[2] < LOW_CONFIDENCE]
    if low:
        notices.append(Notice(code="ocr_low_confidence", message=(
            f"Độ tin cậy nhận dạng thấp ở trang {', '.join(map(str, low))} (dưới {LOW_CONFIDENCE:.0f}%). "
            "Kết quả rà soát các trang này có thể bỏ sót điều khoản; nên dùng bản quét rõ hơn (300 dpi)."
        ), pages=low))
    return notices


def ocr_pdf_pages(data: bytes, blocks: list[Block], page_info: list[PageInfo], missing: list[int], limits: Limits):
    ok, why = tesseract_status()
    if not ok or not limits.ocr:
        if len(missing) == len(page_info):
            raise OcrUnavailable(
                OcrUnavailable.default_message + (f" Chi tiết: {why}." if why else "")
            )
        note = Notice(code="pages_not_read", pages=missing, message=(
            f"Các trang {', '.join(map(str, missing))} không có lớp văn bản (bản quét) và không thể nhận dạng "
            f"({why or 'OCR bị tắt'}). Nội dung các trang này CHƯA được rà soát."
        ))
        return blocks, page_info, [note]
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    images = []
    try:
        for n in missing:
            page = pdf[n - 1]
            bitmap = page.render(scale=OCR_DPI / 72, grayscale=True)
            buf = io.BytesIO()
            bitmap.to_pil().save(buf, format="PNG")
            images.append((n, buf.getvalue()))
            page.close()
    finally:
        pdf.close()
    results = _ocr_images(images)
    by_page: dict[int, list[Block]] = {}
    for page_no, lines, conf in results:
        info = page_info[page_no - 1]
        info.ocr = True
        info.ocr_confidence = round(conf, 1) if conf is not None else None
        info.has_text = bool(lines)
        by_page[page_no] = _lines_to_blocks([(page_no, lines)], 0)
    # merge OCR'd pages in page order with the text-layer blocks
    merged: list[Block] = []
    pages_sorted = sorted({b.page or 0 for b in blocks} | set(by_page))
    for p in pages_sorted:
        merged += [b for b in blocks if (b.page or 0) == p] if p not in by_page else by_page[p]
    for i, b in enumerate(merged):
        b.index = i
    return merged, page_info, _notices_for(results)


def read_image(data: bytes, limits: Limits) -> tuple[list[Block], list[PageInfo], list[Notice]]:
    """A scanned page (PNG, JPEG, multi-page TIFF)."""
    ok, why = tesseract_status()
    if not ok or not limits.ocr:
        raise OcrUnavailable(OcrUnavailable.default_message + (f" Chi tiết: {why}." if why else ""))
    from PIL import Image, ImageSequence, UnidentifiedImageError

    try:
        img = Image.open(io.BytesIO(data))
        frames = [f.copy() for f in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError) as e:
        raise CorruptFile("Tệp ảnh bị hỏng, không đọc được.") from e
    check_pages(len(frames), limits)
    images = []
    for n, frame in enumerate(frames, 1):
        buf = io.BytesIO()
        frame.convert("L").save(buf, format="PNG")
        images.append((n, buf.getvalue()))
    results = _ocr_images(images)
    infos = [PageInfo(number=p, has_text=bool(lines), ocr=True, ocr_confidence=round(c, 1) if c else None)
             for p, lines, c in results]
    blocks = _lines_to_blocks([(p, lines) for p, lines, _ in results], 0)
    for i, b in enumerate(blocks):
        b.index = i
    return blocks, infos, _notices_for(results)
