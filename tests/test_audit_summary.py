"""Summary tables from state records, the durable state file, and the per-file function's error rows —
without starting a review process."""
from __future__ import annotations

import csv
import io
import json

import pytest

from contract_review.audit.review import looks_like_contract, natural_key, review_file
from contract_review.audit.state import StateWriter, load_state, still_valid
from contract_review.audit.summary import KEYS, aggregate, render_csv, render_md, render_xlsx, resolve_rows
from contract_review.errors import EncryptedFile


def rec(path, status="ok", **kw):
    base = {"path": path, "status": status, "sha256": kw.pop("sha256", path.ljust(64, "0")), "size_bytes": 10}
    if status == "ok":
        base.update(file_kind="docx", contract_kind="hop_dong_theo_mau", sector="water",
                    sector_name="Cung cấp nước sinh hoạt", registration_required=True, pages=3, clauses=40,
                    findings=0, high=0, medium=0, low=0, max_severity="", risk_score=0.0, verdict="ready",
                    form_failures=0, reports=[f"reports/{path}.json"], seconds=1.5)
    base.update(kw)
    return base


F_A25_3 = ["A25.3", "Đơn phương thay đổi", "Luật 19/2023/QH15, Điều 25, khoản 3", "high"]
F_A25_10 = ["A25.10", "Buộc thực hiện", "Luật 19/2023/QH15, Điều 25, khoản 10", "medium"]
M23_D = ["M23.3.đ", "Thời gian, địa điểm", "Luật 19/2023/QH15, Điều 23, khoản 3, điểm đ", "medium"]

RECORDS = [
    rec("a.docx", findings=2, high=1, medium=1, max_severity="high", risk_score=4.5, verdict="needs_changes",
        _findings=[F_A25_3, F_A25_10]),
    rec("b/c.pdf", sector="", sector_name="", findings=1, high=1, max_severity="high", risk_score=2.7,
        verdict="needs_changes", form_failures=1, _findings=[F_A25_3], _form_failures=[M23_D]),
    rec("b/d.pdf", status="duplicate", sha256="a.docx".ljust(64, "0"), duplicate_of="a.docx", seconds=0.0),
    rec("e.docx", status="error", error_code="encrypted_file", error_message="Tệp PDF được đặt mật khẩu."),
    rec("f.docx", status="duplicate", duplicate_of="e.docx"),
    rec("=cmd|' /C calc'!A0.txt", error_message="@SUM(1)", status="error", error_code="corrupt_file"),
    rec("g.txt", error_message=None, notes="ký tự lạ \x07\x1b"),
]


def test_duplicates_take_the_analysis_of_their_original():
    rows = {r["path"]: r for r in resolve_rows(RECORDS)}
    d = rows["b/d.pdf"]
    assert (d["status"], d["findings"], d["sector"], d["reports"]) == ("duplicate", 2, "water", ["reports/a.docx.json"])
    assert d["_findings"] == []  # counted once, on the original
    f = rows["f.docx"]
    assert f["error_code"] == "encrypted_file" and f["error_message"].startswith("Trùng với tệp lỗi")


def test_aggregates():
    rows = resolve_rows(RECORDS)
    agg = aggregate(rows)
    assert agg.counts == {"files": 7, "ok": 3, "error": 2, "duplicate": 2, "with_findings": 2, "findings": 3,
                          "form_failures": 1, "registration_required": 3}
    assert agg.severity == {"high": 2, "medium": 1, "low": 0}
    assert agg.codes == ["A25.3", "A25.10", "M23.3.đ"]
    assert agg.matrix == {"Cung cấp nước sinh hoạt": {"A25.3": 1, "A25.10": 1, "M23.3.đ": 0},
                          "Chưa xác định lĩnh vực": {"A25.3": 1, "A25.10": 0, "M23.3.đ": 1}}
    assert [(p["code"], p["files"], p["findings"]) for p in agg.provisions] == [
        ("A25.3", 2, 2), ("A25.10", 1, 1), ("M23.3.đ", 1, 1)]
    assert [r["path"] for r in agg.ranking] == ["a.docx", "b/c.pdf", "g.txt"]
    assert agg.errors == {"corrupt_file": 1, "encrypted_file": 1}


def test_csv_is_excel_friendly_and_formula_safe():
    data = render_csv(resolve_rows(RECORDS))
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 diacritics
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == KEYS and len(rows) == len(RECORDS)
    bad = rows[5]
    assert bad["path"].startswith("'=") and bad["error_message"] == "'@SUM(1)"
    assert rows[0]["registration_required"] == "true" and rows[0]["reports"] == "reports/a.docx.json"


def test_workbook_cells_are_text_not_formulas():
    from openpyxl import load_workbook

    rows = resolve_rows(RECORDS)
    wb = load_workbook(io.BytesIO(render_xlsx(rows, aggregate(rows))))
    ws = wb["Tệp"]
    cell = ws.cell(row=7, column=1)
    assert cell.value.startswith("=cmd") and cell.data_type == "s"
    assert ws.cell(row=8, column=KEYS.index("notes") + 1).value == "ký tự lạ "  # XML-illegal characters dropped
    assert ws.cell(row=2, column=KEYS.index("reports") + 1).hyperlink.target == "reports/a.docx.json"
    assert ws.cell(row=2, column=2).value == "Đã rà soát"
    listing = [list(r) for r in wb["Phát hiện"].iter_rows(values_only=True)]
    assert listing[0][:3] == ["Đường dẫn tệp", "Loại", "Mã"] and len(listing) == 1 + 3 + 1
    assert listing[1][:3] == ["a.docx", "Điều khoản", "A25.3"] and listing[1][5] == "Cao"
    assert listing[4][:3] == ["b/c.pdf", "Hình thức, nội dung bắt buộc", "M23.3.đ"]
    matrix = [list(r) for r in wb["Lĩnh vực × mã"].iter_rows(values_only=True)]
    assert matrix[0] == ["Lĩnh vực", "Số tệp đã rà soát", "A25.3", "A25.10", "M23.3.đ"]
    assert matrix[1] == ["Cung cấp nước sinh hoạt", 2, 1, 1, None]


def test_markdown_escapes_and_lists_problems():
    rows = resolve_rows(RECORDS)
    md = render_md(rows, aggregate(rows), {"directory": "/hồ sơ", "profile": "inspector", "versions": {"rules": "1"}})
    assert "## Tệp lỗi (2)" in md and "## Tệp trùng lặp (2)" in md
    assert "=cmd\\|' /C calc'!A0.txt" in md  # a pipe cannot break the table
    assert "| A25.3 | Đơn phương thay đổi | Luật 19/2023/QH15, Điều 25, khoản 3 | 2 | 2 |" in md


def test_natural_code_order():
    codes = ["M23.3.e", "A25.10", "M23.3.đ", "A25.2", "P67", "M23.3.d"]
    assert sorted(codes, key=natural_key) == ["A25.2", "A25.10", "M23.3.d", "M23.3.đ", "M23.3.e", "P67"]


# ----------------------------------------------------------------------------- durable state


def test_state_survives_a_line_cut_by_a_kill(tmp_path):
    path = tmp_path / "audit-state.jsonl"
    with StateWriter(path, fresh=True) as w:
        w.append({"type": "run", "profile": "business"})
        w.append({"type": "file", "rel": "a.txt", "status": "ok", "size": 1, "mtime_ns": 5})
        w.append({"type": "file", "rel": "tên\udcff.txt", "status": "ok"})  # undecodable name round-trips
    with open(path, "ab") as fh:
        fh.write(b'{"type": "file", "rel": "b.txt", "sta')  # killed mid-line
    st = load_state(path)
    assert st.header["profile"] == "business" and st.damaged_lines == 1
    assert set(st.records) == {"a.txt", "tên\udcff.txt"}
    with StateWriter(path, fresh=False) as w:
        w.append({"type": "file", "rel": "b.txt", "status": "error"})
    st = load_state(path)
    assert set(st.records) == {"a.txt", "b.txt", "tên\udcff.txt"} and st.damaged_lines == 1
    assert still_valid(st.records["a.txt"], 1, 5) and not still_valid(st.records["a.txt"], 1, 6)


# ----------------------------------------------------------------------------- the per-file function


class _Stub:
    def __init__(self, exc=None, report=None):
        self.exc, self.report = exc, report

    def review_path(self, path, profile=None):
        if self.exc:
            raise self.exc
        return self.report


@pytest.mark.parametrize("exc,code", [
    (EncryptedFile(), "encrypted_file"), (MemoryError(), "out_of_memory"),
    (FileNotFoundError(2, "No such file"), "unreadable"), (ZeroDivisionError("x"), "internal_error"),
])
def test_review_file_turns_every_failure_into_an_error_row(exc, code):
    out = review_file(_Stub(exc), {"name": "a.pdf", "path": "/nowhere/a.pdf", "formats": ["json"]})
    assert out["row"]["status"] == "error" and out["row"]["error_code"] == code
    assert out["row"]["error_message"] and out["outputs"] == {}


def _report(text: str, **summary):
    from contract_review.model import Clause, DocumentInfo, Report, Summary

    return Report(document=DocumentInfo(name="a.txt", sha256="0" * 64, kind="txt", clause_count=1),
                  clauses=[Clause(id="D1", level="article", text=text, start=0, end=len(text))],
                  summary=Summary(**summary))


def test_review_file_renders_and_reports_renderer_failures():
    text = "Hợp đồng: khách hàng thanh toán phí dịch vụ; bên cung cấp bồi thường khi chấm dứt."
    out = review_file(_Stub(report=_report(text)), {"name": "a.txt", "path": "/x/a.txt", "formats": ["json", "docx"]})
    row = out["row"]
    assert row["status"] == "ok" and json.loads(out["outputs"]["json"])["document"]["name"] == "a.txt"
    assert "docx" not in out["outputs"] and "không xuất được báo cáo docx" in row["notes"]


def test_not_a_contract_is_conservative():
    assert not looks_like_contract(_report("Cách nấu phở: ninh xương bò, giá bánh phở rẻ."))
    assert looks_like_contract(_report("Hợp đồng này quy định quyền và nghĩa vụ; khách hàng thanh toán phí."))
