"""End to end: the `review` command writes every format; LibreOffice opens our Word files; Chromium runs the
page's own script under its Content-Security-Policy and nothing else."""
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import docx
import pytest
from bs4 import BeautifulSoup

import renderers
import render_support as rs
from contract_review.render import render
from contract_review.render.json_report import validate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "report.schema.json").read_text("utf-8"))
CLI = [sys.executable, "-c", "from contract_review.cli import main; main()"]

pytestmark = pytest.mark.slow


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, timeout=300, cwd=ROOT)


def test_cli_review_writes_every_format(tmp_path):
    src = tmp_path / "dkgdc.docx"
    src.write_bytes(rs.crafted_docx())
    outs = {}
    for fmt in ("json", "md", "html", "docx", "memo"):
        out = tmp_path / f"report.{fmt}"
        p = _cli("review", str(src), "--format", fmt, "--out", str(out))
        assert p.returncode == 0, p.stderr.decode()
        assert b"Traceback" not in p.stderr
        outs[fmt] = out.read_bytes()
    data = json.loads(outs["json"])
    validate(data, SCHEMA)
    n = len(data["findings"])
    assert n >= 1, "the sample contract should trigger the rule library"
    # the acceptance check: N findings -> exactly N comments, each anchored inside its clause
    comments = list(docx.Document(io.BytesIO(outs["docx"])).comments)
    assert len(comments) == n
    anchors = rs.docx_comment_anchors(outs["docx"])
    clauses = {c["id"]: c for c in data["clauses"]}
    for f, cid in zip(data["findings"], sorted(anchors)):
        assert rs.squash(anchors[cid]) and rs.squash(anchors[cid]) in rs.squash(clauses[f["clause_id"]]["text"])
    soup = BeautifulSoup(outs["html"].decode("utf-8"), "lxml")
    assert len(soup.select("article.finding")) == n
    assert "## Việc cần làm" in outs["md"].decode("utf-8")
    memo = "\n".join(p.text for p in docx.Document(io.BytesIO(outs["memo"])).paragraphs)
    assert "ĐIỀU KHOẢN CẦN SỬA ĐỔI" in memo and data["document"]["sha256"] in memo


def test_cli_word_formats_need_an_output_path(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("Điều 1. Hiệu lực\n1. Có hiệu lực từ ngày ký.\n", "utf-8")
    p = _cli("review", str(src), "--format", "docx")
    assert p.returncode == 2 and b"--out" in p.stderr and b"Traceback" not in p.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_commented_rebuilt_and_memo(tmp_path):
    data = rs.crafted_docx()
    report = rs.rich_report(data, "dkgdc.docx", rs.CRAFTED_SPEC)
    txt_report = rs.rich_report(renderers.render_txt("paytv-dkgdc"), "paytv-dkgdc.txt")
    files = {
        "commented.docx": render(report, "docx", data),
        "rebuilt.docx": render(txt_report, "docx"),
        "memo.docx": render(txt_report, "memo"),
    }
    for name, blob in files.items():
        (tmp_path / name).write_bytes(blob)
    profile = (tmp_path / "lo-profile").as_uri()  # own profile: parallel runs do not share a lock
    p = subprocess.run(
        ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
         *[str(tmp_path / n) for n in files]],
        capture_output=True, timeout=240,
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    for name in files:
        pdf = tmp_path / name.replace(".docx", ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 1000, name
    if shutil.which("pdftotext"):
        memo = subprocess.run(["pdftotext", str(tmp_path / "memo.pdf"), "-"], capture_output=True).stdout.decode()
        # LibreOffice substitutes a wider font for Times New Roman: compare without line breaks
        assert rs.squash("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") in rs.squash(memo) and "Kính gửi" in memo
        commented = subprocess.run(["pdftotext", str(tmp_path / "commented.pdf"), "-"], capture_output=True).stdout.decode()
        assert rs.squash("Công ty không chịu trách nhiệm bồi thường") in rs.squash(commented)


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="Chromium not installed")
def test_browser_runs_only_our_script(tmp_path):
    page = tmp_path / "report.html"
    page.write_bytes(render(rs.hostile_report(), "html"))
    p = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", page.as_uri()],
        capture_output=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)},
    )
    assert p.returncode == 0, p.stderr.decode(errors="replace")[-2000:]
    soup = BeautifulSoup(p.stdout.decode("utf-8"), "lxml")
    form = soup.find("form", id="filters")
    assert form is not None and not form.has_attr("hidden")  # our script ran (allowed by the CSP hash)
    assert not soup.find_all(["img", "iframe", "svg"])  # and the contract's markup stayed text
    assert rs.INJECTION_SCRIPT in soup.get_text()
