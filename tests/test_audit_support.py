"""Shared material for the batch-audit tests (no tests here): a folder of small contracts in TXT, DOCX
and PDF with duplicates, bad files and awkward names; an engine that hangs or crashes on request; and
helpers to compare summaries. Importable by the review processes (PYTHONPATH=tests)."""
from __future__ import annotations

import contextlib
import csv
import io
import os
import signal
import time
import zipfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# written for these tests (not taken from anywhere): a short service contract with clauses the law forbids
OWN_CONTRACT = """HỢP ĐỒNG CUNG CẤP DỊCH VỤ VỆ SINH NHÀ Ở ĐỊNH KỲ
Số: VS-2025/{n}
Bên cung cấp dịch vụ (Bên A): Công ty TNHH Dịch vụ Nhà Sạch, địa chỉ số 12 phố Hàng Bông, Hà Nội, điện thoại 024 3826 0000.
Khách hàng (Bên B): ông/bà ........................., địa chỉ ........................., điện thoại .............
Điều 1. Dịch vụ và giá
1. Bên A cung cấp dịch vụ vệ sinh nhà ở hai lần mỗi tuần tại địa chỉ của Bên B.
2. Giá dịch vụ là 1.200.000 đồng mỗi tháng, Bên B thanh toán trước ngày 05 hằng tháng bằng chuyển khoản.
Điều 2. Quyền của Bên A
1. Bên A có quyền đơn phương thay đổi giá dịch vụ và nội dung hợp đồng này mà không cần thông báo trước cho Bên B.
2. Bên A không chịu trách nhiệm đối với bất kỳ thiệt hại nào xảy ra đối với tài sản của Bên B trong quá trình cung cấp dịch vụ.
Điều 3. Khiếu nại
1. Bên B không được khiếu nại sau khi nhân viên của Bên A rời khỏi nhà.
Điều 4. Điều khoản chung
1. Mọi vấn đề phát sinh chưa được quy định trong hợp đồng này sẽ do Bên A quyết định.
2. Hợp đồng có hiệu lực kể từ ngày ký và có thời hạn 12 tháng.
"""

RECIPE = ("Cách nấu phở bò. Nguyên liệu: xương bò hai cân, bánh phở một cân, hành nướng, gừng, quế, hồi. "
          "Bước một: ninh xương sáu giờ. Bước hai: chần bánh, xếp thịt, chan nước dùng thật nóng.\n")

TRUNCATE = 45  # lines kept from each sample: enough structure, quick to review


@contextlib.contextmanager
def sample_dir(tmp: Path, lines: int = TRUNCATE):
    """Point the test renderers at shortened copies of the sample contracts."""
    import renderers

    src = ROOT / "corpus" / "documents"
    tmp.mkdir(parents=True, exist_ok=True)
    for p in src.glob("*.txt"):
        (tmp / p.name).write_text("\n".join(p.read_text("utf-8").splitlines()[:lines]) + "\n", "utf-8")
    old = renderers.DOCS
    renderers.DOCS = tmp
    try:
        yield renderers
    finally:
        renderers.DOCS = old


def zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(210):
                fh.write(b"\0" * (1 << 20))
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="matkhau")
    c.drawString(72, 720, "Hop dong dich vu")
    c.showPage()
    c.save()
    return buf.getvalue()


# what each bad file must become
BAD_FILES = {
    "hỏng/rỗng.txt": "empty_document",
    "hỏng/hop-dong-hong.docx": "corrupt_file",
    "hỏng/mat-khau.pdf": "encrypted_file",
    "hỏng/bom-nen.docx": "archive_bomb",
    "hỏng/du-lieu.bin": "unsupported_format",
    "hỏng/du-lieu-lon.bin": "unsupported_format",
    "hỏng/cong-thuc-nau-an.txt": "not_a_contract",
}
# copies sort after their originals: the first file in path order is the one reviewed
DUPLICATES = {"z-ban-sao/gym (bản sao).txt": "txt/gym.txt", "z-ban-sao/ecommerce-copy.docx": "docx/ecommerce.docx"}
ESCAPE_NAME = "x\\..\\..\\..\\thoat-ra-ngoai.txt"  # one name on Linux; "\\" separates on Windows


def build_folder(root: Path, work: Path) -> dict[str, str]:
    """Write the audit test folder; returns {relative path: expected status or error code}."""
    expected: dict[str, str] = {}

    def put(rel: str, data: bytes, expect: str) -> None:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        expected[rel] = expect

    with sample_dir(work / "samples") as r:
        put("txt/gym.txt", r.render_txt("gym-membership"), "ok")
        put("txt/mobile.txt", r.render_txt("mobile-postpaid"), "ok")
        put("docx/ecommerce.docx", r.render_docx("ecommerce-terms"), "ok")
        put("pdf/water.pdf", r.render_pdf("water-hdcn")[0], "ok")
        put("pdf/sâu/hơn/paytv.pdf", r.render_pdf("paytv-dkgdc")[0], "ok")
    put("Hợp đồng vệ sinh (bản cuối).txt", OWN_CONTRACT.format(n="01").encode(), "ok")
    # names that must neither escape OUTDIR nor run as spreadsheet formulas
    put(ESCAPE_NAME, OWN_CONTRACT.format(n="02").encode(), "ok")
    put("=HYPERLINK(1)-" + "hợp đồng rất dài " * 9 + ".txt", OWN_CONTRACT.format(n="03").encode(), "ok")
    for rel, orig in DUPLICATES.items():
        put(rel, (root / orig).read_bytes(), "duplicate")
    put("hỏng/rỗng.txt", b"", "empty_document")
    put("hỏng/hop-dong-hong.docx", b"PK\x03\x04" + b"\x00garbage" * 50, "corrupt_file")
    put("hỏng/mat-khau.pdf", encrypted_pdf(), "encrypted_file")
    put("hỏng/bom-nen.docx", zip_bomb(), "archive_bomb")
    put("hỏng/du-lieu.bin", bytes(range(256)) * 8, "unsupported_format")
    put("hỏng/du-lieu-lon.bin", bytes(range(256)) * 6000, "unsupported_format")  # > 1 MB: sent apart on Dask
    put("hỏng/cong-thuc-nau-an.txt", RECIPE.encode(), "not_a_contract")
    (root / ".an").mkdir()
    (root / ".an" / "bo-qua.txt").write_text("tệp ẩn: không rà soát", "utf-8")
    (root / "~$khoa.docx").write_bytes(b"lock")
    return expected


# ----------------------------------------------------------------------------- summaries


def summary_rows(outdir: Path, drop=("seconds",)) -> list[dict]:
    with open(outdir / "summary.csv", encoding="utf-8-sig", newline="") as fh:
        rows = [{k: v for k, v in r.items() if k not in drop} for r in csv.DictReader(fh)]
    for r in rows:  # undo the quote that keeps spreadsheets from running "=..." as a formula
        for k, v in r.items():
            if v[:1] == "'" and v[1:2] in ("=", "+", "-", "@"):
                r[k] = v[1:]
    return rows


def workbook_values(outdir: Path, skip_columns=("Thời gian xử lý (giây)",)) -> dict[str, list[list]]:
    """Every sheet's cell values, without the timing column."""
    from openpyxl import load_workbook

    wb = load_workbook(outdir / "summary.xlsx")
    out = {}
    for ws in wb:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        if rows:
            drop = [i for i, h in enumerate(rows[0]) if h in skip_columns]
            rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
        out[ws.title] = rows
    return out


def engine_versions(outdir: Path) -> list[dict]:
    """Distinct rule/model versions that reviewed files in this OUTDIR (from its state file)."""
    import json

    seen: list[dict] = []
    for line in (outdir / "audit-state.jsonl").read_text("utf-8").splitlines():
        rec = json.loads(line) if line.startswith("{") and line.endswith("}") else {}
        if rec.get("type") == "engine" and rec["versions"] not in seen:
            seen.append(rec["versions"])
    return seen


def comparable_baseline(root: Path, base_out: Path, out: Path, tmp: Path) -> Path:
    """The uninterrupted run to compare `out` with. In a checkout where the rules are being edited
    while the tests run, a run made with other rule versions is not comparable: make a fresh one."""
    import pytest

    from contract_review.audit import run_audit

    versions = engine_versions(out)
    if len(versions) > 1:
        pytest.skip(f"the rule library changed while this run was going on: {versions}")
    if engine_versions(base_out) != versions:
        base_out = tmp / "baseline-again"
        assert run_audit(root, base_out, workers=2, stream=io.StringIO()) == 0
        if engine_versions(base_out) != versions:
            pytest.skip("the rule library keeps changing while the tests run")
    return base_out


def state_file_records(outdir: Path) -> list[dict]:
    import json

    recs = []
    for line in (outdir / "audit-state.jsonl").read_text("utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("type") == "file":
            recs.append(rec)
    return recs


# ----------------------------------------------------------------------------- an engine with trouble


class TroubleEngine:
    """The real engine, except for files named to hang ("treo") or crash ("sap-luon": every time;
    "sap-mot-lan": only the first time, tracked by a marker in $AUDIT_TEST_MARKERS)."""

    def __init__(self, profile: str = "business") -> None:
        from contract_review.pipeline import Engine

        self._engine = Engine(profile=profile)
        self.versions = self._engine.versions

    def _trouble(self, name: str) -> None:
        if "treo" in name:
            time.sleep(3600)
        if "sap-luon" in name:
            os.kill(os.getpid(), signal.SIGKILL)
        if "sap-mot-lan" in name:
            marker = Path(os.environ["AUDIT_TEST_MARKERS"]) / "sap-mot-lan.done"
            if not marker.exists():
                marker.touch()
                os.kill(os.getpid(), signal.SIGSEGV)

    def review_path(self, path, profile=None, sector_hint=None):
        self._trouble(Path(path).name)
        return self._engine.review_path(path, profile=profile)

    def review_bytes(self, data, name="document", profile=None, sector_hint=None):
        self._trouble(name)
        return self._engine.review_bytes(data, name, profile=profile)
