"""Markdown report: the same content as the HTML page, readable in a terminal, an e-mail or the batch
summary. Fixes first (what to change, most serious first), then the "ready to register?" checklist,
then the details of every finding."""
from __future__ import annotations

from contract_review.model import Finding, Report
from contract_review.render.labels import (  # noqa: F401  (names re-exported for existing imports)
    DISCLAIMER, KIND_VI, PROFILE_VI, SEVERITY_ORDER, SEVERITY_VI, SOURCE_VI, STATUS_MARK, STATUS_VI, VERDICT_VI,
    category_names, checklist_order, citations_by_code, code_sort_key, failed_checks, finding_order, percent, provision_text,
    readiness, registration_line, where,
)

_READY_MARK = {"yes": "✅", "no": "❌", "unknown": "❔"}
_REG_MARK = {"required": "📋", "not_required": "➖", "unknown": "❔"}


def _md_escape(text: str) -> str:
    # keep contract text literal: neutralise Markdown/HTML control characters
    return (text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("*", "\\*").replace("_", "\\_").replace("`", "\\`").replace("|", "\\|").replace("[", "\\[")
            .replace("]", "\\]").replace("#", "\\#"))


def _one_line(text: str, limit: int | None = None) -> str:
    t = " ".join(text.split())
    if limit and len(t) > limit:
        t = t[:limit].rsplit(" ", 1)[0] + " …"
    return t


def _quote(text: str, limit: int = 900) -> str:
    return "> " + _md_escape(_one_line(text, limit))


def _finding_detail(f: Finding) -> list[str]:
    out = [f"### {f.id}. {f.code} — {_md_escape(f.category)}", ""]
    out.append(f"- **Vị trí:** {_md_escape(where(f))} (`{f.clause_id}`)")
    out.append(f"- **Căn cứ:** {_md_escape(provision_text(f.provision))}")
    out.append(f"- **Mức độ:** {SEVERITY_VI[f.severity.value]} · **độ tin cậy** {percent(f.confidence)}"
               f" · nguồn: {SOURCE_VI[f.source]}")
    out += ["", _quote(f.text), ""]
    if f.evidence.matches:
        out.append("- **Từ ngữ kích hoạt:** " + "; ".join(f"«{_md_escape(m.text)}»" for m in f.evidence.matches[:4]))
    if f.evidence.model_terms:
        out.append("- **Từ ngữ mô hình chú ý:** " + ", ".join(_md_escape(t.term) for t in f.evidence.model_terms[:6]))
    if f.evidence.rule_ids:
        out.append("- **Quy tắc:** " + ", ".join(f"`{r}`" for r in f.evidence.rule_ids))
    out.append(f"- **Giải thích:** {_md_escape(f.explanation)}")
    out.append(f"- **Đề xuất sửa đổi:** {_md_escape(f.suggestion)}")
    if f.evidence.similar:
        out.append("- **Điều khoản tương tự đã biết:**")
        for sc in f.evidence.similar[:3]:
            lab = ", ".join(sc.labels) or "không vi phạm"
            out.append(f"  - ({lab}; tương đồng {percent(sc.similarity)}) {_md_escape(_one_line(sc.text, 220))}")
    out.append("")
    return out


def render_markdown(report: Report) -> str:
    d = report.document
    s = report.summary
    out: list[str] = [f"# Báo cáo rà soát: {_md_escape(d.name)}", ""]
    out.append(f"- **Loại văn bản:** {KIND_VI.get(d.contract_kind, d.contract_kind)} · tệp {d.kind.upper()}"
               + (f" · {d.pages} trang" if d.pages else "") + f" · {d.clause_count} đơn vị điều khoản")
    out.append(f"- **Kết luận:** {VERDICT_VI[s.verdict]} — {_md_escape(s.verdict_text)}")
    sev = ", ".join(f"{SEVERITY_VI[k]}: {s.by_severity[k]}" for k in SEVERITY_ORDER if s.by_severity.get(k))
    out.append(f"- **Phát hiện:** {s.findings}" + (f" ({sev})" if sev else "") + f" · điểm rủi ro {s.risk_score}")
    out.append(f"- **Hồ sơ rà soát:** {PROFILE_VI.get(report.profile, report.profile)}")
    out.append(f"- **Mã SHA-256:** `{d.sha256}`")
    if d.ocr_pages:
        out.append(f"- **Trang nhận dạng ký tự (OCR):** {', '.join(map(str, d.ocr_pages))}")
    out.append("")

    if report.notices:
        out += ["## Lưu ý", ""]
        for n in report.notices:
            pages = f" (trang {', '.join(map(str, n.pages))})" if n.pages else ""
            out.append(f"- ⚠️ {_md_escape(n.message)}{pages}")
        out.append("")

    # fixes first: what to change, most serious and most certain first
    fixes = finding_order(report)
    failures = failed_checks(report)
    out += ["## Việc cần làm", ""]
    if not fixes and not failures:
        out.append("Không có điều khoản hay yêu cầu hình thức nào cần sửa theo các kiểm tra tự động.")
    n = 0
    for f in fixes:
        n += 1
        out.append(f"{n}. **[{SEVERITY_VI[f.severity.value]}] {_md_escape(where(f))}** — {f.code} "
                   f"{_md_escape(f.category)} ({_md_escape(f.provision.citation)}; độ tin cậy {percent(f.confidence)}, "
                   f"chi tiết: {f.id}).  ")
        out.append(f"   Sửa: {_md_escape(_one_line(f.suggestion))}")
    for fc in failures:
        n += 1
        out.append(f"{n}. **[{SEVERITY_VI[fc.severity.value]}] {_md_escape(fc.name)}** — {fc.code} "
                   f"({_md_escape(fc.provision.citation)}): {_md_escape(fc.message)}")
    out.append("")

    state, headline, reasons = readiness(report)
    out += [f"## Sẵn sàng đăng ký? {_READY_MARK[state]} {headline}", ""]
    for why in reasons:
        out.append(f"- {why}")
    if reasons:
        out.append("")
    reg_status, reg_text = registration_line(report)
    out.append(f"- {_REG_MARK[reg_status]} **Đăng ký hợp đồng theo mẫu, điều kiện giao dịch chung:** {_md_escape(reg_text)}")
    if report.registration.sector and report.registration.explanation:
        out.append(f"  - {_md_escape(_one_line(report.registration.explanation))}")
    for fc in checklist_order(report):
        loc = ""
        if fc.locations:
            locs = [x.clause_id or (f"trang {x.page}" if x.page else "") for x in fc.locations[:5]]
            locs = [x for x in locs if x]
            loc = f" (vị trí: {', '.join(locs)}{', …' if len(fc.locations) > 5 else ''})" if locs else ""
        out.append(f"- {STATUS_MARK[fc.status]} **{_md_escape(fc.name)}** `{fc.code}` — {STATUS_VI[fc.status]}: "
                   f"{_md_escape(fc.message)}{_md_escape(loc)} — *{_md_escape(fc.provision.citation)}*")
    out.append("")

    if s.by_code:
        out += ["## Tổng hợp theo quy định", "", "| Mã | Nội dung | Căn cứ | Số phát hiện |", "|---|---|---|---|"]
        names = category_names(report)
        provisions = citations_by_code(report)
        for code, count in sorted(s.by_code.items(), key=lambda kv: code_sort_key(kv[0])):
            cite = provisions[code].citation if code in provisions else ""
            out.append(f"| {code} | {_md_escape(names.get(code, ''))} | {_md_escape(cite)} | {count} |")
        out.append("")

    out += ["## Chi tiết các phát hiện", ""]
    if not fixes:
        out += ["Không phát hiện điều khoản có dấu hiệu vi phạm.", ""]
    for f in fixes:
        out += _finding_detail(f)

    v = {k: _md_escape(x) for k, x in report.versions.items()}
    out.append("---")
    out.append(f"*contract-review {v.get('tool', '')} · quy tắc {v.get('rules', '')} ({v.get('rule_count', '')} quy tắc)"
               + (f" · mô hình {v['model']}" if v.get("model") else "") + f" · {DISCLAIMER}*")
    return "\n".join(out) + "\n"
