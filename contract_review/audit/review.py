"""The per-file function of a batch audit, the same on a local worker process and on a Dask worker:
review one file with an already loaded engine, render the requested report formats, and flatten the
Report into one summary row. Bad input never raises: it becomes an error row."""
from __future__ import annotations

import re
import time
import unicodedata
from pathlib import Path

from contract_review.errors import ReviewError
from contract_review.render.labels import code_sort_key as natural_key
from contract_review.render.labels import where

# words any consumer contract or set of trading conditions uses; a text with almost none of them and
# no finding is not something this tool can judge (a letter, a price list, a manual...)
_CONTRACT_CUES = (
    "hợp đồng", "điều khoản", "điều kiện giao dịch", "bên bán", "bên mua", "bên a", "bên b",
    "bên cung cấp", "bên sử dụng", "bên thuê", "bên cho thuê", "khách hàng", "người tiêu dùng",
    "thỏa thuận", "thoả thuận", "cam kết", "quyền và nghĩa vụ", "nghĩa vụ", "thanh toán", "chấm dứt",
    "bồi thường", "khiếu nại", "tranh chấp", "hiệu lực", "giao kết", "dịch vụ", "phí", "giá",
)
_WORD_EDGE = r"(?<![\w])"
_CUE_RE = re.compile("|".join(_WORD_EDGE + re.escape(c) + r"(?![\w])" for c in _CONTRACT_CUES), re.I)
MIN_CUES = 4


class NotAContract(ReviewError):
    code = "not_a_contract"
    default_message = (
        "Không nhận ra đây là hợp đồng hoặc điều kiện giao dịch chung (hầu như không có từ ngữ của hợp đồng "
        "như 'hợp đồng', 'bên bán', 'khách hàng', 'thanh toán'). Tệp không được rà soát; vui lòng kiểm tra lại."
    )


def looks_like_contract(report) -> bool:
    """Conservative: only a text with no clause finding, an unknown contract kind and fewer than MIN_CUES
    distinct contract words is called "not a contract". (Failed mandatory-content checks do not count:
    a text that is no contract lacks every mandatory item.)"""
    if report.findings:
        return True
    if report.document.contract_kind != "unknown":
        return True
    text = unicodedata.normalize("NFC", " ".join(c.text for c in report.clauses))
    cues = {m.group(0).casefold() for m in _CUE_RE.finditer(text)}
    return len(cues) >= MIN_CUES


def _one_line(text: str, limit: int) -> str:
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"


def row_from_report(report) -> dict:
    """The summary columns of one reviewed file (plus `_findings` / `_form_failures` for the aggregates)."""
    d, s, reg = report.document, report.summary, report.registration
    by_code = sorted(s.by_code.items(), key=lambda kv: (-kv[1], natural_key(kv[0])))
    failures = sorted((fc for fc in report.form_checks if fc.status == "fail"), key=lambda fc: fc.code)
    # ties broken by code and clause, so the top finding never depends on the order findings came in
    top = min(report.findings, key=lambda f: (-f.severity.rank, -f.confidence, f.start, natural_key(f.code),
                                              f.clause_id), default=None)
    return {
        "file_kind": d.kind,
        "contract_kind": d.contract_kind,
        "sector": reg.sector or "",
        "sector_name": reg.sector_name or "",
        "registration_required": bool(reg.required),
        "pages": d.pages,
        "clauses": d.clause_count,
        "findings": s.findings,
        "high": s.by_severity.get("high", 0),
        "medium": s.by_severity.get("medium", 0),
        "low": s.by_severity.get("low", 0),
        "max_severity": s.max_severity.value if s.max_severity else "",
        "risk_score": s.risk_score,
        "verdict": s.verdict,
        "by_code": "; ".join(f"{c}×{n}" for c, n in by_code),
        "top_finding_code": top.code if top else "",
        "top_finding_provision": top.provision.citation if top else "",
        "top_finding": f"{where(top)}: «{_one_line(top.text, 200)}»" if top else "",
        "form_failures": s.form_failures,
        "form_failure_codes": "; ".join(fc.code for fc in failures),
        "ocr_pages": len(d.ocr_pages),
        # one entry per finding / failed check: code, name, citation, severity, confidence, where, excerpt
        "_findings": [[f.code, f.category, f.provision.citation, f.severity.value, round(f.confidence, 3),
                       where(f), _one_line(f.text, 300)] for f in report.findings],
        "_form_failures": [[fc.code, fc.name, fc.provision.citation, fc.severity.value, None, _check_where(fc),
                            _one_line(fc.message, 300)] for fc in failures],
    }


def _check_where(fc) -> str:
    loc = fc.locations[0] if fc.locations else None
    if loc is None:
        return "Toàn văn bản"
    parts = [loc.clause_id or "", f"trang {loc.page}" if loc.page else ""]
    return ", ".join(p for p in parts if p) or "Toàn văn bản"


def error_row(code: str, message: str) -> dict:
    return {"status": "error", "error_code": code, "error_message": message}


def review_file(engine, task: dict) -> dict:
    """task: {"name", "path" or "data", "formats", "profile"} -> {"row": {...}, "outputs": {fmt: bytes}}.

    The caller writes the outputs; this function touches no file but the input.
    """
    from contract_review.render import render

    t0 = time.perf_counter()
    outputs: dict[str, bytes] = {}
    notes: list[str] = []
    try:
        data = task.get("data")
        if data is None:
            report = engine.review_path(Path(task["path"]), profile=task.get("profile"))
        else:
            report = engine.review_bytes(data, task["name"], profile=task.get("profile"))
        if not looks_like_contract(report):
            raise NotAContract()
        row = {"status": "ok", **row_from_report(report)}
        source = None
        for fmt in task.get("formats", []):
            try:
                if fmt == "docx" and source is None:
                    source = data if data is not None else Path(task["path"]).read_bytes()
                outputs[fmt] = render(report, fmt, source=source)
            except Exception as e:  # noqa: BLE001 — a renderer bug must not lose the review
                notes.append(f"không xuất được báo cáo {fmt} ({type(e).__name__}: {e})")
    except ReviewError as e:
        row = error_row(e.code, e.message)
    except MemoryError:
        row = error_row("out_of_memory", "Không đủ bộ nhớ để xử lý tệp này.")
    except OSError as e:
        row = error_row("unreadable", f"Không đọc được tệp ({e.strerror or e}).")
    except Exception as e:  # noqa: BLE001 — one bad file never stops the batch
        row = error_row("internal_error", f"Lỗi nội bộ khi rà soát tệp ({type(e).__name__}: {e}).")
    row["notes"] = "; ".join(notes)
    row["seconds"] = round(time.perf_counter() - t0, 3)
    return {"row": row, "outputs": outputs}
