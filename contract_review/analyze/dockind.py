"""What kind of form this is: a hợp đồng theo mẫu (a contract the consumer signs: parties block,
"Bên A / Bên B", signature blocks) or điều kiện giao dịch chung (conditions the business publishes and
applies to everyone: "Điều khoản sử dụng", "Chính sách", "Điều lệ vận chuyển"). Điều 23 khoản 3 applies
to the first, Điều 27 khoản 2 to the second (BLDS 2015 Điều 405, 406 define both).

The title decides when there is one; otherwise the structure votes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from contract_review.analyze.outline import Outline, fold

HDTM = "hop_dong_theo_mau"
DKGDC = "dieu_kien_giao_dich_chung"
UNKNOWN = "unknown"

_MOTTO = re.compile(r"^(cộng hòa xã hội|cộng hoà xã hội|độc lập\s*[-–]\s*tự do|số\s*[:.]|số hợp đồng|mã khách hàng|-{2,})")
_TITLE_CONTRACT = re.compile(r"^(hợp đồng|hđ)\b(?! (này|số\s*:))")
_TITLE_CONDITIONS = re.compile(
    r"^(bản )?(điều kiện giao dịch chung|điều kiện (chung|sử dụng|cung cấp|và điều khoản|giao dịch)|"
    r"điều khoản (sử dụng|và điều kiện|dịch vụ|chung|giao dịch)|chính sách|điều lệ|quy định|quy chế|quy tắc|"
    r"thỏa thuận (người dùng|sử dụng|cung cấp)|thể lệ|nội quy)")
_PARTY = re.compile(r"^(bên\s+[a-zđ]\b|bên (bán|mua|cung cấp|sử dụng|cho thuê|thuê|cho vay|vay|bảo hiểm|mua bảo hiểm))")
_WE_ARE = re.compile(r"chúng tôi gồm|hai bên (thỏa thuận|thống nhất|đồng ý) (ký kết|giao kết)|các bên (thỏa thuận|thống nhất) ký kết")
_SIGN = re.compile(r"^(đại diện bên|bên [a-zđ]\s{2,}bên|bên (mua|bán|a|b)\s+bên (mua|bán|a|b)$|\(ký,? ghi rõ họ tên)")
# phrases counted with str.count (one fast pass each over the whole text)
_SELF_CONDITIONS = ("điều kiện giao dịch chung này", "điều kiện chung này", "điều khoản này", "điều khoản sử dụng này",
                    "chính sách này", "điều lệ này", "quy định này", "quy chế này", "thỏa thuận này",
                    "thỏa thuận người dùng này")
_SELF_CONTRACT = ("hợp đồng này",)
_PARTY_NAMES = ("bên a", "bên b", "bên mua", "bên bán", "bên thuê", "bên cho thuê", "bên vay", "bên cho vay",
                "bên mua bảo hiểm", "bên sử dụng dịch vụ", "bên cung cấp dịch vụ")
_PUBLISHED = ("được niêm yết", "được đăng tải", "công bố trên trang thông tin điện tử", "đăng tải trên website",
              "niêm yết tại", "công khai trên trang")
_USER = ("người dùng", "bằng việc truy cập", "bằng việc sử dụng", "bằng việc đăng ký", "khi truy cập website",
         "khi sử dụng website", "khi sử dụng ứng dụng")


def _count(text: str, phrases: tuple[str, ...]) -> int:
    return sum(text.count(p) for p in phrases)


@dataclass
class KindDecision:
    kind: str
    title: str = ""
    score: float = 0.0  # > 0 hợp đồng theo mẫu, < 0 điều kiện giao dịch chung
    reasons: list[str] = field(default_factory=list)


def _title(outline: Outline) -> tuple[str, str | None]:
    """The document title (first heading-like line that names a document type) and its kind."""
    for b in outline.doc.blocks[:12]:
        line = fold(b.text)
        if not line or _MOTTO.match(line) or len(line.split()) > 30:
            continue
        if _TITLE_CONTRACT.match(line):
            return b.text.strip(), HDTM
        if _TITLE_CONDITIONS.match(line):
            return b.text.strip(), DKGDC
        if re.match(r"^(điều|chương|phần|mục)\s+(\d+|[ivx]+)\b|^\d+\.", line):
            break  # the body has started
    return "", None


def decide_kind(outline: Outline) -> KindDecision:
    d = KindDecision(kind=UNKNOWN)
    title, kind = _title(outline)
    d.title = title
    if kind == HDTM:
        d.score += 3
        d.reasons.append(f"tiêu đề «{title[:80]}»")
    elif kind == DKGDC:
        d.score -= 3
        d.reasons.append(f"tiêu đề «{title[:80]}»")
    preamble = [fold(c.text) for c in outline.clauses if c.level == "preamble"]
    parties = sum(1 for t in preamble if _PARTY.match(t))
    if parties >= 2:
        d.score += 2
        d.reasons.append("phần thông tin các bên (Bên A/Bên B)")
    if any(_WE_ARE.search(t) for t in preamble):
        d.score += 1
        d.reasons.append("lời dẫn giao kết giữa hai bên")
    if any(c.level == "signature" for c in outline.clauses) or any(
            _SIGN.match(fold(b.text)) for b in outline.doc.blocks[-8:]):
        d.score += 1.5
        d.reasons.append("phần ký của các bên")
    body = outline.folded
    self_conditions = _count(body, _SELF_CONDITIONS)
    self_contract = _count(body, _SELF_CONTRACT)
    if self_conditions >= 2 and self_conditions > self_contract:
        d.score -= 1.5
        d.reasons.append("văn bản tự gọi là điều kiện chung/điều khoản/chính sách")
    elif self_contract >= 3 and self_contract > self_conditions:
        d.score += 1
        d.reasons.append("văn bản tự gọi là «Hợp đồng này»")
    named_parties = _count(body, _PARTY_NAMES)
    if parties < 2 and named_parties >= 6:
        d.score += 1
        d.reasons.append("các bên được gọi là Bên A/Bên B, bên mua/bên bán")
    elif named_parties == 0 and _count(body, _PUBLISHED) >= 1:
        d.score -= 1
        d.reasons.append("không có bên giao kết cụ thể; văn bản được niêm yết, đăng tải công khai")
    if _count(body, _USER) >= 3 and parties < 2:
        d.score -= 1
        d.reasons.append("áp dụng cho người dùng nói chung, không có bên giao kết cụ thể")
    d.kind = HDTM if d.score > 0 else DKGDC if d.score < 0 else UNKNOWN
    return d
