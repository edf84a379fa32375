"""The web page in a real browser: `contract-review serve` in a subprocess (worker-process mode, as
`make run`), headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; nothing downloaded)
dropping a DOCX on the upload zone, then checking the findings, the Đúng button and the downloads; and
the same upload with JavaScript off."""
from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import httpx
import pytest

from api_samples import small_docx, start_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed (make system-test)"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("playwright")
    data = tmp_path_factory.mktemp("browser-data")
    try:
        proc, base, log = start_server(data, {"CONTRACT_REVIEW_WORKERS": "1", "CONTRACT_REVIEW_TIMEOUT": "300"},
                                       ready_within=240)
    except RuntimeError as e:
        pytest.fail(str(e))
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        text = (data / "server.log").read_text("utf-8", "replace")
        assert "Traceback" not in text, text[-3000:]
        assert "chế độ một người dùng cục bộ" in text.lower()  # local mode says so in its log


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_drop_docx_see_findings_confirm_download(server, browser, tmp_path):
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server + "/")
    assert page.locator("h1").first.inner_text() == "Rà soát một hợp đồng"

    # drag and drop a DOCX onto the drop zone
    payload = base64.b64encode(small_docx()).decode()
    dt = page.evaluate_handle(
        """(b64) => { const bin = atob(b64); const bytes = new Uint8Array(bin.length);
             for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
             const dt = new DataTransfer();
             dt.items.add(new File([bytes], "hop-dong-nuoc.docx",
               {type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}));
             return dt; }""", payload)
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": dt})
    assert page.inner_text("#dz-file") == "hop-dong-nuoc.docx"
    page.click("#upload-submit")
    page.wait_for_selector("#progress:not([hidden])")
    page.wait_for_url("**/reviews/*", timeout=300_000)

    findings = page.locator("article.finding")
    assert findings.count() == 2
    text = page.inner_text("main")
    assert "A25.1" in text and "A25.8" in text and "Luật 19/2023/QH15" in text

    # Đúng on the first finding, saved without reloading
    first = findings.first
    fid = first.get_attribute("id")
    first.locator("button.fb-yes").click()
    page.wait_for_function(
        "(id) => document.getElementById(id).querySelector('.fb-status').textContent.includes('Đã xác nhận')", arg=fid)
    assert first.locator("button.fb-yes").get_attribute("aria-pressed") == "true"
    rid = page.url.rstrip("/").rsplit("/", 1)[1]
    api = httpx.get(f"{server}/v1/reviews/{rid}", timeout=30).json()
    assert next(f for f in api["findings"] if f["id"] == fid)["feedback"] == "confirmed"

    # downloads: Word with comments, memo, JSON
    import docx

    with page.expect_download() as dl:
        page.click("text=Word kèm nhận xét (DOCX)")
    doc = docx.Document(dl.value.path())
    assert len(list(doc.comments)) == 2
    with page.expect_download() as dl:
        page.click("text=Dự thảo công văn (DOCX)")
    assert "Kính gửi" in "\n".join(p.text for p in docx.Document(dl.value.path()).paragraphs)
    with page.expect_download() as dl:
        page.click(".cr-downloads >> text=JSON")
    assert Path(dl.value.path()).read_bytes().startswith(b"{")

    # back to the list: the review is there
    page.click("text=Danh sách & tải lên")
    assert "hop-dong-nuoc.docx" in page.inner_text("table.reviews")
    page.goto(server + "/rules")
    assert "A25.8" in page.inner_text("main")
    assert not problems, problems
    page.close()


def test_upload_and_view_without_javascript(server, browser, tmp_path):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    path = tmp_path / "khong-js.docx"
    path.write_bytes(small_docx())
    page.goto(server + "/")
    page.set_input_files("#file", str(path))
    page.click("#upload-submit")
    page.wait_for_url("**/reviews/*", timeout=300_000)
    assert page.locator("article.finding").count() == 2
    # Sai as a plain form post
    page.locator("article.finding").first.locator("button.fb-no").click()
    page.wait_for_load_state()
    assert "Đã bác bỏ" in page.locator("article.finding").first.inner_text()
    ctx.close()


def test_upload_error_shown_in_page(server, browser, tmp_path):
    page = browser.new_page()
    path = tmp_path / "chuong-trinh.exe"
    path.write_bytes(b"MZ\x90\x00" * 100)
    page.goto(server + "/")
    page.set_input_files("#file", str(path))
    page.click("#upload-submit")
    page.wait_for_selector("#upload-error:not([hidden])")
    assert page.inner_text("#upload-error").strip()
    assert "/reviews/" not in page.url
    page.close()


