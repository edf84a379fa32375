"""OCR quality on rendered sample contracts: character error rate against the text layer, the same
findings as the text version, mixed PDFs page by page, turned pages and image files.

Pages are rendered at 300 dpi (clean) or degraded like an office scan (rotation within ±1°, blur,
grey paper, sensor noise, JPEG at quality 50): see test_ocr_scans.py. Figures for all samples are in
benchmarks/RESULTS.md (benchmarks/bench_ocr.py)."""
from __future__ import annotations

import io
from difflib import SequenceMatcher

import pytest

import renderers
from contract_review.ingest import read_bytes
from contract_review.ingest import ocr, tesseract
from test_ocr_scans import cer, comparable, degrade, image_pdf, mixed_pdf, page_images, page_texts, scanned_pdf

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ocr.tesseract_status()[0], reason="tesseract-ocr-vie not installed"),
]

SAMPLE = "gym-membership"  # 5 pages: fill-in lines, a ruled fee table, about a dozen findings


@pytest.fixture(scope="module")
def text_pdf() -> bytes:
    return renderers.render_pdf(SAMPLE)[0]


@pytest.fixture(scope="module")
def reference(text_pdf) -> dict[int, str]:
    return page_texts(read_bytes(text_pdf, f"{SAMPLE}.pdf"))


@pytest.fixture(scope="module")
def noisy_scan(text_pdf) -> bytes:
    return scanned_pdf(text_pdf, noisy=True, seed=11)


def test_cer_under_3_percent_on_clean_300dpi_renders(text_pdf, reference):
    doc = read_bytes(scanned_pdf(text_pdf, pages=[1, 2]), "scan.pdf")
    got = page_texts(doc)
    for p in (1, 2):  # page 1: fill-in dotted lines; page 2: the ruled fee table
        assert cer(got[p], reference[p]) < 0.03, (p, got[p])
    assert all(i.ocr and i.ocr_confidence > 85 for i in doc.page_info)


def test_scanned_contract_gives_the_findings_of_its_text_version(engine, noisy_scan, reference):
    text_report = engine.review_bytes(renderers.render_txt(SAMPLE), f"{SAMPLE}.txt")
    doc = read_bytes(noisy_scan, f"{SAMPLE}-scan.pdf")  # what Engine.review_bytes does, kept to measure CER
    scan_report = engine.review_document(doc)

    def same(f, others) -> bool:
        return any(g.code == f.code and (g.clause_id == f.clause_id or SequenceMatcher(
            None, comparable(f.text), comparable(g.text)).ratio() >= 0.9) for g in others)

    assert len(text_report.findings) >= 5  # enough to measure (the rule set and model change over time)
    matched = [f for f in text_report.findings if same(f, scan_report.findings)]
    assert len(matched) >= 0.9 * len(text_report.findings), [
        (f.clause_id, f.code) for f in text_report.findings if f not in matched]
    extra = [g for g in scan_report.findings if not same(g, text_report.findings)]
    assert len(extra) <= 0.1 * len(text_report.findings)
    # the report says which pages were read by OCR, and how well
    assert scan_report.document.ocr_pages == [1, 2, 3, 4, 5]
    notice = next(n for n in scan_report.notices if n.code == "ocr")
    assert notice.pages == [1, 2, 3, 4, 5] and "nhận dạng ký tự (OCR)" in notice.message
    assert scan_report.summary.verdict == "needs_changes"
    # and the noisy scan reads almost as well as a clean one
    got = page_texts(doc)
    total = sum(len(comparable(t)) for t in reference.values())
    errors = sum(cer(got.get(p, ""), t) * len(comparable(t)) for p, t in reference.items())
    assert errors / total < 0.03
    assert all(i.ocr_confidence > 80 for i in doc.page_info)


def test_mixed_pdf_is_read_page_by_page(text_pdf):
    text_doc = read_bytes(text_pdf, "text.pdf")
    doc = read_bytes(mixed_pdf(text_pdf, {2, 4}), "mixed.pdf")
    assert [(i.number, i.ocr) for i in doc.page_info] == [(1, False), (2, True), (3, False), (4, True), (5, False)]
    assert next(n for n in doc.notices if n.code == "ocr").pages == [2, 4]
    assert [b.page for b in doc.blocks] == [b.page for b in text_doc.blocks]
    assert [b.kind for b in doc.blocks] == [b.kind for b in text_doc.blocks]
    for a, b in zip(text_doc.blocks, doc.blocks):  # same order, same text (up to OCR slips)
        assert SequenceMatcher(None, comparable(a.text), comparable(b.text)).ratio() > 0.9, (a.text, b.text)
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    assert not any("bản dùng để đăng ký" in b.text for b in doc.blocks)  # the running header


@pytest.mark.skipif(not tesseract.has_osd(), reason="tesseract-ocr-osd not installed")
def test_upside_down_page_is_turned_before_reading(text_pdf, reference):
    page = page_images(text_pdf, pages=[3])[0].rotate(180)
    doc = read_bytes(image_pdf([page]), "upside-down.pdf")
    assert any(n.code == "ocr_rotated" and n.pages == [1] for n in doc.notices)
    assert cer(page_texts(doc)[1], reference[3]) < 0.03


def test_image_files_png_tiff_and_low_resolution_jpeg(text_pdf, reference):
    from PIL import Image

    p4, p5 = page_images(text_pdf, pages=[4, 5])
    tiff = io.BytesIO()
    p4.save(tiff, format="TIFF", save_all=True, append_images=[degrade(p5, seed=2)], dpi=(300, 300))
    doc = read_bytes(tiff.getvalue(), "scan.tiff")
    assert doc.kind == "image" and doc.pages == 2
    got = page_texts(doc)
    assert cer(got[1], reference[4]) < 0.03 and cer(got[2], reference[5]) < 0.03
    # a phone-app JPEG at 150 dpi is upscaled before reading
    small = p5.resize((p5.width // 2, p5.height // 2), Image.LANCZOS)
    jpeg = io.BytesIO()
    small.save(jpeg, format="JPEG", quality=80, dpi=(150, 150))
    doc = read_bytes(jpeg.getvalue(), "scan.jpg")
    assert cer(page_texts(doc)[1], reference[5]) < 0.05


def test_copier_ocr_layer_without_vietnamese_marks_is_replaced(text_pdf, reference):
    """A copier's own OCR, blind to Vietnamese, hides "Hop dong" as invisible text under the scan:
    the page is read again (rules would find nothing in text without marks)."""
    import unicodedata

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    renderers._register_fonts()
    plain = ["".join(ch for ch in unicodedata.normalize("NFD", line) if not unicodedata.combining(ch))
             .replace("đ", "d").replace("Đ", "D") for line in reference[3].splitlines()]
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(page_images(text_pdf, pages=[3])[0]), 0, 0, width=A4[0], height=A4[1])
    t = c.beginText(60, 780)
    t.setTextRenderMode(3)  # invisible, as OCR layers are
    t.setFont("DejaVuSerif", 10)
    for line in plain:
        t.textLine(line[:110])
    c.drawText(t)
    c.showPage()
    c.save()
    doc = read_bytes(buf.getvalue(), "copier.pdf")
    assert doc.page_info[0].ocr
    body = [b.text for b in doc.blocks if not b.text.startswith("Mẫu hợp đồng")]
    assert cer("\n".join(body), reference[3]) < 0.03


def test_scanned_page_under_a_stamp_text_layer_is_still_read(text_pdf, reference):
    """A portal stamped "bản sao điện tử" as text over the scan: the thin text layer must not hide
    the page (it used to count as a text page, and the contract itself went unread)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    renderers._register_fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(page_images(text_pdf, pages=[3])[0]), 0, 0, width=A4[0], height=A4[1])
    c.setFont("DejaVuSerif", 8)
    c.drawString(40, 12, "Bản sao điện tử từ Cổng dịch vụ công - mã hồ sơ 000.00.12.H47-251128-0042")
    c.showPage()
    c.save()
    doc = read_bytes(buf.getvalue(), "stamped.pdf")
    assert doc.page_info[0].ocr
    texts = [b.text for b in doc.blocks]
    assert texts[-1].startswith("Bản sao điện tử")  # the stamp, read from the image
    body = [t for t in texts if not t.startswith(("Bản sao điện tử", "Mẫu hợp đồng"))]  # stamp, running header
    assert cer("\n".join(body), reference[3]) < 0.03
