"""Segmentation of Vietnamese contract structure into a clause tree."""
import pytest

from contract_review.model import Block, Document
from contract_review.text import normalize_document
from contract_review.text.segment import detect_marker, segment


def seg(text: str):
    blocks = [Block(index=i, text=line) for i, line in enumerate(l for l in text.strip().splitlines() if l.strip())]
    doc = normalize_document(Document(name="t.txt", sha256="0", kind="txt", blocks=blocks))
    return doc, segment(doc)


@pytest.mark.parametrize("line,kind,number", [
    ("Điều 5. Quyền và nghĩa vụ của Bên B", "article", "5"),
    ("ĐIỀU 5: QUYỀN VÀ NGHĨA VỤ", "article", "5"),
    ("Điều 5 - Quyền của Bên B", "article", "5"),
    ("Điều 12 Hiệu lực của hợp đồng", "article", "12"),
    ("Chương II. THỰC HIỆN HỢP ĐỒNG", "chapter", "2"),
    ("CHƯƠNG 3: ĐIỀU KHOẢN CHUNG", "chapter", "3"),
    ("Mục 3. Bảo hành", "section", "3"),
    ("PHỤ LỤC 01", "appendix", "1"),
    ("Phụ lục số 2: Bảng giá", "appendix", "2"),
    ("II. PHẠM VI ÁP DỤNG", "roman", "2"),
    ("5.1. Bên A có trách nhiệm", "decimal2", "5.1"),
    ("5.1.2 Chi tiết", "decimal3", "5.1.2"),
    ("3. Bên B thanh toán", "decimal1", "3"),
    ("a) Hộ gia đình;", "letter", "a"),
    ("đ) Trường hợp khác;", "letter", "đ"),
    ("(ii) khoản thứ hai", "lroman", "ii"),
    ("- Địa chỉ liên lạc", "bullet", None),
    ("+ Số điện thoại", "bullet", None),
    ("• Thư điện tử", "bullet", None),
])
def test_markers(line, kind, number):
    mk = detect_marker(line)
    assert mk is not None and mk.type == kind and mk.number == number


@pytest.mark.parametrize("line", [
    "Điều khoản này có hiệu lực từ ngày ký.",       # "Điều khoản", not an article
    "Điều 3 của Hợp đồng này quy định về giá.",       # a reference to an article, lowercase after
    "Mục đích sử dụng: sinh hoạt gia đình.",        # "Mục đích"
    "Phụ lục 01 là bộ phận không tách rời của Hợp đồng.",
    "2.000.000 đồng là mức phí tối thiểu.",          # an amount, not numbering
    "15 ngày kể từ ngày nhận được thông báo.",
])
def test_not_markers(line):
    mk = detect_marker(line)
    assert mk is None or mk.type not in ("article", "section", "appendix", "decimal1", "decimal2")


TEXT = """
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
HỢP ĐỒNG MUA BÁN ĐIỆN
1. Căn cứ Bộ luật Dân sự số 91/2015/QH13;
BÊN A: CÔNG TY ĐIỆN LỰC SÔNG LAM
- Địa chỉ: số 1 đường Lê Lợi
Chương I. QUY ĐỊNH CHUNG
Điều 1. Giải thích từ ngữ
Trong hợp đồng này các từ ngữ được hiểu như sau:
1. Bên A là bên bán điện.
2. Bên B là bên mua điện, gồm:
a) Hộ gia đình;
b) Cá nhân thuê nhà;
đ) Khác:
- ý thứ nhất
- ý thứ hai
ĐIỀU 2: GIÁ ĐIỆN
2.1. Giá điện theo quy định của Nhà nước.
2.2. Bên A điều chỉnh giá khi:
a) Có quyết định mới;
2.2.1. Chi tiết thêm.
Chương II - THỰC HIỆN
Điều 3 - Hiệu lực
Hợp đồng có hiệu lực từ ngày ký.
ĐẠI DIỆN BÊN A
(Ký, ghi rõ họ tên)
PHỤ LỤC 01
MÔ TẢ THIẾT BỊ
Điều 1. Nội dung phụ lục
1. Công tơ điện tử một pha.
"""


def test_tree_ids_and_headings():
    doc, clauses = seg(TEXT)
    by = {c.id: c for c in clauses}
    ids = [c.id for c in clauses]
    assert ids[:6] == ["MD.1", "MD.2", "MD.3", "MD.4", "MD.5", "MD.6"]  # title block and parties: preamble
    assert by["D1"].heading == ["Chương I. QUY ĐỊNH CHUNG", "Điều 1. Giải thích từ ngữ"]
    assert "Trong hợp đồng này" in by["D1"].text  # the unnumbered lead-in belongs to the article
    assert by["D1.K2.b"].heading[-2:] == ["Khoản 2", "Điểm b"]
    assert "D1.K2.dd" in by and by["D1.K2.dd.g2"].text == "- ý thứ hai"
    assert by["D2.K1"].text.startswith("2.1.") and by["D2.K2.a"].parent == "D2.K2"
    assert by["D2.K2.1"].level == "subclause"
    assert by["D3"].heading[0] == "Chương II - THỰC HIỆN"
    assert by["CK.1"].level == "signature" and "(Ký, ghi rõ họ tên)" in by["CK.1"].text
    # numbering restarts inside the appendix, under its own prefix
    assert by["PL1"].level == "appendix" and "MÔ TẢ THIẾT BỊ" in by["PL1"].text
    assert by["PL1.D1.K1"].heading == ["PHỤ LỤC 01", "Điều 1. Nội dung phụ lục", "Khoản 1"]
    assert len(set(ids)) == len(ids)


def test_spans_slice_the_normalized_text():
    doc, clauses = seg(TEXT)
    for c in clauses:
        assert doc.text[c.start:c.end] == c.text


def test_web_style_numbering_without_articles():
    doc, clauses = seg("""
ĐIỀU KHOẢN SỬ DỤNG
1. GIỚI THIỆU
1.1. Sàn là nơi người bán đăng bán hàng hóa.
1.2. Người mua đặt hàng trên Sàn:
• bằng ứng dụng;
• bằng trang web.
2. ĐƠN HÀNG
2.1. Đơn hàng được xác nhận qua thư điện tử.
""")
    ids = [c.id for c in clauses]
    assert ids == ["MD.1", "D1", "D1.K1", "D1.K2", "D1.K2.g1", "D1.K2.g2", "D2", "D2.K1"]


def test_vietnamese_letter_order_and_long_clause_sentences():
    long = "a) " + " ".join(["Bên B có nghĩa vụ thanh toán đầy đủ và đúng hạn."] * 8)
    doc, clauses = seg(f"Điều 1. Nghĩa vụ\n1. Bên B:\n{long}\nb) Bảo quản thiết bị.\nc) Thông báo.\nd) Phối hợp.\nđ) Khác.\ne) Cuối.")
    ids = [c.id for c in clauses]
    assert ids[-6:] == ["D1.K1.a", "D1.K1.b", "D1.K1.c", "D1.K1.d", "D1.K1.dd", "D1.K1.e"]
    assert len(clauses[2].sentences) == 8


def test_unnumbered_capital_headings_group_restarting_numbers():
    doc, clauses = seg("""
ĐIỀU KIỆN CHUNG VỀ DỊCH VỤ DU LỊCH
Áp dụng cho khách hàng đặt tour trọn gói.
PHẠM VI ÁP DỤNG
1. Điều kiện này áp dụng cho mọi tour trọn gói.
2. Chương trình tour là một phần của hợp đồng.
HỦY TOUR VÀ HOÀN TIỀN
1. Khách hàng hủy tour trước 30 ngày được hoàn toàn bộ tiền.
Lịch hoàn tiền được gửi kèm theo xác nhận đặt tour.
""")
    by_id = {c.id: c for c in clauses}
    assert [c.id for c in clauses] == ["MD.1", "MD.2", "H1", "H1.D1", "H1.D2", "H2", "H2.D1"]
    assert by_id["H2"].level == "heading"
    assert by_id["H2.D1"].heading == ["HỦY TOUR VÀ HOÀN TIỀN", "1. Khách hàng hủy tour trước 30 ngày được hoàn toàn bộ tiền."]
    # the heading is not glued to the end of the clause before it
    assert by_id["H1.D2"].text == "2. Chương trình tour là một phần của hợp đồng."
    assert by_id["H2.D1"].text.endswith("xác nhận đặt tour.")


def test_capital_line_inside_an_article_stays_text_but_groups_articles():
    doc, clauses = seg("""
HỢP ĐỒNG DỊCH VỤ
Điều 1. Giá
1. Giá theo bảng sau.
BẢNG GIÁ DỊCH VỤ NĂM 2026
Giá đã gồm thuế giá trị gia tăng.
QUY ĐỊNH VỀ CHẤM DỨT
Điều 2. Chấm dứt
1. Khách hàng được chấm dứt hợp đồng bất cứ lúc nào.
""")
    by_id = {c.id: c for c in clauses}
    assert "BẢNG GIÁ DỊCH VỤ NĂM 2026" in by_id["D1.K1"].text
    assert by_id["D2"].heading[0] == "QUY ĐỊNH VỀ CHẤM DỨT"
    assert "QUY ĐỊNH VỀ CHẤM DỨT" not in by_id["D1.K1"].text


def test_markdown_html_and_word_headings():
    from contract_review.ingest import read_bytes

    md = "# Điều khoản sử dụng\n\n## Phạm vi\n\n1. Áp dụng cho người dùng ứng dụng.\n\n## Phí dịch vụ\n\n1. Phí được niêm yết công khai.\n"
    html = ("<html><body><h1>Điều khoản sử dụng</h1><h2>Phạm vi</h2><p>1. Áp dụng cho người dùng ứng dụng.</p>"
            "<h2>Phí dịch vụ</h2><p>1. Phí được niêm yết công khai.</p></body></html>")
    import io

    import docx

    d = docx.Document()
    d.add_paragraph("Điều khoản sử dụng", style="Title")
    for title, item in (("Phạm vi", "1. Áp dụng cho người dùng ứng dụng."), ("Phí dịch vụ", "1. Phí được niêm yết công khai.")):
        d.add_paragraph(title, style="Heading 1")  # mixed case: only the Word style says it is a heading
        d.add_paragraph(item)
    buf = io.BytesIO()
    d.save(buf)
    for name, data in (("t.md", md.encode()), ("t.html", html.encode()), ("t.docx", buf.getvalue())):
        doc = normalize_document(read_bytes(data, name))
        ids = [c.id for c in segment(doc)]
        assert ids == ["MD.1", "H1", "H1.D1", "H2", "H2.D1"], (name, ids)
