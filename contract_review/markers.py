"""Vietnamese clause markers ("Điều 5.", "Chương II", "5.1.", "a)", "-", "PHỤ LỤC 01" ...).

Shared ground-floor knowledge: the segmenter builds the clause tree from them, and the PDF/OCR
readers use them to tell a new paragraph from a wrapped line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

VI_LETTERS = "abcdđeghiklmnopqrstuvxy"
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}

_R_CHAPTER = re.compile(r"^(chương|phần)\s+([ivxlc]+|\d+)\b\s*[.:\-]?\s*(.*)$", re.I)
_R_SECTION = re.compile(r"^(mục)\s+([ivxlc]+|\d+)\b\s*[.:\-]?\s*(.*)$", re.I)
_R_ARTICLE = re.compile(r"^((?i:điều))\s+(\d{1,3})\s*(?:[.:\-]\s*|\s+(?=[A-ZĐÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ])|$)(.*)$")
_R_APPENDIX = re.compile(r"^(phụ\s+lục)(?:\s+(?:số\s*)?([0-9]{1,3}|[IVXLC]+|[A-Z])\b)?\s*[.:\-]?\s*(.*)$", re.I)
_R_ROMAN = re.compile(r"^([IVXLC]{1,6})\s*[.)]\s+(.*)$")
_R_DECIMAL = re.compile(r"^((?:[1-9]\d{0,2})(?:\.(?:[1-9]\d{0,2})){0,3})(\.|\))?(?=\s)\s*(.*)$")
_R_LETTER = re.compile(r"^\(?([a-zđ])\s*[).]\s+(.*)$")
_R_LOWER_ROMAN = re.compile(r"^\(?((?:i{1,3}|iv|v|vi{1,3}|ix|x))\s*\)\s+(.*)$")
_R_BULLET = re.compile(r"^([-+•*●▪○◦►❖✓➢→])\s*(.*)$")
_R_SIGNATURE = re.compile(
    r"^(đại diện|đại điện)\s+(bên|công ty|chủ đầu tư|khách hàng|người|ngân hàng)|^(bên [a-zđ]|bên bán|bên mua|khách hàng|"
    r"chủ đầu tư|người mua|người bán|thuê bao|bên thuê|bên cho thuê)\s*(\(ký.*\))?$",
    re.I,
)

@dataclass
class Marker:
    type: str  # appendix | chapter | section | article | roman | decimal1..4 | letter | lroman | bullet | signature
    number: str | None
    label: str
    title: str


def roman_to_int(s: str) -> int:
    s = s.upper()
    total = 0
    for i, ch in enumerate(s):
        v = _ROMAN[ch]
        if i + 1 < len(s) and _ROMAN[s[i + 1]] > v:
            total -= v
        else:
            total += v
    return total


def _is_upper_title(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) / len(letters) > 0.8


def _continues_sentence(t: str, m: re.Match) -> bool:
    """The words after "Chương II" / "Mục 3" carry on a sentence: no delimiter after the number and
    the rest starts with punctuation or a lower-case word."""
    head, rest = t[: m.start(3)], m.group(3)
    if re.search(r"[.:\-]\s*$", head) or not rest:
        return False
    return rest[0] in ";,)" or rest[0].islower()


def detect_marker(text: str) -> Marker | None:
    """The structure marker a paragraph starts with, if any."""
    t = text.strip()
    if not t:
        return None
    m = _R_ARTICLE.match(t)
    if m:
        return Marker("article", m.group(2), t[: m.start(3)].strip(), m.group(3).strip())
    m = _R_CHAPTER.match(t)
    if m and _continues_sentence(t, m):
        m = None  # "Chương II của Hợp đồng ..." / "Mục 6; ..." is a reference wrapped onto a new line
    if m and (len(t) < 160 or _is_upper_title(m.group(3))):
        num = m.group(2)
        n = str(roman_to_int(num)) if not num.isdigit() else num
        return Marker("chapter", n, t[: m.start(3)].strip(), m.group(3).strip())
    m = _R_SECTION.match(t)
    if m and _continues_sentence(t, m):
        m = None
    if m and len(t) < 160:
        num = m.group(2)
        n = str(roman_to_int(num)) if not num.isdigit() else num
        return Marker("section", n, t[: m.start(3)].strip(), m.group(3).strip())
    m = _R_APPENDIX.match(t)
    if m and len(t) < 160 and (m.group(2) or _is_upper_title(t[:20])) and (
        not m.group(3) or _is_upper_title(m.group(3)) or re.search(r"[.:\-]\s*$", t[: m.start(3)])
    ):
        num = m.group(2) or "1"
        if not num.isdigit():
            num = str(roman_to_int(num)) if re.fullmatch(r"[IVXLC]+", num) else str(ord(num) - 64)
        return Marker("appendix", str(int(num)), t[: m.start(3)].strip(), m.group(3).strip())
    m = _R_ROMAN.match(t)
    if m and len(m.group(1)) and re.fullmatch(r"[IVXLC]+", m.group(1)):
        return Marker("roman", str(roman_to_int(m.group(1))), t[: m.start(2)].strip(), m.group(2).strip())
    m = _R_DECIMAL.match(t)
    if m:
        num, delim, rest = m.group(1), m.group(2), m.group(3)
        depth = num.count(".") + 1
        # "1" alone needs a delimiter ("1." / "1)"); "5.1" may go without
        if (depth > 1 or delim) and rest:
            return Marker(f"decimal{depth}", num, t[: m.start(3)].strip(), rest.strip())
    m = _R_LOWER_ROMAN.match(t)
    if m and m.group(1) not in ("i", "v", "x") or (m and t.startswith("(")):
        return Marker("lroman", m.group(1), t[: m.start(2)].strip(), m.group(2).strip())
    m = _R_LETTER.match(t)
    if m and m.group(1) in VI_LETTERS and (")" in t[:4] or m.group(2)[:1].isupper()):
        return Marker("letter", m.group(1), t[: m.start(2)].strip(), m.group(2).strip())
    m = _R_BULLET.match(t)
    if m and m.group(2) and not re.match(r"^-\s*\d", t):
        return Marker("bullet", None, m.group(1), m.group(2).strip())
    if len(t) < 80 and _R_SIGNATURE.match(t):
        return Marker("signature", None, "", t)
    return None
