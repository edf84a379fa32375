"""Document-level checks: what kind of form this is, its form (language, font size, contrast), the
mandatory content the law requires of it, and whether its sector must register the form before use.

Called by the pipeline once per document; every check is cheap (a few milliseconds for a long contract).
"""
from __future__ import annotations

import re

from contract_review.analyze.doccheck_language import check_language
from contract_review.analyze.doccheck_layout import check_contrast, check_font_size
from contract_review.analyze.dockind import HDTM, decide_kind
from contract_review.analyze.checkbook import load_checks
from contract_review.analyze.mandatory import check_embedded_conditions, check_mandatory
from contract_review.analyze.outline import Outline, fold
from contract_review.analyze.registration import check_sector_hint, decide_registration, load_registration_list
from contract_review.analyze.sector import guess_sector, load_lexicon
from contract_review.model import Clause, Document, FormCheck, Registration

# Luật 19/2023/QH15 Điều 3 khoản 6: a continuous service runs 3 months or more, or without a set term.
ALWAYS_CONTINUOUS = {"electricity", "water", "pay_tv", "mobile", "broadband", "banking", "ewallet"}
MAYBE_CONTINUOUS = {"gym_beauty", "education", "insurance", "tourism_hotel", None}
_INDEFINITE = re.compile(r"không xác định thời hạn|tự động gia hạn|hằng tháng|hàng tháng|theo kỳ cước")
_TERM = re.compile(r"\b(\d{1,3})\s*(?:\([^)]{0,30}\)\s*)?(tháng|năm)\b(?!\s+\d)")


def continuous_service(sector: str | None, text: str) -> tuple[bool, str]:
    """Whether the form is for a continuous service (Điều 42 khoản 2 then applies), and why."""
    if sector in ALWAYS_CONTINUOUS:
        return True, "dịch vụ cung cấp liên tục theo bản chất (không xác định thời hạn hoặc theo kỳ)"
    if sector not in MAYBE_CONTINUOUS:
        return False, ""
    t = text if text.islower() else fold(text)
    if "dịch vụ" not in t:
        return False, ""
    if _INDEFINITE.search(t):
        return True, "dịch vụ không xác định thời hạn hoặc gia hạn, thanh toán theo kỳ"
    for m in _TERM.finditer(t):
        n, unit = int(m.group(1)), m.group(2)
        if (unit == "tháng" and 3 <= n <= 120) or (unit == "năm" and 1 <= n <= 50):
            context = t[max(0, m.start() - 60):m.start()]
            if re.search(r"thời hạn|gói|khóa|hợp đồng|cam kết|kỳ hạn", context):
                return True, f"dịch vụ có thời hạn từ 03 tháng trở lên («{m.group(0)}»)"
    return False, ""


def preload() -> None:
    """Read and compile the data of the checks (checks.yaml, registration.yaml, sector keywords) now,
    so the first review does not pay for it."""
    load_checks()
    load_registration_list()
    load_lexicon()


def check_document(doc: Document, clauses: list[Clause], sector_hint: str | None = None
                   ) -> tuple[list[FormCheck], Registration, str]:
    hint = check_sector_hint(sector_hint)  # a bad slug is an input error, raised before any work
    outline = Outline(doc, clauses)
    kind = decide_kind(outline)
    guess = guess_sector(kind.title, outline.folded)
    registration = decide_registration(guess, kind.title, outline.folded, hint)
    checks: list[FormCheck] = [check_language(outline), check_font_size(outline), check_contrast(outline)]
    continuous, why = (False, "")
    if kind.kind != "dieu_kien_giao_dich_chung":
        continuous, why = continuous_service(registration.sector, outline.folded)
    mandatory = check_mandatory(outline, kind.kind, continuous)
    for fc in mandatory:
        if fc.code.startswith("M42.2"):
            fc.details["continuous_service"] = why
        if kind.kind == "unknown" and fc.status == "fail":
            fc.message += (" (Chưa xác định chắc văn bản là hợp đồng theo mẫu hay điều kiện giao dịch chung; "
                           "yêu cầu này áp dụng cho hợp đồng theo mẫu.)")
    checks += mandatory
    if kind.kind == HDTM:
        checks += check_embedded_conditions(outline)
    return checks, registration, kind.kind
