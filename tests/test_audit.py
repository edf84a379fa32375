"""Batch audit end to end with the real engine: good, bad and duplicate files; per-file reports under
OUTDIR only; summary CSV/XLSX/MD; exit codes; a run killed with SIGKILL and resumed gives the same
summary as an uninterrupted one; a stuck file is timed out and a crashing worker survived; the Dask
engine gives the same summary as the process pool."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest

from contract_review.audit import run_audit
from test_audit_support import (BAD_FILES, DUPLICATES, ESCAPE_NAME, OWN_CONTRACT, TESTS, build_folder,
                                comparable_baseline, state_file_records, summary_rows, workbook_values)

pytestmark = pytest.mark.xdist_group("audit")  # one baseline run, shared by every test here


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("audit-in")
    expected = build_folder(root, tmp_path_factory.mktemp("audit-work"))
    return root, {nfc(k): v for k, v in expected.items()}


@pytest.fixture(scope="module")
def baseline(folder, tmp_path_factory):
    root, _ = folder
    out = tmp_path_factory.mktemp("audit-out") / "ket-qua"
    err = io.StringIO()
    code = run_audit(root, out, workers=2, formats=["json", "md"], stream=err)
    return out, code, err.getvalue()


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "contract_review.cli", "audit", *args], capture_output=True,
                          text=True, timeout=600, **kw)


# ----------------------------------------------------------------------------- one run


def test_every_file_gets_one_row_with_the_right_status(folder, baseline):
    root, expected = folder
    out, code, _ = baseline
    assert code == 0
    rows = {r["path"]: r for r in summary_rows(out)}
    assert sorted(rows) == sorted(expected)  # hidden files and Office lock files are skipped
    for path, want in expected.items():
        r = rows[path]
        assert int(r["size_bytes"]) == (root / path).stat().st_size
        if want in ("ok", "duplicate"):
            assert r["status"] == want, (path, r["error_code"], r["error_message"])
        else:
            assert (r["status"], r["error_code"]) == ("error", want), path
            assert r["error_message"] and r["error_message"] == nfc(r["error_message"])
    for dup, orig in DUPLICATES.items():
        d, o = rows[nfc(dup)], rows[nfc(orig)]
        assert d["duplicate_of"] == nfc(orig)
        assert d["sha256"] == o["sha256"] and len(d["sha256"]) == 64
        for k in ("file_kind", "sector", "findings", "form_failures", "risk_score", "reports"):
            assert d[k] == o[k], k
    ok = [r for r in rows.values() if r["status"] == "ok"]
    assert {r["file_kind"] for r in ok} == {"txt", "docx", "pdf"}
    assert all(int(r["clauses"]) > 0 for r in ok)
    assert any(int(r["pages"] or 0) > 0 for r in ok if r["file_kind"] == "pdf")
    assert all(float(r["seconds"]) > 0 for r in summary_rows(out, drop=()) if r["status"] == "ok")


def test_reports_mirror_the_tree_and_stay_inside_outdir(folder, baseline):
    root, _ = folder
    out, _, _ = baseline
    assert sorted(p.name for p in out.parent.iterdir()) == ["ket-qua"]  # nothing written beside OUTDIR
    rows = {r["path"]: r for r in summary_rows(out)}
    real_out = os.path.realpath(out / "reports")
    written = [p for p in (out / "reports").rglob("*") if p.is_file()]
    for p in written:
        assert os.path.commonpath([real_out, os.path.realpath(p)]) == real_out
        assert len(p.name.encode("utf-8")) <= 255
    assert rows[nfc("pdf/sâu/hơn/paytv.pdf")]["reports"] == nfc(
        "reports/pdf/sâu/hơn/paytv.pdf.json; reports/pdf/sâu/hơn/paytv.pdf.md")
    for r in rows.values():
        for rep in filter(None, r["reports"].split("; ")):
            assert (out / rep).is_file()
        if r["status"] == "ok":
            assert r["reports"].count(".json") == 1 and r["reports"].count(".md") == 1
        if r["status"] == "error":
            assert r["reports"] == ""
    escape = rows[ESCAPE_NAME]["reports"].split("; ")[0]
    assert escape.startswith("reports/") and ".." not in Path(escape).parts and "\\" not in escape
    # the reports are the real thing: the JSON report of a file is that file's review
    import json

    rep = json.loads((out / rows["txt/gym.txt"]["reports"].split("; ")[0]).read_text("utf-8"))
    assert rep["document"]["sha256"] == rows["txt/gym.txt"]["sha256"]
    assert rep["summary"]["findings"] == int(rows["txt/gym.txt"]["findings"])


def test_summary_workbook_markdown_and_csv_agree(folder, baseline):
    _, expected = folder
    out, _, _ = baseline
    rows = summary_rows(out)
    sheets = workbook_values(out)
    assert list(sheets) == ["Tệp", "Tổng quan", "Lĩnh vực × mã", "Điều khoản vi phạm", "Phát hiện",
                            "Xếp hạng rủi ro", "Lỗi và trùng lặp"]
    per_file = sheets["Tệp"]
    assert per_file[0][0] == "Đường dẫn tệp" and len(per_file) == len(rows) + 1
    assert [r[0] for r in per_file[1:]] == [r["path"] for r in rows]
    statuses = {r[0]: r[1] for r in per_file[1:]}
    assert statuses["txt/gym.txt"] == "Đã rà soát" and statuses[nfc("hỏng/rỗng.txt")] == "Lỗi"
    ok = [r for r in rows if r["status"] == "ok"]
    overview = dict(sheets["Tổng quan"][1:])
    assert overview["Tổng số tệp"] == len(rows)
    assert overview["Đã rà soát"] == len(ok)
    assert overview["Lỗi (không rà soát được)"] == len(BAD_FILES)
    assert overview["Tổng số phát hiện (điều khoản)"] == sum(int(r["findings"]) for r in ok)
    matrix = sheets["Lĩnh vực × mã"]
    body = [r for r in matrix[1:] if r[0] and isinstance(r[1], int)]
    assert sum(r[1] for r in body) == len(ok)  # every reviewed file sits in one sector row
    provisions = sheets["Điều khoản vi phạm"][1:]
    total = sum(int(r["findings"]) + int(r["form_failures"]) for r in ok)
    assert sum(p[6] for p in provisions) == total
    assert [p[5] for p in provisions] == sorted((p[5] for p in provisions), reverse=True)
    listing = sheets["Phát hiện"][1:]
    assert len(listing) == total and all(r[7] and r[8] for r in listing)  # each with its place and words
    ranking = sheets["Xếp hạng rủi ro"][1:]
    assert len(ranking) == len(ok)
    assert [r[2] for r in ranking] == sorted((r[2] for r in ranking), reverse=True)
    problems = sheets["Lỗi và trùng lặp"][1:]
    assert len(problems) == len(BAD_FILES) + len(DUPLICATES)
    # a file name starting with "=" is text, never a formula
    from openpyxl import load_workbook

    ws = load_workbook(out / "summary.xlsx")["Tệp"]
    cell = next(c for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert cell.data_type == "s"
    raw = (out / "summary.csv").read_text("utf-8-sig")
    assert "'=HYPERLINK(1)" in raw and "\n=HYPERLINK" not in raw
    md = (out / "summary.md").read_text("utf-8")
    assert md == nfc(md) and "# Tổng hợp rà soát hàng loạt" in md
    for bad in BAD_FILES:
        assert bad.split("/")[-1].replace("_", "\\_") in md
    stats = (out / "audit-stats.json").read_text("utf-8")
    assert '"worker_peak_rss_mb"' in stats and '"steady_files_per_minute"' in stats


def test_progress_on_stderr(baseline, folder):
    _, expected = folder
    _, _, err = baseline
    n = len(expected)
    assert f"[audit] {n}/{n} tệp, lỗi {len(BAD_FILES)}, trùng {len(DUPLICATES)}" in err
    assert "Xong" in err and "summary.xlsx" in err


def test_fail_on_exit_code_and_resume_of_a_finished_run(folder, baseline):
    root, _ = folder
    out, _, _ = baseline
    rows = summary_rows(out)
    before = (out / "audit-state.jsonl").read_bytes()
    rank = {"high": 3, "medium": 2, "low": 1}
    for level in ("low", "high"):
        err = io.StringIO()
        code = run_audit(root, out, workers=1, resume=True, fail_on=level, stream=err)
        want = any(r["status"] == "ok" and rank.get(r["max_severity"], 0) >= rank[level] for r in rows)
        assert code == int(want), level
        assert f"bỏ qua {len(rows)} tệp đã xong, còn 0 tệp" in err.getvalue()
    assert any(r["max_severity"] for r in rows if r["status"] == "ok")  # so "low" really exercised exit 1
    # nothing was reviewed again: only two "resume" lines were added to the state
    after = (out / "audit-state.jsonl").read_bytes()
    assert after.startswith(before) and after[len(before):].count(b"\n") == 2
    assert summary_rows(out) == rows


def test_only_bad_files_exit_zero_even_with_fail_on(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rong.txt").write_bytes(b"")
    (tmp_path / "in" / "anh.gif").write_bytes(b"GIF89a" + b"\0" * 100)
    code = run_audit(tmp_path / "in", tmp_path / "out", workers=1, fail_on="low", stream=io.StringIO())
    assert code == 0
    rows = summary_rows(tmp_path / "out")
    assert [(r["path"], r["status"]) for r in rows] == [("anh.gif", "error"), ("rong.txt", "error")]


def test_usage_errors(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(OWN_CONTRACT.format(n="x"), "utf-8")
    err = io.StringIO()
    assert run_audit(tmp_path / "khong-co", tmp_path / "out", stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "in", stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "out", formats=["pdf"], stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "out", engine="spark", stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "out", timeout=0, stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "out", engine="dask", scheduler="may-chu", stream=err) == 2
    assert run_audit(tmp_path / "in", tmp_path / "out", include=["*.pdf"], stream=err) == 2
    (tmp_path / "rong").mkdir()
    assert run_audit(tmp_path / "rong", tmp_path / "out", stream=err) == 2
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 8 and all(line.startswith("contract-review: ") for line in lines)
    assert "không tìm thấy tệp nào" in lines[-1] and "--include *.pdf" in lines[-2]
    assert not (tmp_path / "out" / "summary.csv").exists()  # never an empty "clean" summary


def test_cli_usage_errors_exit_2_without_traceback(tmp_path):
    r = _cli(str(tmp_path / "khong-co"), "--out", str(tmp_path / "out"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().startswith("contract-review: ") and len(r.stderr.strip().splitlines()) == 1


# ----------------------------------------------------------------------------- kill, crash, cluster


def _interrupt_after(root: Path, out: Path, done: int, sig: int, resume: bool) -> tuple[int, str]:
    """Start a CLI run, wait until `done` files are recorded, send `sig`; returns (exit code, stderr)."""
    args = [sys.executable, "-m", "contract_review.cli", "audit", str(root), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(args + (["--resume"] if resume else []), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "audit-state.jsonl").exists() and len(state_file_records(out)) >= done:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.slow
def test_interrupted_and_killed_run_resumes_to_the_same_summary(folder, baseline, tmp_path):
    root, expected = folder
    out = tmp_path / "ket-qua"
    # 1. `kill PID` (SIGTERM) behaves like Ctrl-C: workers stopped, progress kept, exit 130
    code, err = _interrupt_after(root, out, 3, signal.SIGTERM, resume=False)
    assert code == 130 and "--resume" in err and "Traceback" not in err
    first = len(state_file_records(out))
    # 2. resumed, then killed outright (SIGKILL: no chance to clean up)
    code, _ = _interrupt_after(root, out, first + 4, signal.SIGKILL, resume=True)
    assert code == -signal.SIGKILL
    second = {r["rel"] for r in state_file_records(out)}
    assert first + 4 <= len(second) < len(expected)
    assert not (out / "summary.csv").exists()
    # 3. resumed to the end
    r = _cli(str(root), "--out", str(out), "--workers", "1", "--resume")
    assert r.returncode == 0, r.stderr
    assert f"bỏ qua {len(second)} tệp đã xong" in r.stderr
    recs = state_file_records(out)
    assert len(recs) == len(expected) == len({x["rel"] for x in recs})  # nothing done twice
    base_out = comparable_baseline(root, baseline[0], out, tmp_path)
    assert summary_rows(out) == summary_rows(base_out)
    assert workbook_values(out) == workbook_values(base_out)


@pytest.mark.slow
def test_stuck_file_times_out_and_crashed_worker_is_survived(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for i, name in enumerate(["binh-thuong.txt", "treo.txt", "sap-luon.txt", "sap-mot-lan.txt", "z-sau-cung.txt"]):
        (src / name).write_text(OWN_CONTRACT.format(n=f"T{i}"), "utf-8")
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    monkeypatch.setenv("AUDIT_TEST_MARKERS", str(markers))
    err = io.StringIO()
    code = run_audit(src, tmp_path / "out", workers=2, timeout=30, stream=err,
                     engine_factory="test_audit_support:TroubleEngine")
    assert code == 0, err.getvalue()
    rows = {r["path"]: r for r in summary_rows(tmp_path / "out", drop=())}
    assert (rows["treo.txt"]["status"], rows["treo.txt"]["error_code"]) == ("error", "timeout")
    assert "30 giây" in rows["treo.txt"]["error_message"]
    crash = rows["sap-luon.txt"]
    assert (crash["status"], crash["error_code"], crash["attempts"]) == ("error", "worker_crash", "2")
    assert "SIGKILL" in crash["error_message"]
    assert (rows["sap-mot-lan.txt"]["status"], rows["sap-mot-lan.txt"]["attempts"]) == ("ok", "2")
    assert rows["binh-thuong.txt"]["status"] == rows["z-sau-cung.txt"]["status"] == "ok"


@pytest.mark.slow
def test_dask_engine_gives_the_same_summary_as_the_process_pool(folder, baseline, tmp_path):
    pytest.importorskip("distributed")
    root, _ = folder
    err = io.StringIO()
    code = run_audit(root, tmp_path / "dask", workers=2, engine="dask", stream=err)
    assert code == 0, err.getvalue()
    base_out = comparable_baseline(root, baseline[0], tmp_path / "dask", tmp_path)
    assert summary_rows(tmp_path / "dask") == summary_rows(base_out)
    assert workbook_values(tmp_path / "dask") == workbook_values(base_out)
    # and resuming on the cluster skips everything already done
    err = io.StringIO()
    assert run_audit(root, tmp_path / "dask", workers=2, engine="dask", resume=True, stream=err) == 0
    assert "còn 0 tệp" in err.getvalue()


@pytest.mark.slow
def test_worker_holding_too_much_memory_is_replaced(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(3):
        (src / f"hd-{i}.txt").write_text(OWN_CONTRACT.format(n=f"M{i}"), "utf-8")
    err = io.StringIO()
    assert run_audit(src, tmp_path / "out", workers=1, worker_memory_mb=1, stream=err) == 0, err.getvalue()
    import json

    stats = json.loads((tmp_path / "out" / "audit-stats.json").read_text("utf-8"))
    assert stats["workers_recycled_for_memory"] == 3 and stats["worker_restarts"] == 0
    assert len(stats["worker_load_seconds"]) == 3  # a fresh process per file; none once the work is done
    assert [r["status"] for r in summary_rows(tmp_path / "out")] == ["ok"] * 3
