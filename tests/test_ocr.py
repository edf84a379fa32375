"""OCR building blocks: page preparation (deskew, ruled tables, dotted leaders), Tesseract output to
lines and blocks, running headers, notices, and what happens when Tesseract is missing.

Quality on whole rendered contracts (CER, findings) is in test_ocr_quality.py (slow)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import ImageDraw

import renderers
from contract_review.errors import OcrUnavailable
from contract_review.ingest import Limits, read_bytes
from contract_review.ingest import ocr
from contract_review.ingest import ocr_layout as layout
from contract_review.ingest import scan_image as si
from contract_review.ingest import tesseract as tess
from test_ocr_scans import cer, first_pages, image_pdf, mixed_pdf, text_image

HAVE_TESSERACT = ocr.tesseract_status()[0]
needs_tesseract = pytest.mark.skipif(not HAVE_TESSERACT, reason="tesseract-ocr-vie not installed")

BODY = [
    "Điều 5. Quyền và nghĩa vụ của Bên B",
    "1. Bên B có trách nhiệm cung cấp dịch vụ đúng chất lượng đã cam kết;",
    "2. Bên B bồi thường thiệt hại do lỗi của mình gây ra cho Hội viên.",
    "3. Hợp đồng được lập thành hai bản, mỗi bên giữ một bản.",
]


def _brute_runs(row: np.ndarray, length: int) -> np.ndarray:
    out = np.zeros_like(row)
    i = 0
    while i < len(row):
        if row[i]:
            j = i
            while j < len(row) and row[j]:
                j += 1
            if j - i >= length:
                out[i:j] = True
            i = j
        else:
            i += 1
    return out


# ----------------------------------------------------------------------------- page preparation


def test_long_runs_match_a_plain_scan():
    rng = np.random.default_rng(0)
    for _ in range(200):
        a = rng.random((3, int(rng.integers(1, 40)))) < 0.75
        n = int(rng.integers(1, 9))
        expected = np.array([_brute_runs(r, n) for r in a])
        assert (si.long_runs(a, n) == expected).all()
        assert (si.long_runs(a.T.copy(), n, axis=0) == expected.T).all()


@pytest.mark.parametrize("angle", [0.7, -0.5, 1.2])
def test_skew_is_measured_and_straightened(angle):
    img = text_image(BODY * 3)
    assert abs(si.skew_angle(img)) <= 0.1
    tilted = img.rotate(angle, fillcolor=255)
    assert si.skew_angle(tilted) == pytest.approx(-angle, abs=0.15)


def _table_image(cols: int = 3, rows: int = 3):
    img = text_image([""] * (rows * 2 + 2))
    d = ImageDraw.Draw(img)
    x0, y0, cw, rh = 250, 300, 600, 90
    for r in range(rows + 1):
        d.line([(x0, y0 + r * rh), (x0 + cols * cw, y0 + r * rh)], fill=0, width=3)
    for c in range(cols + 1):
        d.line([(x0 + c * cw, y0), (x0 + c * cw, y0 + rows * rh)], fill=0, width=3)
    return img, (x0, y0, cw, rh)


def test_ruled_table_is_found_and_its_rules_erased():
    img, (x0, y0, cw, rh) = _table_image()
    d = ImageDraw.Draw(img)
    d.rectangle([x0 + 40, y0 + 30, x0 + 120, y0 + 60], fill=0)  # "text" in the first cell
    prepared, grids, dots = si.prepare(img)
    assert len(grids) == 1 and not dots
    g = grids[0]
    assert len(g.rows) == 4 and len(g.cols) == 4
    assert g.cell(x0 + cw * 1.5, y0 + rh * 2.5) == (2, 1)
    assert g.cell(10, 10) is None
    arr = np.asarray(prepared) < 128
    assert not si.long_runs(arr, 150).any() and not si.long_runs(arr, 100, axis=0).any()
    assert arr[y0 + 35:y0 + 55, x0 + 45:x0 + 115].all()  # the cell's content survives


def test_a_framed_paragraph_is_not_a_table():
    img = text_image([""] * 8)
    ImageDraw.Draw(img).rectangle([250, 300, 2050, 700], outline=0, width=3)
    prepared, grids, _ = si.prepare(img)
    assert grids == []
    assert not (np.asarray(prepared) < 128).any()  # the frame is erased all the same


def test_dotted_leaders_are_counted_and_erased():
    img = text_image([
        "Họ tên: ............ Ngày sinh: ......",
        "Hợp đồng được thực hiện tại Hà Nội; chờ xem... rồi ký.",
        "Địa chỉ: ...................................................",
    ])
    prepared, grids, dots = si.prepare(img)
    assert sorted(d.count for d in dots) == [6, 12, 51]
    assert [d.count for d in sorted(dots, key=lambda d: (d.y, d.x0))] == [12, 6, 51]
    before, after = (np.asarray(img) < 128).sum(), (np.asarray(prepared) < 128).sum()
    assert 0 < before - after < 0.2 * before  # the dots went, the words stayed


def test_image_files_flattened_to_gray_paper_and_upscaled_when_small():
    from PIL import Image

    page = text_image(BODY)
    rgba = Image.new("RGBA", page.size, (0, 0, 0, 0))  # transparent background, black text
    rgba.putalpha(page.point(lambda v: 255 - v))
    flat = ocr._at_ocr_resolution(rgba, None)
    assert flat.mode == "L" and np.asarray(flat).mean() > 200
    deep = Image.fromarray((np.asarray(page, dtype=np.int32) * 257).astype(np.int32), mode="I")
    assert abs(np.asarray(ocr._at_ocr_resolution(deep, (300, 300))).mean() - np.asarray(page).mean()) < 2
    small = page.resize((page.width // 2, page.height // 2))
    assert ocr._at_ocr_resolution(small, (150, 150)).width == page.width
    assert ocr._at_ocr_resolution(small, None).width == page.width  # no dpi, narrower than A4 at 200 dpi
    phone = Image.new("L", (3000, 4000), 255)
    assert ocr._at_ocr_resolution(phone, (72, 72)).size == phone.size  # 72 dpi would be a 42-inch page


# ----------------------------------------------------------------------------- Tesseract output


TSV = "\n".join([
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext",
    "5\t1\t1\t1\t1\t1\t100\t100\t80\t40\t96.0\tSố:",
    "5\t1\t1\t1\t1\t2\t440\t100\t160\t40\t91.0\t/2025/HĐ",
    "5\t1\t1\t1\t2\t1\t100\t200\t200\t40\t95.0\tBÊN",
    "5\t1\t1\t1\t2\t2\t320\t200\t300\t40\t0.0\t..........-..--",
    "5\t1\t1\t1\t2\t3\t640\t200\t90\t40\t0.0\t<<c°2",
    "5\t1\t1\t1\t2\t4\t740\t200\t60\t40\t-1\t",
    "4\t1\t1\t1\t3\t0\t100\t300\t500\t40\t-1\t",
])


def test_tsv_words_junk_dropped_and_leaders_put_back():
    words = tess.parse_tsv(TSV)
    assert [w.text for w in words] == ["Số:", "/2025/HĐ", "BÊN", "..........-..--", "<<c°2"]
    clean = tess.clean_words(words)
    assert [w.text for w in clean] == ["Số:", "/2025/HĐ", "BÊN", ".........."]
    assert tess.confidence(clean) == pytest.approx((96 * 3 + 91 * 8 + 95 * 3 + 0) / (3 + 8 + 3 + 10))
    # a leader of 10 dots erased from the image between "Số:" and "/2025": put back without a space
    # where it touches the next word, with one where there was a gap
    leader = si.Leader(x0=200, x1=432, top=128, bottom=136, y=132.0, count=10, gap=10.0)
    lines = layout.page_lines(layout.with_leaders(clean[:2], [leader]))
    assert [ln["text"] for ln in lines] == ["Số: ........../2025/HĐ"]
    # a line of dots alone goes after the line above it
    alone = si.Leader(x0=100, x1=500, top=268, bottom=276, y=272.0, count=25, gap=10.0)
    lines = layout.page_lines(layout.with_leaders(clean[:3], [alone]))
    assert [ln["text"] for ln in lines] == ["Số: /2025/HĐ", "BÊN", "." * 25]


def _page(number: int, texts: list[str], height: int = 3508, rows=()) -> layout.OcrPage:
    lines = []
    for i, t in enumerate(texts):
        top = 150 if t.startswith("#head") else 3400 if t.startswith("#foot") else 400 + 70 * i
        t = t.replace("#head ", "").replace("#foot ", "")
        lines.append({"x0": 260, "top": top, "x1": 260 + 38 * len(t), "bottom": top + 50, "text": t})
    return layout.OcrPage(number=number, width=2480, height=height, lines=lines, rows=list(rows), confidence=95.0)


def test_running_headers_page_numbers_dropped_tolerating_ocr_errors():
    pages = [
        _page(1, ["#head Mẫu hợp đồng — bản dùng để đăng ký", "Điều 1. Phạm vi", "#foot Trang 1"]),
        _page(2, ["#head Mẫu hợp đồng - bản dùng đề đăng ký", "Điều 2. Giá", "#foot Trang 2/3"]),
        _page(3, ["#head Mẫu hợp đồng — bàn dùng để đăng ký", "Điều 3. Hiệu lực", "#foot - 3 -"]),
    ]
    layout.drop_running_lines(pages, [])
    assert [[ln["text"] for ln in p.lines] for p in pages] == [["Điều 1. Phạm vi"], ["Điều 2. Giá"], ["Điều 3. Hiệu lực"]]
    # one scanned page in a text PDF: the header seen on the text pages tells
    single = [_page(4, ["#head Mẫu hợp đồng - bản dùng để đăng ký", "#head CỘNG HÒA XÃ HỘI", "Điều 4. Khác"])]
    layout.drop_running_lines(single, ["Mẫu hợp đồng — bản dùng để đăng ký", "Trang 3"])
    assert [ln["text"] for ln in single[0].lines] == ["CỘNG HÒA XÃ HỘI", "Điều 4. Khác"]


def test_blocks_join_paragraphs_across_pages_and_keep_table_rows_in_place():
    long = "1. Bên B có trách nhiệm cung cấp dịch vụ liên tục, ổn định và bảo đảm chất lượng như"
    p1 = _page(1, ["Điều 1. Phạm vi", long])
    p1.lines[-1]["top"], p1.lines[-1]["bottom"] = 3000, 3050
    p1.lines[-1]["x1"] = 2220  # a full line: the paragraph goes on
    p1.lines.insert(1, {"x0": 260, "top": 500, "x1": 900, "bottom": 550, "text": "Bảng giá dưới đây:"})
    p1.rows = [(600.0, "Gói | Giá"), (690.0, "Cơ bản | 690.000")]
    p2 = _page(2, ["đã cam kết tại Điều 3."])
    p2.lines[0]["top"], p2.lines[0]["bottom"] = 300, 350
    blocks = layout.page_blocks([p1, p2])
    assert [(b.page, b.kind, b.text) for b in blocks] == [
        (1, "paragraph", "Điều 1. Phạm vi"),
        (1, "paragraph", "Bảng giá dưới đây:"),
        (1, "table_row", "Gói | Giá"),
        (1, "table_row", "Cơ bản | 690.000"),
        (1, "paragraph", long + " đã cam kết tại Điều 3."),
    ]


def test_lines_follow_the_page_not_tesseracts_block_order():
    page = _page(1, ["Điều 1. Phạm vi", "1. Mã căn hộ: B2-1507.", "2. Diện tích: theo Điều 3."])
    # Tesseract filed the second line of the heading in a block of its own, after "1."
    heading = {"x0": 260, "top": 330, "x1": 2000, "bottom": 380,
               "text": "(Kèm theo Hợp đồng mua bán căn hộ chung cư số"}
    wrapped = {"x0": 260, "top": 395, "x1": 900, "bottom": 445, "text": "......../2026/HĐMB)"}
    page.lines = [page.lines[0], heading, page.lines[1], wrapped, page.lines[2]]
    page.lines[0]["top"], page.lines[0]["bottom"] = 250, 300
    for ln, top in zip(page.lines[2::2], (480, 550)):
        ln["top"], ln["bottom"] = top, top + 50
    texts = [b.text for b in layout.page_blocks([page])]
    assert texts[1] == "(Kèm theo Hợp đồng mua bán căn hộ chung cư số ......../2026/HĐMB)"
    assert texts[2:] == ["1. Mã căn hộ: B2-1507.", "2. Diện tích: theo Điều 3."]


def test_notices_name_pages_and_confidence():
    pages = [_page(1, ["a"]), _page(2, ["b"]), _page(3, [])]
    pages[1].confidence = 52.4
    pages[2].confidence = None
    pages[0].rotated = 180
    by_code = {n.code: n for n in ocr._notices_for(pages)}
    assert by_code["ocr"].pages == [1, 2, 3] and "trang 1: 95%" in by_code["ocr"].message
    assert by_code["ocr_low_confidence"].pages == [2] and "dưới 70%" in by_code["ocr_low_confidence"].message
    assert by_code["ocr_empty_pages"].pages == [3] and "CHƯA được rà soát" in by_code["ocr_empty_pages"].message
    assert by_code["ocr_rotated"].pages == [1]


def test_page_lists_are_compact():
    assert ocr._pages_list([5, 1, 2, 3, 7, 8]) == "1–3, 5, 7–8"
    pages = [_page(n, ["x"]) for n in range(1, 13)]
    pages[6].confidence = 71.0
    msg = ocr._notices_for(pages)[0].message
    assert "Các trang 1–12" in msg and "thấp nhất 71% (trang 7)" in msg


def test_a_page_tesseract_fails_on_is_named_not_read(monkeypatch, engine):
    from contract_review.errors import CorruptFile

    def fake(img, number):
        if number == 2:
            raise CorruptFile("tesseract crashed")
        return _page(number, ["Điều 1. Phạm vi áp dụng của hợp đồng này"])

    monkeypatch.setattr(ocr, "_read_page", fake)
    monkeypatch.setattr(ocr, "tesseract_status", lambda: (True, ""))
    doc = read_bytes(_scan_pdf(), "scan.pdf")
    assert [(i.number, i.ocr) for i in doc.page_info] == [(1, True), (2, False)]
    unread = next(n for n in doc.notices if n.code == "pages_not_read")
    assert unread.pages == [2] and "CHƯA được rà soát" in unread.message
    assert next(n for n in doc.notices if n.code == "ocr").pages == [1]
    assert engine.review_document(doc).summary.verdict == "unreadable"
    monkeypatch.setattr(ocr, "_read_page", lambda img, number: fake(img, 2))
    with pytest.raises(CorruptFile):
        read_bytes(_scan_pdf(), "scan.pdf")


@needs_tesseract
def test_a_small_scanned_strip_reads_back_with_its_table_and_leaders():
    lines = ["Ông/Bà: ....................  Số điện thoại: ..........", *BODY, "", "", "", ""]
    img = text_image(lines)
    d = ImageDraw.Draw(img)
    from PIL import ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 46)
    top = 250 + 80 * (len(lines) - 3)
    for r, (a, b) in enumerate([("Gói", "Phí (đồng)"), ("Cơ bản", "690.000")]):
        y = top + r * 90
        d.text((290, y + 18), a, font=font, fill=0)
        d.text((1090, y + 18), b, font=font, fill=0)
    for r in range(3):
        d.line([(250, top + r * 90), (1850, top + r * 90)], fill=0, width=3)
    for x in (250, 1050, 1850):
        d.line([(x, top), (x, top + 180)], fill=0, width=3)
    page = ocr.ocr_page(img, 1)
    texts = [ln["text"] for ln in page.lines]
    assert texts[0] == "Ông/Bà: .................... Số điện thoại: .........."
    assert cer("\n".join(texts[1:]), "\n".join(BODY)) < 0.03
    assert [r for _, r in page.rows] == ["Gói | Phí (đồng)", "Cơ bản | 690.000"]
    assert page.confidence > 80


# ----------------------------------------------------------------------------- Tesseract missing


@pytest.fixture
def no_tesseract(monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_status", lambda: (False, "không tìm thấy chương trình tesseract"))


def _scan_pdf() -> bytes:
    return image_pdf([text_image(BODY), text_image(BODY[:2])])


def test_all_scanned_without_tesseract_is_refused(no_tesseract):
    with pytest.raises(OcrUnavailable) as e:
        read_bytes(_scan_pdf(), "scan.pdf")
    assert "tesseract" in e.value.message and "quét" in e.value.message
    assert e.value.to_dict()["error"]["code"] == "ocr_unavailable"
    with pytest.raises(OcrUnavailable):
        read_bytes(_scan_pdf(), "scan.pdf", Limits(ocr=False))
    import io

    buf = io.BytesIO()
    text_image(BODY).save(buf, format="PNG")
    with pytest.raises(OcrUnavailable):
        read_bytes(buf.getvalue(), "scan.png")


@pytest.fixture(scope="module")
def mixed_two_pages() -> bytes:
    return mixed_pdf(first_pages(renderers.render_pdf("gym-membership")[0], 2), {2})


def test_mixed_pdf_without_tesseract_is_marked_unreadable(no_tesseract, engine, mixed_two_pages):
    report = engine.review_bytes(mixed_two_pages, "mixed.pdf")
    unread = [n for n in report.notices if n.code == "pages_not_read"]
    assert len(unread) == 1 and unread[0].pages == [2]
    assert "CHƯA được rà soát" in unread[0].message and "tesseract" in unread[0].message
    assert report.summary.verdict == "unreadable"
    assert "chưa đọc được" in report.summary.verdict_text
    assert report.document.ocr_pages == []
    assert report.clauses and all(2 not in c.pages for c in report.clauses)  # page 1 was still read


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_TESSERACT, reason="needs a real PATH lookup to remove")
def test_cli_exit_2_with_a_vietnamese_line_when_tesseract_is_missing(tmp_path):
    scan = tmp_path / "hop-dong-scan.pdf"
    scan.write_bytes(_scan_pdf())
    env = dict(os.environ, PATH=os.path.dirname(sys.executable))  # python yes, tesseract no
    proc = subprocess.run([sys.executable, "-m", "contract_review.cli", "review", str(scan)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith("contract-review: hop-dong-scan.pdf: Tài liệu là bản quét")
    assert "không tìm thấy chương trình tesseract" in err
    assert proc.stdout == ""


# ----------------------------------------------------------------------------- tone correction


def _words(spec: str) -> list:
    """"thanh toán đây:80 đủ" -> words, confidence 96 unless given."""
    out = []
    for k, token in enumerate(spec.split()):
        text, _, conf = token.rpartition(":") if re.search(r":\d+$", token) else (token, "", "96")
        out.append(tess.Word(text, float(conf), 100 * k, 0, 100 * k + 90, 40, (1, 1, 1)))
    return out


@pytest.mark.parametrize("read,expected", [
    ("thanh toán đây:80 đủ, đúng hạn", "thanh toán đầy đủ, đúng hạn"),
    ("thanh toán đây đủ, đúng hạn", "thanh toán đây đủ, đúng hạn"),  # read with confidence: kept
    ("Bên B chịu chỉ:79 phí kiểm định", "Bên B chịu chi phí kiểm định"),
    ("ĐIỀU KHOẢN THỊ:74 HÀNH", "ĐIỀU KHOẢN THI HÀNH"),
    ("Chỉ:70 tiết cước", "Chi tiết cước"),
    ("trường hợp. ĐIỀU:80 6: QUYỀN", "trường hợp. ĐIỀU 6: QUYỀN"),  # no pair across punctuation
    ("hợp đồng:60 này", "hợp đồng này"),  # already a word
])
def test_doubtful_tones_corrected_by_the_lexicon(read, expected):
    from contract_review.ingest.ocr_correct import correct_tones

    assert " ".join(w.text for w in correct_tones(_words(read))) == expected


def test_without_the_lexicon_words_are_left_alone(monkeypatch):
    from contract_review.ingest import ocr_correct

    ocr_correct.lexicon.cache_clear()
    monkeypatch.setattr(ocr_correct, "_lexicon_path", lambda: None)
    try:
        words = _words("thanh toán đây:80 đủ")
        assert ocr_correct.correct_tones(words) == words
    finally:
        ocr_correct.lexicon.cache_clear()
