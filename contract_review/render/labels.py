"""Vietnamese wording shared by every renderer (labels, citations, ordering), so the HTML page, the
Markdown report, the Word comments and the memo say the same thing the same way."""
from __future__ import annotations

import re

from contract_review.model import Clause, Finding, FormCheck, Provision, Report

SEVERITY_VI = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
SEVERITY_ORDER = ("high", "medium", "low")
SOURCE_VI = {"rule": "quy tắc", "model": "mô hình", "both": "cả hai (quy tắc và mô hình)"}
STATUS_VI = {"pass": "Đạt", "fail": "Chưa đạt", "not_applicable": "Không áp dụng", "unknown": "Không kiểm tra được"}
STATUS_MARK = {"pass": "✅", "fail": "❌", "not_applicable": "➖", "unknown": "❔"}
KIND_VI = {"hop_dong_theo_mau": "Hợp đồng theo mẫu", "dieu_kien_giao_dich_chung": "Điều kiện giao dịch chung",
           "unknown": "Chưa xác định"}
VERDICT_VI = {"ready": "Sẵn sàng đăng ký / sử dụng", "needs_changes": "Cần sửa đổi trước khi đăng ký / sử dụng",
              "unreadable": "Chưa đọc được toàn bộ tài liệu"}
PROFILE_VI = {"inspector": "thanh tra viên (ưu tiên không bỏ sót)", "business": "doanh nghiệp (cân bằng)"}
LEVEL_VI = {"preamble": "Phần mở đầu", "chapter": "Chương", "section": "Mục", "article": "Điều", "clause": "Khoản",
            "subclause": "Tiểu khoản", "point": "Điểm", "bullet": "Gạch đầu dòng", "appendix": "Phụ lục",
            "signature": "Phần ký", "heading": "Tiêu đề"}
NOTICE_TITLE_VI = {"ocr": "Nhận dạng ký tự (OCR)", "ocr_low_confidence": "OCR độ tin cậy thấp",
                   "legacy_encoding": "Bảng mã cũ", "pages_not_read": "Trang chưa đọc được"}
DISCLAIMER = "Kết quả hỗ trợ rà soát, không thay thế ý kiến pháp lý của người có thẩm quyền."


def code_sort_key(code: str) -> tuple:
    """Natural order of taxonomy codes, as the points stand in the law: "A25.2" before "A25.10";
    Vietnamese letter order for points ("M23.3.d" < "M23.3.đ" < "M23.3.e")."""
    code = code.replace("đ", "d~").replace("Đ", "D~")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code) if p)


_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Drop the control characters XML 1.0 cannot carry (PDF extraction leaves some behind)."""
    return _XML_UNSAFE.sub("", text)


def provision_text(p: Provision, capital: bool = True) -> str:
    """Vietnamese legal citation order, smallest unit first: "điểm a khoản 2 Điều 6 Nghị định …"."""
    parts = []
    if p.point:
        parts.append(f"điểm {p.point}")
    if p.clause:
        parts.append(f"khoản {p.clause}")
    if p.article:
        parts.append(f"Điều {p.article}")
    if not parts:
        return p.citation or p.law
    text = " ".join(parts) + " " + p.law
    if capital:
        text = text[0].upper() + text[1:]
    # a citation naming a second basis ("…; BLDS 2015 Đ.3 k.3") keeps it visible
    if ";" in (p.citation or ""):
        text += f" (căn cứ: {p.citation})"
    return text


def percent(x: float) -> str:
    return f"{x:.0%}"


def where(f: Finding) -> str:
    """Where a finding sits, as a reader finds it: heading path, then page."""
    place = " › ".join(f.heading) if f.heading else f.clause_id
    return place + (f", trang {f.page}" if f.page else "")


def finding_order(report: Report) -> list[Finding]:
    """Most severe and most certain first: what to fix first."""
    return sorted(report.findings, key=lambda f: (-f.severity.rank, -f.confidence, f.start))


def failed_checks(report: Report) -> list[FormCheck]:
    return sorted((fc for fc in report.form_checks if fc.status == "fail"), key=lambda fc: (-fc.severity.rank, fc.code))


def checklist_order(report: Report) -> list[FormCheck]:
    """Failures first (most severe first), then unknown, pass, not applicable."""
    order = {"fail": 0, "unknown": 1, "pass": 2, "not_applicable": 3}
    return sorted(report.form_checks, key=lambda fc: (order[fc.status], -fc.severity.rank, fc.code))


def clause_depths(clauses: list[Clause]) -> dict[str, int]:
    """Nesting depth of each clause (0 = top level), from the parent links."""
    by_id = {c.id: c for c in clauses}
    depth: dict[str, int] = {}
    for c in clauses:
        d, p, seen = 0, c.parent, set()
        while p and p in by_id and p not in seen:
            seen.add(p)
            d += 1
            p = by_id[p].parent
        depth[c.id] = d
    return depth


def category_names(report: Report) -> dict[str, str]:
    return {f.code: f.category for f in report.findings}


def citations_by_code(report: Report) -> dict[str, Provision]:
    out: dict[str, Provision] = {}
    for f in report.findings:
        out.setdefault(f.code, f.provision)
    return out


def registration_line(report: Report, with_explanation: bool = False) -> tuple[str, str]:
    """(status, sentence) for the registration duty: status is "required", "not_required" or "unknown"."""
    reg = report.registration
    if not reg.sector:
        return "unknown", (reg.explanation or "Chưa xác định được lĩnh vực kinh doanh nên chưa kết luận được "
                           "nghĩa vụ đăng ký hợp đồng theo mẫu, điều kiện giao dịch chung.")
    name = reg.sector_name or reg.sector
    if reg.required:
        base = f"Lĩnh vực «{name}» thuộc Danh mục phải đăng ký"
        if reg.item:
            base += f" (mục {reg.item})"
        if reg.basis:
            base += f" theo {reg.basis}"
        text = base + ": phải đăng ký trước khi sử dụng để giao kết với người tiêu dùng."
    else:
        text = f"Lĩnh vực «{name}» không thuộc Danh mục phải đăng ký."
    if reg.explanation and with_explanation:
        text += " " + reg.explanation
    return ("required" if reg.required else "not_required"), text


def readiness(report: Report) -> tuple[str, str, list[str]]:
    """Answer to "Sẵn sàng đăng ký?": (state "yes" | "no" | "unknown", headline, reasons)."""
    s = report.summary
    reasons: list[str] = []
    failures = [fc for fc in report.form_checks if fc.status == "fail"]
    unknown = [fc for fc in report.form_checks if fc.status == "unknown"]
    if s.verdict == "unreadable":
        reasons.append("Một phần tài liệu chưa đọc được; kết quả rà soát chưa đầy đủ.")
    if report.findings:
        reasons.append(f"{len(report.findings)} phát hiện về điều khoản có dấu hiệu vi phạm cần sửa đổi.")
    if failures:
        reasons.append(f"{len(failures)} yêu cầu về hình thức, nội dung bắt buộc chưa đạt.")
    if unknown:
        reasons.append(f"{len(unknown)} mục chưa kiểm tra được tự động, cần kiểm tra thủ công.")
    if not report.form_checks:
        reasons.append("Chưa có kết quả kiểm tra hình thức và nội dung bắt buộc; cần kiểm tra thủ công.")
    if s.verdict == "unreadable":
        return "unknown", "Chưa kết luận được", reasons
    if report.findings or failures:
        return "no", "Chưa sẵn sàng: cần sửa đổi trước khi đăng ký, sử dụng", reasons
    if unknown or not report.form_checks:
        return "unknown", "Chưa phát hiện vi phạm, nhưng còn mục cần kiểm tra thủ công", reasons
    return "yes", "Sẵn sàng theo các kiểm tra tự động", reasons
