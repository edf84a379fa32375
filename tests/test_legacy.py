"""Legacy Vietnamese encodings: TCVN3 (ABC, ".VnTime" fonts) and VNI ("VNI-Times" fonts).

The letter table is built from Unicode (12 vowels x 6 tones, đ; both cases); the legacy spellings
come from our encoder and are checked against viparse's decoder wherever viparse knows the letter.
Sample contracts converted to TCVN3 text, a VNI-font DOCX and a .VnTime DOCX must give the same
clause tree and the same findings as their Unicode versions.
"""
from __future__ import annotations

import io
import re
import unicodedata

import pytest

import renderers
from contract_review.ingest import read_bytes
from contract_review.model import Block, StyleSpan
from contract_review.text import legacy, normalize_document
from contract_review.text.segment import segment

TONES = legacy.TONES
VOWELS = legacy.VOWELS
SAMPLE = "gym-membership"


def _letters() -> list[str]:
    out = []
    for base in VOWELS:
        for tone in TONES:
            lower = unicodedata.normalize("NFC", base + tone)
            out += [lower, lower.upper()]
    return out + ["đ", "Đ"]


LETTERS = _letters()
# Capitals that TCVN3 (VN3) codes on their own; every other toned capital is written with the
# small letter's code in an all-capitals font (.VnTimeH)
TCVN3_OWN_CAPITALS = set("ĂÂÊÔƠƯĐ")


def test_the_table_covers_every_letter():
    assert len(LETTERS) == 12 * 6 * 2 + 2 == len(set(LETTERS))
    assert all(unicodedata.is_normalized("NFC", ch) and len(ch) == 1 for ch in LETTERS)
    for enc in ("tcvn3", "vni"):
        table = legacy.tables()[enc]
        assert {ch for ch in LETTERS if not ch.isascii()} == set(table)


@pytest.mark.parametrize("letter", LETTERS)
def test_vni_every_letter_round_trips(letter):
    seq = legacy.encode(letter, "vni")
    assert seq.encode("latin-1")  # a VNI font's code points are single bytes
    assert 1 <= len(seq) <= 2
    assert legacy.decode(seq, "vni")[0] == letter
    if not letter.isascii() and len(seq) == 2:
        assert seq[0] in "aeiouyAEIOUYôöÔÖ"  # base letter + mark
    assert legacy.decode(f"x{seq}x", "vni")[0] == f"x{letter}x"


@pytest.mark.parametrize("letter", LETTERS)
def test_tcvn3_every_letter_round_trips(letter):
    seq = legacy.encode(letter, "tcvn3")
    assert len(seq.encode("latin-1")) == 1  # one byte per letter
    toned_capital = letter.isupper() and not letter.isascii() and letter not in TCVN3_OWN_CAPITALS
    # (inside a word: a toned letter starting a paragraph is read as a capital)
    if toned_capital:
        assert seq == legacy.encode(letter.lower(), "tcvn3")
        assert legacy.decode(seq, "tcvn3", caps=True)[0] == letter  # as drawn by .VnTimeH
        assert legacy.decode(f"x{seq}", "tcvn3")[0] == f"x{letter.lower()}"
    else:
        assert legacy.decode(f"x{seq}x", "tcvn3")[0] == f"x{letter}x"


@pytest.mark.parametrize("enc", ["tcvn3", "vni"])
def test_agrees_with_viparse_decoder(enc):
    """viparse (trained on real legacy documents) decodes our spellings to the same letters; the
    only exceptions are letters its tables lack, which it leaves unconverted."""
    from viparse.normalize.tables import convert as viparse_convert
    from viparse.normalize.tcvn3 import TCVN3
    from viparse.normalize.vni import VNI

    charmap = {"tcvn3": TCVN3, "vni": VNI}[enc]
    gaps = set()
    for letter in LETTERS:
        seq = legacy.encode(letter, enc)
        got = viparse_convert(seq, charmap)
        toned_capital = letter.isupper() and not letter.isascii() and letter not in TCVN3_OWN_CAPITALS
        expected = letter.lower() if enc == "tcvn3" and toned_capital else letter
        if got != expected:
            assert got == seq, (letter, seq, got)  # untouched, never another letter
            gaps.add(letter)
    assert gaps <= {"ẳ", "Ẳ", "ỵ", "Ỵ"}
    # and viparse's own spelling of ỵ (y + nặng) reads as ỵ too
    if enc == "vni":
        assert legacy.convert("yï Yï YÏ", "vni") == "ỵ Ỵ Ỵ"


def test_phrases_as_they_look_in_old_files():
    assert legacy.convert("Hîp ®ång mua b¸n ®iÖn", "tcvn3") == "Hợp đồng mua bán điện"
    assert legacy.convert("Hôïp ñoàng mua baùn ñieän", "vni") == "Hợp đồng mua bán điện"
    assert legacy.convert("Thñ t\u2212íng, nhµ n\u2212íc; 3 \u2212 2", "tcvn3") == "Thủ tướng, nhà nước; 3 \u2212 2"


@pytest.mark.parametrize("unicode_text", [
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐIỀU 5. QUYỀN VÀ NGHĨA VỤ CỦA CÁC BÊN",
    "BÊN A (BÊN CUNG CẤP DỊCH VỤ): CÔNG TY CỔ PHẦN ĐIỆN NĂNG",
    "BÊN BÁN NHÀ Ở (sau đây gọi tắt là \"Bên bán\"):",
    "Số: ........../2025/HĐHV-TA",
    "Số CCCD/Hộ chiếu: ........",
    "(Áp dụng cho hội viên cá nhân)",
    "Ông/Bà: ........ Ký, ghi rõ họ tên. Ủy quyền cho Bên B.",
    "của Ủy ban nhân dân tỉnh",
    "(Ký, ghi rõ họ tên)",
])
def test_tcvn3_capitals_restored(unicode_text):
    assert legacy.convert(legacy.encode(unicode_text, "tcvn3"), "tcvn3") == unicode_text


def test_font_names():
    assert legacy.font_encoding(".VnTime") == legacy.font_encoding(".VnArialH") == "tcvn3"
    assert legacy.font_encoding("ABCDEF+.VnTime") == "tcvn3"
    assert legacy.font_encoding("VnTimeH") == "tcvn3"
    assert legacy.font_encoding("VNI-Times") == legacy.font_encoding("vni-helve") == "vni"
    assert legacy.font_encoding("Times New Roman") is None and legacy.font_encoding(None) is None
    assert legacy.font_encoding("Vni Times") is None or legacy.font_encoding("Vni Times") == "vni"
    assert legacy.font_is_caps(".VnTimeH") and legacy.font_is_caps(".VnArial NarrowH")
    assert not legacy.font_is_caps(".VnTime") and not legacy.font_is_caps("VNI-Helve")


def test_runs_convert_by_font_and_styles_stay_on_their_letters():
    # "Điều 1. " label (Unicode font), then VNI text split between runs in the middle of a letter
    # (base "o" in one run, its marks in the next), a bold run, and a .VnTimeH run in capitals.
    label = "Điều 1. "
    vni_a, vni_b = "Hô", "ïp ñoàng "
    bold = "mua baùn"
    caps = " h\xeep \xae\xe5ng"  # TCVN3 lowercase codes, drawn as capitals by .VnTimeH
    text = label + vni_a + vni_b + bold + caps
    cuts = [0, len(label), len(label) + len(vni_a), len(label) + len(vni_a) + len(vni_b),
            len(text) - len(caps), len(text)]
    fonts = ["Times New Roman", "VNI-Times", "VNI-Times", "VNI-Times", ".VnTimeH"]
    spans = [StyleSpan(start=a, end=b, font=f, bold=(f == "VNI-Times" and k == 3), size=13.0)
             for k, (a, b, f) in enumerate(zip(cuts, cuts[1:], fonts))]
    block = Block(index=0, text=text, styles=spans, numbering="Điều 1.")
    out, enc = legacy.convert_block_by_fonts(block)
    assert enc == "tcvn3" or enc == "vni"
    assert out.text == "Điều 1. Hợp đồng mua bán HỢP ĐỒNG"
    got = {s.font: out.text[s.start:s.end] for s in out.styles if s.font != "VNI-Times" or s.bold}
    assert got["Times New Roman"] == "Điều 1. "
    assert got["VNI-Times"] == "mua bán"  # the bold run
    assert got[".VnTimeH"] == " HỢP ĐỒNG"
    assert out.styles[0].start == 0 and out.styles[-1].end == len(out.text)
    assert all(a.end == b.start for a, b in zip(out.styles, out.styles[1:]))  # still contiguous
    assert out.numbering == "Điều 1."


def test_unicode_text_left_in_a_legacy_font_is_not_converted_again():
    text = "Bên B không được đơn phương chấm dứt hợp đồng."
    block = Block(index=0, text=text, styles=[StyleSpan(start=0, end=len(text), font="VNI-Times")])
    assert legacy.convert_block_by_fonts(block) == (block, None)


def test_whole_text_conversion_keeps_pdf_style_spans():
    src = "Hôïp ñoàng naøy coù hieäu löïc keå töø ngaøy kyù. Beân A coù traùch nhieäm cung caáp dòch vuï."
    spans = [StyleSpan(start=0, end=10, size=14.0, bold=True), StyleSpan(start=10, end=len(src), size=12.0)]
    block = Block(index=0, text=src, styles=spans, page=1)
    out = legacy.convert_block(block, "vni")
    assert out.text.startswith("Hợp đồng này có hiệu lực")
    assert out.text[out.styles[0].start:out.styles[0].end] == "Hợp đồng"
    assert out.styles[1].end == len(out.text)


def test_document_offsets_consistent_after_conversion():
    data = _legacy_docx(renderers.render_docx(SAMPLE), "vni")
    doc = normalize_document(read_bytes(data, "vni.docx"))
    assert doc.encoding == "vni"
    for b in doc.blocks:
        assert doc.text[b.start:b.end] == b.text
        for s in b.styles:
            assert 0 <= s.start < s.end <= len(b.text)
    assert not re.search(r"[ñöïøû]", doc.text)  # nothing left in VNI spelling


def test_pdf_text_layer_in_a_legacy_font_is_converted():
    """A PDF typeset in .VnTime gives its TCVN3 codes back as text; ư and ã come out as U+2212 and
    U+2219 (the glyph names of those slots), which must still read as letters."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    renderers._register_fonts()
    lines = [ln[:80] for ln in renderers.render_txt(SAMPLE).decode("utf-8").splitlines()[:40]]

    def pdf(texts: list[str]) -> bytes:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4)
        y = 800
        for t in texts:
            c.setFont("DejaVuSerif", 10)
            c.drawString(50, y, t)
            y -= 20
            if y < 60:
                c.showPage()
                y = 800
        c.save()
        return buf.getvalue()

    as_extracted = [legacy.encode(t, "tcvn3").replace("\xad", "\u2212").replace("\xb7", "\u2219") for t in lines]
    old = normalize_document(read_bytes(pdf(as_extracted), "vntime.pdf"))
    new = normalize_document(read_bytes(pdf(lines), "unicode.pdf"))
    assert old.encoding == "tcvn3"
    assert " ".join(old.text.split()) == " ".join(new.text.split())
    for b in old.blocks:  # sizes from the PDF stay on their characters
        assert b.styles and b.styles[-1].end == len(b.text) and all(s.size == 10 for s in b.styles)


# ----------------------------------------------------------------------------- whole contracts


def _legacy_docx(data: bytes, encoding: str) -> bytes:
    """The DOCX with its text in a legacy font: every run (and the numbering labels) re-typed in
    the encoding. TCVN3: paragraphs in capitals use the .VnTimeH font with small-letter codes, as
    typists did, and ư is Word's soft hyphen (how Word stores byte 0xAD typed in .VnTime)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    font = {"vni": "VNI-Times", "tcvn3": ".VnTime"}[encoding]
    d = docx.Document(io.BytesIO(data))
    d.styles["Normal"].font.name = font
    for lvl_text in d.part.numbering_part.element.iter(qn("w:lvlText")):
        lvl_text.set(qn("w:val"), legacy.encode(lvl_text.get(qn("w:val")), encoding))
    paragraphs = list(d.paragraphs) + [p for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs]
    for p in paragraphs:
        caps = encoding == "tcvn3" and p.text.isupper() and len(p.text) > 3
        for run in p.runs:
            text = run.text
            run.font.name = ".VnTimeH" if caps else font
            run.text = legacy.encode(text.lower() if caps else text, encoding)
            if encoding == "tcvn3":  # ư as <w:softHyphen/>
                for t in run._r.findall(qn("w:t")):
                    pieces = (t.text or "").split("\xad")
                    if len(pieces) == 1:
                        continue
                    t.text = pieces[0]
                    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                    anchor = t
                    for piece in pieces[1:]:
                        hy = OxmlElement("w:softHyphen")
                        anchor.addnext(hy)
                        nt = OxmlElement("w:t")
                        nt.text = piece
                        nt.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                        hy.addnext(nt)
                        anchor = nt
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _tree(report):
    return [(c.id, c.level, c.text) for c in report.clauses]


def _findings(report):
    return sorted((f.clause_id, f.code, f.severity.value) for f in report.findings)


@pytest.mark.parametrize("name", [SAMPLE, "paytv-dkgdc"])  # paytv: headings in capitals ("ĐIỀU 1: PHẠM VI")
def test_tcvn3_text_file_same_clauses_and_findings(engine, name):
    unicode_txt = renderers.render_txt(name)
    tcvn3_txt = legacy.encode(unicode_txt.decode("utf-8"), "tcvn3").encode("latin-1")
    assert b"H\xeep \xae\xe5ng" in tcvn3_txt  # "Hợp đồng" as an old ABC file stores it
    base = engine.review_bytes(unicode_txt, f"{name}.txt")
    old = engine.review_bytes(tcvn3_txt, f"{name}-abc.txt")
    assert old.document.encoding == "tcvn3"
    assert any(n.code == "legacy_encoding" and "TCVN3" in n.message for n in old.notices)
    assert _tree(old) == _tree(base)
    assert _findings(old) == _findings(base) and base.findings


@pytest.mark.parametrize("encoding", ["vni", "tcvn3"])
def test_legacy_font_docx_same_clauses_and_findings(engine, encoding):
    unicode_docx = renderers.render_docx(SAMPLE)
    old_docx = _legacy_docx(unicode_docx, encoding)
    base = engine.review_bytes(unicode_docx, f"{SAMPLE}.docx")
    old = engine.review_bytes(old_docx, f"{SAMPLE}-{encoding}.docx")
    assert old.document.encoding == encoding
    assert _tree(old) == _tree(base)
    assert _findings(old) == _findings(base) and base.findings
    # the font-size checks still see the runs' sizes
    sizes = {fc.code: fc.status for fc in base.form_checks}
    assert {fc.code: fc.status for fc in old.form_checks} == sizes


def test_unicode_text_is_never_converted():
    for name in ("gym-membership", "water-hdcn"):
        doc = normalize_document(read_bytes(renderers.render_txt(name), f"{name}.txt"))
        assert doc.encoding is None
    spanish = ("El contrato de compraventa señala que el vendedor entregará la mercancía en el "
               "almacén del comprador; la garantía cubre defectos de fabricación durante un año.")
    assert legacy.detect(spanish) is None


def test_clause_tree_prepared_from_legacy_text_matches():
    unicode_text = renderers.render_txt("water-hdcn").decode("utf-8").replace("☐", "[ ]")  # no ☐ in VNI
    txt = legacy.encode(unicode_text, "vni").encode("latin-1")
    doc = normalize_document(read_bytes(txt, "water-vni.txt"))
    base = normalize_document(read_bytes(unicode_text.encode("utf-8"), "water.txt"))
    assert doc.encoding == "vni" and doc.text == base.text
    assert [(c.id, c.text) for c in segment(doc)] == [(c.id, c.text) for c in segment(base)]
