import unicodedata

import pytest

from contract_review.text.normalize import normalize, normalize_text
from contract_review.text.tokenize import sentence_spans, tokenize


@pytest.mark.parametrize("raw,expected", [
    ("Hoà giải tại Toà án", "Hòa giải tại Tòa án"),
    ("UỶ BAN NHÂN DÂN, thuỷ lợi, khoẻ mạnh, Thoả thuận", "ỦY BAN NHÂN DÂN, thủy lợi, khỏe mạnh, Thỏa thuận"),
    ("quý khách, quỳ, hoàn tiền, khoản", "quý khách, quỳ, hoàn tiền, khoản"),  # qu- and closed syllables untouched
    ("“Bên A”\u00a0– ÐIỀU 3…", '"Bên A" - ĐIỀU 3...'),
    ("  nhiều   khoảng\ttrắng \n dòng ", "nhiều khoảng trắng dòng"),
    ("mã\u200bẩn\u00ad", "mãẩn"),
])
def test_normalize_forms(raw, expected):
    assert normalize_text(raw) == expected


def test_nfd_input_becomes_nfc_with_offsets():
    raw = unicodedata.normalize("NFD", "Điều 5. Hoà giải, bồi thường")
    text, offsets = normalize(raw)
    assert text == "Điều 5. Hòa giải, bồi thường"
    assert unicodedata.is_normalized("NFC", text)
    assert len(offsets) == len(text)
    # every output char maps to the start of its source cluster, monotonically
    assert offsets == sorted(offsets)
    i = text.index("bồi")
    assert raw[offsets[i]:offsets[i] + 1] == "b"


def test_tokens_align_to_characters_despite_rewrites():
    text = 'Công ty có quyền đơn phương điều chỉnh giá cước (2.000.000 đồng)... "Bên A" đồng ý.'
    toks = tokenize(text)
    assert [t.text for t in toks][:5] == ["Công ty", "có", "quyền", "đơn phương", "điều chỉnh"]
    for t in toks:
        assert text[t.start:t.end] == t.text


def test_sentence_split_keeps_numbering_and_abbreviations():
    text = "Theo khoản 1.1. Điều 2 của Hợp đồng, Bên A có trụ sở tại TP. Hồ Chí Minh. Bên B thanh toán trong 05 ngày. Hết."
    spans = sentence_spans(text)
    parts = [text[a:b] for a, b in spans]
    assert parts[0].endswith("Hồ Chí Minh.")
    assert parts[1] == "Bên B thanh toán trong 05 ngày."
