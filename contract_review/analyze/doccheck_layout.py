"""Presentation of the form (NĐ 55/2024/NĐ-CP Điều 6): font size at least 12 (khoản 2, paper contracts)
and text colour contrasting with its background (khoản 3).

Both read the style runs the readers attach to blocks (DOCX run sizes and colours, PDF character sizes
and fill colours). Plain text and HTML carry neither, so the checks say "not checkable" instead of
passing silently; pages read by OCR have no styles either and are named as not checked. Table cells
count like any other text (a fee table in 9 pt is what the rule is about); page numbers, footnote marks
and signature lines do not.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from contract_review.analyze.categories import categories
from contract_review.analyze.outline import Outline
from contract_review.model import Block, FormCheck, Location, StyleSpan

FONT_CODE = "F.ND6.2-FONT12"
CONTRAST_CODE = "F.ND6.3-CONTRAST"
MIN_SIZE = 12.0
MIN_CONTRAST = 4.5  # WCAG 2.x level AA, normal text
MIN_CONTRAST_LARGE = 3.0  # WCAG: text of 18 pt, or 14 pt bold, and larger
MIN_CHARS = 12  # a run of small or pale text shorter than this (a footnote mark, "*") is not reported

# x-height of common faces relative to Times New Roman (0.448 em): "size 12 Times New Roman or an
# equivalent size" compares what the reader sees, so 11 pt Arial reads like 12.7 pt Times.
_X_HEIGHT = {
    "timesnewroman": 0.448, "times": 0.448, "liberationserif": 0.448, "tinos": 0.448, "nimbusroman": 0.448,
    "arial": 0.519, "helvetica": 0.523, "liberationsans": 0.519, "arimo": 0.519, "nimbussans": 0.523,
    "calibri": 0.466, "cambria": 0.466, "georgia": 0.481, "tahoma": 0.545, "verdana": 0.545,
    "segoeui": 0.500, "roboto": 0.528, "opensans": 0.535, "notosans": 0.536, "notoserif": 0.536,
    "dejavusans": 0.519, "dejavuserif": 0.519, "couriernew": 0.423, "garamond": 0.400, "vntime": 0.448,
}
_PAGE_NUMBER = re.compile(r"^\s*(trang|page)?\s*[-–]?\s*\d+\s*([/–-]\s*\d+)?\s*[-–]?\s*$", re.I)
_SIGNATURE_HINT = re.compile(r"\(\s*(ký|đóng dấu|ghi rõ)|(ký tên|ký, ghi rõ|đóng dấu)\b", re.I)  # "(Ký, ghi rõ họ tên)"


def vi_number(x: float, fmt: str) -> str:
    """Numbers as Vietnamese readers write them: 11,2% and 1,6:1."""
    return format(x, fmt).replace(".", ",")


def times_equivalent(size: float, font: str | None) -> float:
    """The Times New Roman size that looks as large as `size` in `font` (same x-height)."""
    return size * _x_height_ratio(font) if font else size


@functools.lru_cache(maxsize=256)
def _x_height_ratio(font: str) -> float:
    key = re.sub(r"[^a-z]", "", font.split("+")[-1].lower())  # "ABCDEF+DejaVuSerif-Bold" -> "dejavuserifbold"
    for name, xh in _X_HEIGHT.items():
        if key.startswith(name):
            return xh / _X_HEIGHT["timesnewroman"]
    return 1.0


@dataclass
class Region:
    """Consecutive flagged blocks within one article."""
    unit_id: str
    unit_label: str
    blocks: list[Block] = field(default_factory=list)
    chars: int = 0
    worst: float = 0.0

    @property
    def pages(self) -> list[int]:
        return sorted({b.page for b in self.blocks if b.page})


def _skip_block(outline: Outline, b: Block) -> bool:
    """Page numbers, signature lines and empty blocks are not body text."""
    if _PAGE_NUMBER.match(b.text):
        return True
    c = outline.block_clause.get(b.index)
    if c is not None and (c.level == "signature" or any(a.level == "signature" for a in outline.ancestors(c))):
        return True
    return bool(_SIGNATURE_HINT.match(b.text.strip())) and len(b.text) < 80


def _chars(b: Block, s: StyleSpan) -> int:
    """Visible characters of a run (normalized text has single spaces)."""
    seg = b.text[s.start:s.end]
    return len(seg) - seg.count(" ")


def _regions(outline: Outline, flagged: list[tuple[Block, int, float]]) -> list[Region]:
    regions: list[Region] = []
    for b, n, worst in flagged:
        c = outline.block_clause.get(b.index)
        u = outline.unit_of.get(c.id) if c is not None else None
        uid = u.id if u is not None else (c.id if c is not None else f"block{b.index}")
        label = outline.describe(c) if c is not None else f"đoạn {b.index + 1}"
        if not regions or regions[-1].unit_id != uid:
            regions.append(Region(uid, label))
        r = regions[-1]
        r.blocks.append(b)
        r.chars += n
        r.worst = worst if not r.worst else (min(r.worst, worst))
    return regions


def _locations(outline: Outline, regions: list[Region], limit: int = 8) -> list[Location]:
    out = []
    for r in regions[:limit]:
        b = r.blocks[0]
        c = outline.block_clause.get(b.index)
        out.append(Location(clause_id=r.unit_id if not r.unit_id.startswith("block") else (c.id if c else None),
                            page=b.page, paragraph=b.paragraph, excerpt=b.text[:160]))
    return out


def _describe(regions: list[Region], limit: int = 4) -> str:
    parts = []
    for r in regions[:limit]:
        pages = r.pages
        where = ""
        if pages:
            where = f", trang {pages[0]}" if len(pages) == 1 else f", trang {pages[0]}–{pages[-1]}"
        parts.append(f"{r.unit_label}{where}")
    more = f" và {len(regions) - limit} chỗ khác" if len(regions) > limit else ""
    return "; ".join(parts) + more


def _ocr_note(outline: Outline, what: str) -> tuple[str, list[int]]:
    pages = [p.number for p in outline.doc.page_info if p.ocr]
    if not pages:
        return "", []
    shown = ", ".join(map(str, pages[:10])) + ("…" if len(pages) > 10 else "")
    return f" Các trang quét được nhận dạng ký tự (trang {shown}) không có thông tin {what} nên chưa được kiểm tra.", pages


def _no_layout(outline: Outline) -> str | None:
    doc = outline.doc
    if doc.kind in ("txt", "md", "html"):
        return {"txt": "văn bản thuần (TXT)", "md": "Markdown", "html": "HTML"}[doc.kind]
    if doc.kind == "image":
        return "ảnh quét"
    return None


# --------------------------------------------------------------------------- font size


def _check_result(outline: Outline, code: str, name: str, what: str):
    """A FormCheck builder for a layout check; pages read by OCR (no font or colour information) are
    named in the message of a pass/fail verdict, since the verdict does not cover them."""
    cat = categories()[code]
    note, ocr_pages = _ocr_note(outline, what)

    def result(status, message, locations=(), details=None) -> FormCheck:
        if status in ("pass", "fail") and note:
            message += note
            details = {**(details or {}), "pages_not_checked": ocr_pages}
        return FormCheck(code=code, name=name, provision=cat.provision, status=status,  # type: ignore[arg-type]
                         severity=cat.severity, message=message, locations=list(locations), details=details or {})
    return result


def check_font_size(outline: Outline) -> FormCheck:
    paper_note = ("Yêu cầu cỡ chữ tối thiểu 12 (Times New Roman hoặc cỡ tương đương) áp dụng khi hợp đồng "
                  "được giao kết bằng văn bản giấy.")

    result = _check_result(outline, FONT_CODE, "Cỡ chữ tối thiểu 12 (văn bản giấy)", "cỡ chữ")

    fmt = _no_layout(outline)
    if fmt:
        return result("unknown", f"Không kiểm tra được cỡ chữ: tệp {fmt} không chứa thông tin cỡ chữ. {paper_note} "
                                 "Hãy rà soát bản DOCX hoặc PDF dùng để in.")
    total = small = 0
    smallest: float | None = None
    flagged: list[tuple[Block, int, float]] = []
    seen_sizes = False
    for b in outline.doc.blocks:
        if _skip_block(outline, b):
            continue
        n_small = 0
        worst = None
        for s in b.styles:
            if s.size is None:
                continue
            seen_sizes = True
            n = _chars(b, s)
            total += n
            eq = times_equivalent(s.size, s.font)
            if eq < MIN_SIZE - 0.05:
                n_small += n
                worst = s.size if worst is None else min(worst, s.size)
        if n_small:
            small += n_small
            smallest = worst if smallest is None else min(smallest, worst)
            if n_small >= MIN_CHARS:
                flagged.append((b, n_small, worst))
    if not seen_sizes or total == 0:
        return result("unknown", f"Không kiểm tra được cỡ chữ: tệp không ghi cỡ chữ cho phần nội dung. {paper_note}")
    share = small / total
    details = {"share_below_12": round(share, 4), "chars_below_12": small, "chars": total,
               "smallest": smallest, "threshold": MIN_SIZE}
    if not flagged:
        return result("pass", f"Toàn bộ nội dung có cỡ chữ từ 12 trở lên. {paper_note}", details=details)
    regions = _regions(outline, flagged)
    details["regions"] = [{"clause_id": r.unit_id, "pages": r.pages, "chars": r.chars, "smallest": r.worst}
                          for r in regions]
    return result("fail", f"{vi_number(share, '.1%')} nội dung có cỡ chữ nhỏ hơn 12 (nhỏ nhất {vi_number(smallest, 'g')} pt), tại: "
                          f"{_describe(regions)}. {paper_note} Cần tăng cỡ chữ các phần này lên ít nhất 12.",
                  _locations(outline, regions), details)


# --------------------------------------------------------------------------- contrast


def _luminance(hex6: str) -> float:
    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex6[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


@functools.lru_cache(maxsize=1024)
def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG 2.x contrast ratio of two "RRGGBB" colours (1 to 21)."""
    a, b = _luminance(fg), _luminance(bg)
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def _hex(c: str | None, default: str) -> str:
    if not c:
        return default
    c = c.strip().lstrip("#").upper()
    return c if re.fullmatch(r"[0-9A-F]{6}", c) else default


def check_contrast(outline: Outline) -> FormCheck:

    result = _check_result(outline, CONTRAST_CODE, "Màu chữ tương phản với màu nền", "màu chữ")

    fmt = _no_layout(outline)
    if fmt:
        return result("unknown", f"Không kiểm tra được màu chữ và màu nền: tệp {fmt} không chứa thông tin màu. "
                                 "Hãy rà soát bản DOCX hoặc PDF.")
    total = low = 0
    worst_ratio: float | None = None
    flagged: list[tuple[Block, int, float]] = []
    pairs: dict[tuple[str, str], int] = {}
    for b in outline.doc.blocks:
        if _PAGE_NUMBER.match(b.text):
            continue
        n_low = 0
        worst = None
        for s in b.styles:
            n = _chars(b, s)
            if not n:
                continue
            fg, bg = _hex(s.color, "000000"), _hex(s.background, "FFFFFF")
            ratio = contrast_ratio(fg, bg)
            total += n
            large = s.size is not None and (s.size >= 18 or (s.bold and s.size >= 14))
            if ratio < (MIN_CONTRAST_LARGE if large else MIN_CONTRAST):
                n_low += n
                worst = ratio if worst is None else min(worst, ratio)
                pairs[(fg, bg)] = pairs.get((fg, bg), 0) + n
        if n_low:
            low += n_low
            worst_ratio = worst if worst_ratio is None else min(worst_ratio, worst)
            if n_low >= MIN_CHARS:
                flagged.append((b, n_low, worst))
    if total == 0:
        return result("unknown", "Không kiểm tra được màu chữ: tệp không ghi thông tin màu cho phần nội dung.")
    details = {"share_low_contrast": round(low / total, 4), "chars_low_contrast": low, "chars": total,
               "worst_ratio": round(worst_ratio, 2) if worst_ratio else None, "threshold": MIN_CONTRAST,
               "colors": [{"text": f, "background": g, "chars": n}
                          for (f, g), n in sorted(pairs.items(), key=lambda kv: -kv[1])[:5]]}
    if not flagged:
        return result("pass", "Màu chữ tương phản đủ với màu nền (tỷ lệ tương phản từ 4,5:1 trở lên theo chuẩn WCAG).",
                      details=details)
    regions = _regions(outline, flagged)
    (fg, bg), _ = max(pairs.items(), key=lambda kv: kv[1])
    return result("fail", f"Có chữ màu nhạt trên nền không tương phản (chữ #{fg} trên nền #{bg}, tỷ lệ tương phản "
                          f"{vi_number(worst_ratio, '.1f')}:1, dưới mức 4,5:1 theo chuẩn WCAG) tại: {_describe(regions)}. "
                          "Cần dùng màu chữ đậm (ví dụ đen) trên nền sáng.",
                  _locations(outline, regions), details)
