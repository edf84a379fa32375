"""Scan simulation and character error rate, shared by the OCR tests and benchmarks/bench_ocr.py.

A sample contract is rendered to PDF (tests/renderers.py), its pages rasterized with pypdfium2 and,
for "noisy" scans, degraded the way an office scanner degrades paper: a slight rotation, mild blur,
speckle, JPEG compression, grayscale. The images are wrapped into an image-only PDF (PIL), which is
what a registration dossier scanned from paper looks like.

The unit tests at the bottom check the helpers themselves (the edit distance against a plain DP).
"""
from __future__ import annotations

import io
import random
import unicodedata

import numpy as np
import pytest

from contract_review.text.normalize import normalize_text

SCAN_DPI = 300


# ----------------------------------------------------------------------------- images


def page_images(pdf: bytes, dpi: int = SCAN_DPI, pages: list[int] | None = None):
    """Grayscale PIL images of the PDF's pages (1-based `pages`, all by default)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        numbers = pages or list(range(1, len(doc) + 1))
        out = []
        for n in numbers:
            page = doc[n - 1]
            out.append(page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
            page.close()
        return out
    finally:
        doc.close()


def degrade(img, seed: int = 0, angle: float | None = None, blur: float = 0.7):
    """A plausible office scan of a printed page: rotation within ±1°, blur, grey paper, sensor
    noise. (JPEG artefacts come when the page is stored in the PDF: `image_pdf`.)"""
    from PIL import Image, ImageFilter

    rng = random.Random(seed)
    if angle is None:
        angle = rng.uniform(0.4, 1.0) * rng.choice((-1, 1))
    out = img.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(blur))
    arr = np.asarray(out, dtype=np.int16)
    noise = np.random.default_rng(seed).normal(0, 6, arr.shape)  # sensor noise
    arr = np.clip(arr * 0.92 + 12 + noise, 0, 255).astype(np.uint8)  # grey paper, not quite black ink
    return Image.fromarray(arr, mode="L")


def image_pdf(images, dpi: int = SCAN_DPI, jpeg_quality: int = 95) -> bytes:
    """An image-only PDF (no text layer), one JPEG image per page, as scanners store them."""
    buf = io.BytesIO()
    first, *rest = images
    first.save(buf, format="PDF", save_all=True, append_images=rest, resolution=dpi, quality=jpeg_quality)
    return buf.getvalue()


def scanned_pdf(pdf: bytes, noisy: bool = False, pages: list[int] | None = None, seed: int = 0) -> bytes:
    imgs = page_images(pdf, pages=pages)
    if noisy:
        return image_pdf([degrade(im, seed=seed + i) for i, im in enumerate(imgs)], jpeg_quality=50)
    return image_pdf(imgs)


def mixed_pdf(pdf: bytes, scanned_pages: set[int]) -> bytes:
    """The PDF with the given pages (1-based) replaced by their scanned images; the rest keep text."""
    import pypdfium2 as pdfium

    scans = pdfium.PdfDocument(scanned_pdf(pdf, pages=sorted(scanned_pages)))
    out = pdfium.PdfDocument(pdf)
    try:
        for k, n in enumerate(sorted(scanned_pages)):
            out.del_page(n - 1)
            out.import_pages(scans, [k], index=n - 1)
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        scans.close()


def first_pages(pdf: bytes, n: int) -> bytes:
    """The PDF cut to its first n pages."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(pdf)
    out = pdfium.PdfDocument.new()
    try:
        out.import_pages(src, list(range(min(n, len(src)))))
        buf = io.BytesIO()
        out.save(buf)
        return buf.getvalue()
    finally:
        out.close()
        src.close()


FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


def text_image(lines: list[str], width: int = 2480, pt: float = 12, dpi: int = SCAN_DPI, margin: int = 250):
    """A white page strip with the lines typeset in DejaVu Serif (as a scanner would see print)."""
    from PIL import Image, ImageDraw, ImageFont

    px = round(pt * dpi / 72)
    font = ImageFont.truetype(FONT, px)
    pitch = round(px * 1.6)
    img = Image.new("L", (width, 2 * margin + pitch * len(lines)), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * pitch), line, font=font, fill=0)
    return img


# ----------------------------------------------------------------------------- error rate


def levenshtein(a: str, b: str) -> int:
    """Edit distance, one numpy row at a time: insertions along a row are a running minimum of
    (t[k] - k) + j, so each row costs a few vector operations instead of a Python loop."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return len(a)
    bb = np.array([ord(c) for c in b], dtype=np.int64)
    idx = np.arange(len(b) + 1, dtype=np.int64)
    prev = idx.copy()
    t = np.empty_like(prev)
    for ch in a:
        t[0] = prev[0] + 1
        np.minimum(prev[1:] + 1, prev[:-1] + (bb != ord(ch)), out=t[1:])
        prev = np.minimum.accumulate(t - idx) + idx
    return int(prev[-1])


def comparable(text: str) -> str:
    """What the CER compares: the pipeline's normalized text, table cell bars dropped (the text layer
    gives "a | b", a scan gives "a b"), whitespace collapsed."""
    text = normalize_text(text.replace("|", " "))
    return " ".join(unicodedata.normalize("NFC", text).split())


def cer(hypothesis: str, reference: str) -> float:
    ref, hyp = comparable(reference), comparable(hypothesis)
    return levenshtein(hyp, ref) / max(1, len(ref))


def page_texts(doc) -> dict[int, str]:
    """Text of each page of an ingested Document, blocks joined in reading order."""
    out: dict[int, list[str]] = {}
    for b in doc.blocks:
        out.setdefault(b.page or 0, []).append(b.text)
    return {p: "\n".join(ts) for p, ts in out.items()}


# ----------------------------------------------------------------------------- tests of the helpers


def _dp(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@pytest.mark.parametrize("a,b", [
    ("", ""), ("", "abc"), ("kitten", "sitting"), ("Hợp đồng", "Hop dong"), ("điều", "Điều khoản"),
    ("ab" * 20, "ba" * 21), ("bên bán", "bên mua"),
])
def test_levenshtein_matches_plain_dp(a, b):
    assert levenshtein(a, b) == _dp(a, b) == levenshtein(b, a)


def test_levenshtein_random_strings():
    rng = random.Random(7)
    for _ in range(40):
        a = "".join(rng.choice("aăâđêôơưb ") for _ in range(rng.randint(0, 30)))
        b = "".join(rng.choice("aăâđêôơưb ") for _ in range(rng.randint(0, 30)))
        assert levenshtein(a, b) == _dp(a, b)


def test_cer_ignores_spacing_and_table_bars():
    assert cer("Gói  hội viên\nThời hạn", "Gói hội viên | Thời hạn") == 0.0
    assert cer("Hop dong", "Hợp đồng") == pytest.approx(3 / 8)


def test_degraded_scan_is_an_image_only_pdf():
    from PIL import Image, ImageDraw

    img = Image.new("L", (400, 200), 255)
    ImageDraw.Draw(img).text((20, 80), "Dieu 1. Pham vi", fill=0)
    noisy = degrade(img, seed=3)
    assert noisy.size == img.size and noisy.mode == "L"
    assert np.asarray(noisy).std() > 0
    pdf = image_pdf([noisy, img])
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == 2 and doc[0].get_textpage().get_text_range().strip() == ""
