"""Form of the document (NĐ 55/2024/NĐ-CP Điều 6; Luật 19/2023/QH15 Điều 23 khoản 2): font size at
least 12 on paper, contrasting colours, Vietnamese language."""
from __future__ import annotations

import functools

import pytest

from conftest import SAMPLES, prepared
from renderers import render_docx, render_pdf

from contract_review.analyze.doccheck_language import classify
from contract_review.analyze.doccheck_layout import contrast_ratio, times_equivalent
from contract_review.analyze.formcheck import check_document
from contract_review.ingest import read_bytes
from contract_review.text import normalize_document
from contract_review.text.segment import segment

SAMPLE = "electricity-hdmbd"  # Điều 3 is the article set small; paragraphs 28–29 are Điều 2's first lines
GREY = "C8C8C8"


@functools.lru_cache(maxsize=None)
def rendered(fmt: str, small_article: int | None = None, body: float | None = None, grey: bool = False) -> bytes:
    colors = {28: GREY, 29: GREY} if grey else None
    if fmt == "docx":
        return render_docx(SAMPLE, small_article=small_article, body_size=body or 12.5, colors=colors)
    return render_pdf(SAMPLE, small_article=small_article, body_size=body or 12.0, colors=colors)[0]


def form_checks(data: bytes, name: str) -> dict:
    doc = normalize_document(read_bytes(data, name))
    checks, _, _ = check_document(doc, segment(doc))
    return {fc.code: fc for fc in checks}


# --------------------------------------------------------------------------- font size


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_article_in_10pt_is_flagged_with_its_location(fmt):
    fc = form_checks(rendered(fmt, small_article=3), f"hd.{fmt}")["F.ND6.2-FONT12"]
    assert fc.status == "fail"
    assert [loc.clause_id for loc in fc.locations] == ["D3"]
    assert fc.details["smallest"] == 10
    assert 0.05 < fc.details["share_below_12"] < 0.2
    assert "Điều 3" in fc.message and "văn bản giấy" in fc.message
    assert fc.provision.citation == "NĐ 55/2024/NĐ-CP, Điều 6, khoản 2"
    if fmt == "pdf":
        assert fc.locations[0].page and f"trang {fc.locations[0].page}" in fc.message
    else:
        assert fc.locations[0].paragraph is not None


@pytest.mark.parametrize("fmt,body", [("docx", 12.0), ("docx", 13.0), ("pdf", 12.0), ("pdf", 13.0)])
def test_same_content_at_12_to_13pt_passes(fmt, body):
    fc = form_checks(rendered(fmt, body=body), f"hd.{fmt}")["F.ND6.2-FONT12"]
    assert fc.status == "pass", fc.message
    assert fc.locations == []


def test_plain_text_cannot_be_checked_for_size_or_colour():
    checks, _, _ = check_document(*prepared(SAMPLE, "txt"))
    by = {fc.code: fc for fc in checks}
    for code in ("F.ND6.2-FONT12", "F.ND6.3-CONTRAST"):
        assert by[code].status == "unknown"
        assert "Không kiểm tra được" in by[code].message and "TXT" in by[code].message
    assert "văn bản giấy" in by["F.ND6.2-FONT12"].message


def test_equivalent_size_of_other_faces():
    assert times_equivalent(12, "Times New Roman") == 12
    assert times_equivalent(11, "Arial") > 12  # 11 pt Arial reads larger than 12 pt Times
    assert times_equivalent(10, "ABCDEF+DejaVuSerif") < 12
    assert times_equivalent(11, "Unknown Face") == 11


# --------------------------------------------------------------------------- contrast


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_pale_grey_on_white_is_flagged(fmt):
    fc = form_checks(rendered(fmt, grey=True), f"hd.{fmt}")["F.ND6.3-CONTRAST"]
    assert fc.status == "fail"
    assert [loc.clause_id for loc in fc.locations] == ["D2"]
    assert fc.details["worst_ratio"] < 2
    assert "C8C8C8" in fc.message and "4,5:1" in fc.message
    assert fc.provision.citation == "NĐ 55/2024/NĐ-CP, Điều 6, khoản 3"


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_black_on_white_passes(fmt):
    fc = form_checks(rendered(fmt), f"hd.{fmt}")["F.ND6.3-CONTRAST"]
    assert fc.status == "pass", fc.message


def test_contrast_ratio():
    assert contrast_ratio("000000", "FFFFFF") == pytest.approx(21)
    assert contrast_ratio("FFFFFF", "FFFFFF") == pytest.approx(1)
    assert contrast_ratio("C8C8C8", "FFFFFF") < 4.5 < contrast_ratio("767676", "FFFFFF")


# --------------------------------------------------------------------------- language

ENGLISH_ONLY = """SUBSCRIPTION AGREEMENT
This Agreement is made between Blue River Telecom Company (the "Company") and the Customer named below.
Article 1. Services
The Company shall provide mobile telecommunication services to the Customer under the selected plan.
Article 2. Fees and payment
The Customer shall pay the monthly fee by bank transfer before the 20th day of each month.
Article 3. Termination
Either party may terminate this Agreement by giving thirty days written notice to the other party.
Article 4. Governing law
This Agreement is governed by the laws of Vietnam and disputes shall be settled by the competent court.
"""

VIETNAMESE_WITH_TRANSLATION = """HỢP ĐỒNG CUNG CẤP DỊCH VỤ
Điều 1. Dịch vụ
Công ty cung cấp dịch vụ viễn thông di động cho Khách hàng theo gói cước đã chọn.
Điều 2. Cước và thanh toán
Khách hàng thanh toán cước hằng tháng bằng chuyển khoản trước ngày 20 hằng tháng.
Điều 3. Chấm dứt hợp đồng
Mỗi bên có quyền chấm dứt hợp đồng sau khi thông báo trước 30 ngày cho bên kia.
Điều 4. Luật áp dụng
Hợp đồng này được điều chỉnh bởi pháp luật Việt Nam; tranh chấp được giải quyết tại Tòa án có thẩm quyền.
ENGLISH TRANSLATION
Article 1. Services
The Company shall provide mobile telecommunication services to the Customer under the selected plan.
Article 2. Fees and payment
The Customer shall pay the monthly fee by bank transfer before the 20th day of each month.
Article 3. Termination
Either party may terminate this Agreement by giving thirty days written notice to the other party.
Article 4. Governing law
This Agreement is governed by the laws of Vietnam and disputes shall be settled by the competent court.
"""


def language_check(text: str):
    doc = normalize_document(read_bytes(text.encode("utf-8"), "hd.txt"))
    checks, _, _ = check_document(doc, segment(doc))
    return next(fc for fc in checks if fc.code == "F.A23.2-VI")


def test_english_only_contract_is_flagged():
    fc = language_check(ENGLISH_ONLY)
    assert fc.status == "fail" and fc.severity.value == "high"
    assert "tiếng Anh" in fc.message and "tiếng Việt" in fc.message
    assert fc.locations and fc.details["vietnamese_share"] < 0.05
    assert fc.provision.citation == "Luật 19/2023/QH15, Điều 23, khoản 2"


def test_vietnamese_contract_with_english_translation_passes():
    fc = language_check(VIETNAMESE_WITH_TRANSLATION)
    assert fc.status == "pass", fc.message
    assert "tiếng Anh" in fc.message  # the bilingual form is described, not hidden
    assert 0.3 < fc.details["foreign_share"] < 0.7


def test_vietnamese_without_diacritics_is_flagged():
    text = ("HOP DONG CUNG CAP DICH VU\nDieu 1. Ben A cung cap dich vu cho ben B theo goi cuoc da chon.\n"
            "Dieu 2. Ben B thanh toan cuoc hang thang truoc ngay 20 bang chuyen khoan.\n"
            "Dieu 3. Hai ben thoa thuan giai quyet tranh chap tai toa an co tham quyen.\n")
    fc = language_check(text)
    assert fc.status == "fail" and "không dấu" in fc.message


@pytest.mark.parametrize("text,kind", [
    ("Bên bán có nghĩa vụ giao căn hộ đúng thời hạn đã thỏa thuận.", "vi"),
    ("The seller shall deliver the apartment on the agreed date.", "foreign"),
    ("ben ban co nghia vu giao can ho dung thoi han da thoa thuan", "vi_bare"),
    ("Số: 123/2025", "neutral"),
])
def test_paragraph_language(text, kind):
    assert classify(text)[0] == kind


# --------------------------------------------------------------------------- every sample, as laid out


@pytest.mark.slow
@pytest.mark.parametrize("name,fmt", [(n, f) for n in SAMPLES for f in ("docx", "pdf")])
def test_laid_out_samples_raise_no_false_alarm(name, fmt):
    """The samples rendered in 12–14 pt black type, in Vietnamese and complete: as DOCX (Word numbering)
    and PDF (page layout) they must pass every form and content check the TXT version passes."""
    checks, reg, kind = check_document(*prepared(name, fmt))
    txt_checks, txt_reg, txt_kind = check_document(*prepared(name, "txt"))
    assert (kind, reg.sector, reg.required) == (txt_kind, txt_reg.sector, txt_reg.required)
    by = {fc.code: fc.status for fc in checks}
    assert by["F.A23.2-VI"] == by["F.ND6.2-FONT12"] == by["F.ND6.3-CONTRAST"] == "pass"
    assert {c: s for c, s in by.items() if c.startswith("M")} == {
        fc.code: fc.status for fc in txt_checks if fc.code.startswith("M")}


def test_pages_read_by_ocr_are_named_as_not_checked():
    doc, clauses = prepared(SAMPLE, "pdf")
    scanned = doc.model_copy(update={"page_info": [p.model_copy(update={"ocr": True}) if p.number == 2 else p
                                                   for p in doc.page_info]})
    checks, _, _ = check_document(scanned, clauses)
    for fc in checks:
        if fc.code in ("F.ND6.2-FONT12", "F.ND6.3-CONTRAST"):
            assert fc.details["pages_not_checked"] == [2] and "trang 2" in fc.message
