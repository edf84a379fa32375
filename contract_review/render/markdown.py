"""Markdown report: the same content as the HTML page, readable in a terminal or an e-mail."""
from __future__ import annotations

from contract_review.model import Finding, Report

SEVERITY_VI = {"high": "Cao", "medium": "Trung bình", "low": "Thấp"}
SOURCE_VI = {"rule": "quy tắc", "model": "mô hình", "both": "quy tắc + mô hình"}
STATUS_VI = {"pass": "Đạt", "fail": "Chưa đạt", "not_applicable": "Không áp dụng", "unknown": "Không kiểm tra được"}
STATUS_MARK = {"pass": "✅", "fail": "❌", "not_applicable": "➖", "unknown": "❔"}
KIND_VI = {"hop_dong_theo_mau": "Hợp đồng theo mẫu", "dieu_kien_giao_dich_chung": "Điều kiện giao dịch chung",
           "unknown": "Chưa xác định"}
VERDICT_VI = {"ready": "Sẵn sàng đăng ký / sử dụng", "needs_changes": "Cần sửa đổi trước khi đăng ký / sử dụng",
              "unreadable": "Chưa đọc được toàn bộ tài liệu"}


def _md_escape(text: str) -> str:
    # keep contract text literal: neutralise Markdown/HTML control characters
    return (text.replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;")
            .replace("*", "\\*").replace("_", "\\_").replace("`", "\\`").replace("|", "\\|").replace("[", "\\["))


def _quote(text: str, limit: int = 900) -> str:
    t = " ".join(text.split())
    if len(t) > limit:
        t = t[:limit].rsplit(" ", 1)[0] + " …"
    return "> " + _md_escape(t)


def finding_order(report: Report) -> list[Finding]:
    """Most severe and most certain first: what to fix first."""
    return sorted(report.findings, key=lambda f: (-f.severity.rank, -f.confidence, f.start))


def render_markdown(report: Report) -> str:
    d = report.document
    s = report.summary
    out: list[str] = []
    out.append(f"# Báo cáo rà soát: {_md_escape(d.name)}")
    out.append("")
    out.append(f"- **Loại văn bản:** {KIND_VI.get(d.contract_kind, d.contract_kind)} · tệp {d.kind.upper()}"
               + (f" · {d.pages} trang" if d.pages else "") + f" · {d.clause_count} điều khoản")
    out.append(f"- **Kết luận:** {VERDICT_VI[s.verdict]} — {s.verdict_text}")
    sev = ", ".join(f"{SEVERITY_VI[k]}: {v}" for k, v in sorted(s.by_severity.items(), key=lambda kv: -{"high": 3, "medium": 2, "low": 1}[kv[0]]))
    out.append(f"- **Phát hiện:** {s.findings}" + (f" ({sev})" if sev else "") + f" · điểm rủi ro {s.risk_score}")
    out.append(f"- **Hồ sơ rà soát:** {'thanh tra viên (ưu tiên không bỏ sót)' if report.profile == 'inspector' else 'doanh nghiệp (cân bằng)'}")
    out.append(f"- **Mã SHA-256:** `{d.sha256}`")
    if d.ocr_pages:
        out.append(f"- **Trang nhận dạng ký tự (OCR):** {', '.join(map(str, d.ocr_pages))}")
    out.append("")
    if report.notices:
        out.append("## Lưu ý")
        out.append("")
        for n in report.notices:
            out.append(f"- ⚠️ {_md_escape(n.message)}")
        out.append("")
    if s.by_code:
        out.append("## Tổng hợp theo điều khoản luật")
        out.append("")
        out.append("| Mã | Nội dung | Số phát hiện |")
        out.append("|---|---|---|")
        names = {f.code: f.category for f in report.findings}
        for code, n in sorted(s.by_code.items(), key=lambda kv: -kv[1]):
            out.append(f"| {code} | {_md_escape(names.get(code, ''))} | {n} |")
        out.append("")
    out.append("## Sẵn sàng đăng ký? — Danh mục kiểm tra")
    out.append("")
    reg = report.registration
    if reg.sector:
        mark = "📋" if reg.required else "➖"
        out.append(f"- {mark} **Đăng ký hợp đồng theo mẫu:** {_md_escape(reg.explanation)}")
    if report.form_checks:
        for fc in report.form_checks:
            loc = ""
            if fc.locations:
                locs = [x.clause_id or (f"trang {x.page}" if x.page else "") for x in fc.locations[:5]]
                loc = " (" + ", ".join(x for x in locs if x) + ")"
            out.append(f"- {STATUS_MARK[fc.status]} **{fc.code}** {_md_escape(fc.name)} — {STATUS_VI[fc.status]}: "
                       f"{_md_escape(fc.message)}{loc} — *{fc.provision.citation}*")
    else:
        out.append("- (chưa có kiểm tra hình thức)")
    out.append("")
    out.append("## Các điều khoản cần sửa đổi")
    out.append("")
    if not report.findings:
        out.append("Không phát hiện điều khoản có dấu hiệu vi phạm.")
    for f in finding_order(report):
        where = " › ".join(f.heading) if f.heading else f.clause_id
        page = f" · trang {f.page}" if f.page else ""
        out.append(f"### {f.id}. {f.code} — {_md_escape(f.category)}")
        out.append("")
        out.append(f"- **Vị trí:** {_md_escape(where)} (`{f.clause_id}`){page}")
        out.append(f"- **Căn cứ:** {f.provision.citation}")
        out.append(f"- **Mức độ:** {SEVERITY_VI[f.severity.value]} · **độ tin cậy** {f.confidence:.0%} · nguồn: {SOURCE_VI[f.source]}")
        out.append("")
        out.append(_quote(f.text))
        out.append("")
        if f.evidence.matches:
            words = "; ".join(f"«{_md_escape(m.text)}»" for m in f.evidence.matches[:4])
            out.append(f"- **Từ ngữ kích hoạt:** {words}")
        if f.evidence.model_terms:
            out.append("- **Từ ngữ mô hình chú ý:** " + ", ".join(_md_escape(t.term) for t in f.evidence.model_terms[:6]))
        if f.evidence.rule_ids:
            out.append(f"- **Quy tắc:** {', '.join(f.evidence.rule_ids)}")
        out.append(f"- **Giải thích:** {_md_escape(f.explanation)}")
        out.append(f"- **Đề xuất sửa đổi:** {_md_escape(f.suggestion)}")
        if f.evidence.similar:
            out.append("- **Điều khoản tương tự đã biết:**")
            for sc in f.evidence.similar[:3]:
                lab = ", ".join(sc.labels) or "hợp lệ"
                out.append(f"  - ({lab}; tương đồng {sc.similarity:.0%}) {_md_escape(sc.text[:220])}")
        out.append("")
    out.append("---")
    v = report.versions
    out.append(f"*contract-review {v.get('tool', '')} · quy tắc {v.get('rules', '')} ({v.get('rule_count', '')} quy tắc)"
               + (f" · mô hình {v['model']}" if v.get("model") else "") + " · kết quả hỗ trợ rà soát, không thay thế ý kiến pháp lý.*")
    return "\n".join(out) + "\n"
