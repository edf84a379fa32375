"""The batch summary: one row per input file -> summary.csv, summary.xlsx, summary.md.

Rows are plain dicts (the durable state records), so the summary of a resumed run is built from the
same data as an uninterrupted one and comes out identical (apart from processing times).
CSV is for scripts (stable English keys, UTF-8 with BOM so Excel reads the diacritics); the workbook
and the Markdown page are for people (Vietnamese headers and values).
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from contract_review.render.labels import KIND_VI, SEVERITY_VI, VERDICT_VI
from contract_review.render.labels import code_sort_key as natural_key

# (key, Vietnamese header, Excel column width)
COLUMNS: list[tuple[str, str, int]] = [
    ("path", "Đường dẫn tệp", 45),
    ("status", "Trạng thái", 12),
    ("error_code", "Mã lỗi", 16),
    ("error_message", "Lý do lỗi", 50),
    ("duplicate_of", "Trùng với tệp", 30),
    ("sha256", "SHA-256", 20),
    ("size_bytes", "Dung lượng (byte)", 12),
    ("file_kind", "Định dạng tệp", 10),
    ("contract_kind", "Loại văn bản", 22),
    ("sector", "Mã lĩnh vực", 14),
    ("sector_name", "Lĩnh vực", 30),
    ("registration_required", "Phải đăng ký", 10),
    ("pages", "Số trang", 8),
    ("clauses", "Số điều khoản", 10),
    ("findings", "Số phát hiện", 10),
    ("high", "Mức cao", 8),
    ("medium", "Mức trung bình", 10),
    ("low", "Mức thấp", 8),
    ("max_severity", "Mức cao nhất", 12),
    ("risk_score", "Điểm rủi ro", 10),
    ("verdict", "Kết luận", 28),
    ("by_code", "Phát hiện theo mã", 30),
    ("top_finding_code", "Phát hiện nặng nhất: mã", 14),
    ("top_finding_provision", "Phát hiện nặng nhất: căn cứ", 30),
    ("top_finding", "Phát hiện nặng nhất: vị trí, trích dẫn", 60),
    ("form_failures", "Yêu cầu hình thức/nội dung chưa đạt", 12),
    ("form_failure_codes", "Mã yêu cầu chưa đạt", 24),
    ("ocr_pages", "Số trang nhận dạng OCR", 10),
    ("notes", "Ghi chú", 30),
    ("reports", "Báo cáo chi tiết", 40),
    ("attempts", "Số lần xử lý", 8),
    ("seconds", "Thời gian xử lý (giây)", 10),
]
KEYS = [k for k, _, _ in COLUMNS]
TIMING_COLUMNS = ("seconds",)  # the only columns that differ between two runs over the same files
# columns a duplicate takes from the file it duplicates
ANALYSIS_KEYS = [k for k in KEYS if k not in ("path", "status", "error_code", "error_message", "duplicate_of",
                                               "size_bytes", "reports", "attempts", "seconds", "notes")]

STATUS_VI = {"ok": "Đã rà soát", "error": "Lỗi", "duplicate": "Trùng lặp"}
NO_SECTOR = "Chưa xác định lĩnh vực"
SUMMARY_FILES = ("summary.csv", "summary.xlsx", "summary.md")


def resolve_rows(records: list[dict]) -> list[dict]:
    """Summary rows in input order; a duplicate carries the analysis of the file it duplicates."""
    by_path = {r["path"]: r for r in records}
    rows = []
    for rec in records:
        row = {k: rec.get(k) for k in KEYS}
        row["_findings"] = rec.get("_findings") or []
        row["_form_failures"] = rec.get("_form_failures") or []
        if rec.get("status") == "duplicate":
            orig = by_path.get(rec.get("duplicate_of"), {})
            for k in ANALYSIS_KEYS:
                row[k] = orig.get(k) if k != "sha256" else rec.get("sha256")
            if orig.get("status") == "error":
                row["error_code"] = orig.get("error_code")
                row["error_message"] = f"Trùng với tệp lỗi: {orig.get('error_message', '')}"
            row["reports"] = orig.get("reports")
            row["_findings"], row["_form_failures"] = [], []  # counted once, on the original
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- aggregates


@dataclass
class Aggregates:
    counts: dict[str, int] = field(default_factory=dict)
    severity: dict[str, int] = field(default_factory=dict)
    verdicts: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)  # matrix columns, natural order
    matrix: dict[str, dict[str, int]] = field(default_factory=dict)  # sector -> code -> files
    sector_files: dict[str, int] = field(default_factory=dict)
    provisions: list[dict] = field(default_factory=list)
    ranking: list[dict] = field(default_factory=list)


def sector_label(row: dict) -> str:
    return row.get("sector_name") or row.get("sector") or NO_SECTOR


def aggregate(rows: list[dict]) -> Aggregates:
    """Counts over the files actually reviewed (duplicates and errors are counted, never analysed twice)."""
    agg = Aggregates()
    ok = [r for r in rows if r["status"] == "ok"]
    status = Counter(r["status"] for r in rows)
    agg.counts = {
        "files": len(rows), "ok": status["ok"], "error": status["error"], "duplicate": status["duplicate"],
        "with_findings": sum(1 for r in ok if (r.get("findings") or 0) or (r.get("form_failures") or 0)),
        "findings": sum(r.get("findings") or 0 for r in ok),
        "form_failures": sum(r.get("form_failures") or 0 for r in ok),
        "registration_required": sum(1 for r in ok if r.get("registration_required")),
    }
    agg.severity = {s: sum(r.get(s) or 0 for r in ok) for s in ("high", "medium", "low")}
    agg.verdicts = dict(Counter(r.get("verdict") or "" for r in ok))
    agg.errors = dict(sorted(Counter(r.get("error_code") or "" for r in rows if r["status"] == "error").items()))
    prov: dict[tuple[str, str], dict] = {}
    files_by_code: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for r in ok:
        sector = sector_label(r)
        agg.sector_files[sector] = agg.sector_files.get(sector, 0) + 1
        for kind, items in (("clause", r["_findings"]), ("document", r["_form_failures"])):
            for code, name, citation, severity, *_ in items:
                p = prov.setdefault((code, citation), {"code": code, "name": name, "citation": citation, "kind": kind,
                                                       "findings": 0, "files": set(), "severity": severity})
                p["findings"] += 1
                p["files"].add(r["path"])
                if _SEV_RANK.get(severity, 0) > _SEV_RANK.get(p["severity"], 0):
                    p["severity"] = severity
                files_by_code[sector][code].add(r["path"])
    agg.provisions = sorted(({**p, "files": len(p["files"])} for p in prov.values()),
                            key=lambda p: (-p["files"], -p["findings"], natural_key(p["code"]), p["citation"]))
    agg.codes = sorted({c for per in files_by_code.values() for c in per}, key=natural_key)
    agg.matrix = {s: {c: len(files_by_code[s].get(c, ())) for c in agg.codes}
                  for s in sorted(agg.sector_files, key=lambda s: (s == NO_SECTOR, s))}
    agg.ranking = sorted(ok, key=lambda r: (-(r.get("risk_score") or 0), -(r.get("high") or 0),
                                            -(r.get("findings") or 0), r["path"]))
    return agg


_SEV_RANK = {"high": 3, "medium": 2, "low": 1}


# ----------------------------------------------------------------------------- CSV

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_value(key: str, v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        v = "; ".join(map(str, v))
    s = str(v)
    # a cell starting with = + - @ is run as a formula by spreadsheets (CSV injection): quote it
    if isinstance(v, str) and s.startswith(_FORMULA_START):
        s = "'" + s
    return s


def render_csv(rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(KEYS)
    for r in rows:
        w.writerow([_csv_value(k, r.get(k)) for k in KEYS])
    return buf.getvalue().encode("utf-8-sig")


# ----------------------------------------------------------------------------- XLSX

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _vi_value(key: str, v):
    """What a person reads in the workbook."""
    if v is None or v == "":
        return None
    if key == "status":
        return STATUS_VI.get(v, v)
    if key == "registration_required":
        return "Có" if v else "Không"
    if key == "contract_kind":
        return KIND_VI.get(v, v)
    if key == "verdict":
        return VERDICT_VI.get(v, v)
    if key == "max_severity":
        return SEVERITY_VI.get(v, v)
    if key == "sha256":
        return v[:16]
    if isinstance(v, list):
        return "; ".join(map(str, v))
    return v


def _put(ws, row: int, col: int, value):
    """Write a cell; text is always text (never a formula), without characters XML forbids."""
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)[:32000]
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _table(ws, headers: list[str], rows: list[list], widths: list[int] | None = None, start_row: int = 1):
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    for j, h in enumerate(headers, 1):
        c = _put(ws, start_row, j, h)
        c.font, c.fill = bold, fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, values in enumerate(rows, start_row + 1):
        for j, v in enumerate(values, 1):
            _put(ws, i, j, v)
    if widths:
        from openpyxl.utils import get_column_letter

        for j, wd in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = wd
    return start_row + len(rows)


def render_xlsx(rows: list[dict], agg: Aggregates) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tệp"
    _table(ws, [h for _, h, _ in COLUMNS], [[_vi_value(k, r.get(k)) for k in KEYS] for r in rows],
           [w for _, _, w in COLUMNS])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(KEYS))}{len(rows) + 1}"
    link_col = KEYS.index("reports") + 1
    for i, r in enumerate(rows, 2):
        reports = r.get("reports") or []
        if reports:  # a click opens the report (paths relative to the workbook)
            cell = ws.cell(row=i, column=link_col)
            cell.hyperlink = _preferred_report(reports)
            cell.font = Font(color="0563C1", underline="single")

    ws = wb.create_sheet("Tổng quan")
    _table(ws, ["Chỉ tiêu", "Số lượng"], overview_lines(agg), [50, 12])

    ws = wb.create_sheet("Lĩnh vực × mã")
    headers = ["Lĩnh vực", "Số tệp đã rà soát", *agg.codes]
    body = [[s, agg.sector_files[s], *[agg.matrix[s][c] or None for c in agg.codes]] for s in agg.matrix]
    _table(ws, headers, body, [36, 12, *[10] * len(agg.codes)])
    _put(ws, len(body) + 3, 1, "Mỗi ô: số tệp có ít nhất một phát hiện / yêu cầu chưa đạt mang mã ở cột, trong lĩnh vực ở dòng.")
    ws.freeze_panes = "C2"

    ws = wb.create_sheet("Điều khoản vi phạm")
    _table(ws, ["Mã", "Nội dung", "Căn cứ", "Loại", "Mức cao nhất", "Số tệp", "Số phát hiện"],
           [[p["code"], p["name"], p["citation"], _KIND_VI[p["kind"]], SEVERITY_VI.get(p["severity"], p["severity"]),
             p["files"], p["findings"]] for p in agg.provisions], [16, 50, 34, 22, 12, 8, 10])
    ws.freeze_panes = "A2"

    ws = wb.create_sheet("Phát hiện")
    listing = finding_rows(rows)
    _table(ws, ["Đường dẫn tệp", "Loại", "Mã", "Nội dung", "Căn cứ", "Mức độ", "Độ tin cậy", "Vị trí", "Trích dẫn"],
           listing, [40, 22, 14, 40, 34, 12, 10, 40, 80])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:I{len(listing) + 1}"

    ws = wb.create_sheet("Xếp hạng rủi ro")
    _table(ws, ["Hạng", "Đường dẫn tệp", "Điểm rủi ro", "Mức cao", "Số phát hiện", "Yêu cầu chưa đạt", "Lĩnh vực",
                "Kết luận", "Phát hiện nặng nhất"],
           [[i, r["path"], r.get("risk_score"), r.get("high"), r.get("findings"), r.get("form_failures"),
             sector_label(r), VERDICT_VI.get(r.get("verdict") or "", r.get("verdict")),
             r.get("top_finding_code") or None] for i, r in enumerate(agg.ranking, 1)],
           [6, 45, 10, 8, 10, 10, 30, 30, 14])
    ws.freeze_panes = "C2"

    ws = wb.create_sheet("Lỗi và trùng lặp")
    problems = [r for r in rows if r["status"] in ("error", "duplicate")]
    _table(ws, ["Đường dẫn tệp", "Trạng thái", "Mã lỗi", "Lý do / tệp gốc"],
           [[r["path"], STATUS_VI[r["status"]], r.get("error_code") or None,
             r.get("error_message") if r["status"] == "error" else r.get("duplicate_of")] for r in problems],
           [45, 12, 16, 80])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_KIND_VI = {"clause": "Điều khoản", "document": "Hình thức, nội dung bắt buộc"}


def finding_rows(rows: list[dict]) -> list[list]:
    """Every finding and failed check of every reviewed file, one line each (for filtering in Excel)."""
    out = []
    for r in rows:
        if r["status"] != "ok":
            continue
        for kind, items in (("clause", r["_findings"]), ("document", r["_form_failures"])):
            for item in items:
                code, name, citation, severity, *rest = item + [None] * (7 - len(item))
                confidence, place, excerpt = rest[:3]
                out.append([r["path"], _KIND_VI[kind], code, name, citation, SEVERITY_VI.get(severity, severity),
                            confidence, place, excerpt])
    return out


def _preferred_report(reports: list[str]) -> str:
    for ext in (".html", ".md", ".docx", ".json"):
        for r in reports:
            if r.endswith(ext) and not r.endswith(".memo.docx"):
                return r
    return reports[0]


def overview_lines(agg: Aggregates) -> list[list]:
    c = agg.counts
    lines = [
        ["Tổng số tệp", c["files"]],
        ["Đã rà soát", c["ok"]],
        ["Lỗi (không rà soát được)", c["error"]],
        ["Trùng lặp (cùng SHA-256 với một tệp khác, chỉ rà soát một lần)", c["duplicate"]],
        ["Tệp có phát hiện hoặc yêu cầu chưa đạt", c["with_findings"]],
        ["Tổng số phát hiện (điều khoản)", c["findings"]],
        *[[f"— mức {SEVERITY_VI[s].lower()}", agg.severity[s]] for s in ("high", "medium", "low")],
        ["Tổng số yêu cầu hình thức/nội dung chưa đạt", c["form_failures"]],
        ["Tệp thuộc lĩnh vực phải đăng ký hợp đồng theo mẫu", c["registration_required"]],
    ]
    for v in ("needs_changes", "unreadable", "ready"):
        if agg.verdicts.get(v):
            lines.append([f"Kết luận: {VERDICT_VI[v]}", agg.verdicts[v]])
    for code, n in agg.errors.items():
        lines.append([f"Lỗi: {code}", n])
    return lines


# ----------------------------------------------------------------------------- Markdown


def _md(text) -> str:
    s = "" if text is None else str(text)
    s = " ".join(s.split())
    for ch in "\\|*_`[]<>#":
        s = s.replace(ch, "\\" + ch)
    return s


def render_md(rows: list[dict], agg: Aggregates, meta: dict, top: int = 20) -> str:
    out = ["# Tổng hợp rà soát hàng loạt", ""]
    out.append(f"- **Thư mục:** `{meta.get('directory', '')}`")
    out.append(f"- **Hồ sơ rà soát:** {meta.get('profile', '')} · **phiên bản:** "
               + ", ".join(f"{k} {v}" for k, v in sorted((meta.get("versions") or {}).items())))
    out.append(f"- **Lập lúc:** {meta.get('generated') or datetime.now().strftime('%Y-%m-%d %H:%M')}")
    out.append("- Bảng đầy đủ: `summary.xlsx` (mở bằng Excel), `summary.csv`; báo cáo từng tệp trong `reports/`.")
    out += ["", "## Tổng quan", "", "| Chỉ tiêu | Số lượng |", "|---|---:|"]
    out += [f"| {_md(k)} | {v} |" for k, v in overview_lines(agg)]
    if meta.get("warnings"):
        out += ["", "## Cảnh báo", ""] + [f"- {_md(w)}" for w in meta["warnings"]]
    if agg.provisions:
        out += ["", "## Các quy định bị vi phạm nhiều nhất", "",
                "| Mã | Nội dung | Căn cứ | Số tệp | Số phát hiện |", "|---|---|---|---:|---:|"]
        out += [f"| {_md(p['code'])} | {_md(p['name'])} | {_md(p['citation'])} | {p['files']} | {p['findings']} |"
                for p in agg.provisions[:top]]
    if agg.matrix and agg.codes:
        out += ["", "## Số tệp theo lĩnh vực và mã", "",
                "| Lĩnh vực | Tệp | " + " | ".join(_md(c) for c in agg.codes) + " |",
                "|---|---:|" + "---:|" * len(agg.codes)]
        out += [f"| {_md(s)} | {agg.sector_files[s]} | " + " | ".join(str(agg.matrix[s][c] or "") for c in agg.codes)
                + " |" for s in agg.matrix]
    risky = [r for r in agg.ranking if (r.get("risk_score") or 0) > 0][:top]
    if risky:
        out += ["", f"## {len(risky)} tệp rủi ro cao nhất", "",
                "| # | Tệp | Điểm rủi ro | Phát hiện (cao/TB/thấp) | Chưa đạt | Phát hiện nặng nhất |",
                "|---:|---|---:|---|---:|---|"]
        out += [f"| {i} | {_md(r['path'])} | {r.get('risk_score')} | {r.get('findings')} "
                f"({r.get('high')}/{r.get('medium')}/{r.get('low')}) | {r.get('form_failures')} | "
                f"{_md(r.get('top_finding_code'))} {_md(r.get('top_finding_provision'))} |"
                for i, r in enumerate(risky, 1)]
    errors = [r for r in rows if r["status"] == "error"]
    if errors:
        out += ["", f"## Tệp lỗi ({len(errors)})", "", "| Tệp | Mã lỗi | Lý do |", "|---|---|---|"]
        out += [f"| {_md(r['path'])} | {_md(r.get('error_code'))} | {_md(r.get('error_message'))} |" for r in errors]
    dups = [r for r in rows if r["status"] == "duplicate"]
    if dups:
        out += ["", f"## Tệp trùng lặp ({len(dups)})", "", "| Tệp | Trùng với |", "|---|---|"]
        out += [f"| {_md(r['path'])} | {_md(r.get('duplicate_of'))} |" for r in dups]
    out += ["", "_Kết quả hỗ trợ rà soát, không thay thế ý kiến pháp lý của người có thẩm quyền._", ""]
    return "\n".join(out)


def write_summary(outdir: Path, records: list[dict], meta: dict) -> list[Path]:
    from contract_review.audit.paths import write_atomic

    rows = resolve_rows(records)
    agg = aggregate(rows)
    outputs = {
        "summary.csv": render_csv(rows),
        "summary.xlsx": render_xlsx(rows, agg),
        "summary.md": render_md(rows, agg, meta).encode("utf-8"),
    }
    paths = []
    for name, data in outputs.items():
        path = outdir / name
        write_atomic(outdir, path, data)
        paths.append(path)
    return paths
