"""HTTP API over real files with FastAPI's TestClient: reviews, downloads, feedback, bad inputs (each
with its 4xx JSON error), persistence across restarts, DELETE, feedback export, the web page flows."""
from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from api_samples import FAIR, SMALL, make_app, small_docx, small_txt
from conftest import rendered

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(client, data: bytes, name: str, **form):
    return client.post("/v1/reviews", files={"file": (name, data)}, data=form)


def assert_error(resp, status: int, code: str | None = None):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    if code:
        assert body["error"]["code"] == code
    msg = body["error"]["message"]
    assert msg and "Traceback" not in resp.text
    assert re.search(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", msg.lower()), msg
    return body["error"]


@pytest.fixture(scope="module")
def client(engine, tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("api"), engine=engine)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def small(client):
    """One review of the small DOCX contract (two findings), shared by the read-only tests."""
    r = upload(client, small_docx(), "hop-dong-nuoc.docx", sector="water")
    assert r.status_code == 201, r.text
    return r


# ----------------------------------------------------------------------------- happy path


def test_post_review_returns_report_with_id(small):
    report = small.json()
    assert re.fullmatch(r"[0-9a-f]{32}", report["id"])
    assert small.headers["location"] == f"/v1/reviews/{report['id']}"
    assert report["document"]["kind"] == "docx" and report["document"]["name"] == "hop-dong-nuoc.docx"
    codes = {f["code"] for f in report["findings"]}
    assert {"A25.1", "A25.8"} <= codes
    assert all(f["provision"]["citation"] for f in report["findings"])


def test_get_review_and_list(client, small):
    rid = small.json()["id"]
    got = client.get(f"/v1/reviews/{rid}")
    assert got.status_code == 200
    assert got.json()["findings"] == small.json()["findings"]
    listing = client.get("/v1/reviews").json()
    assert rid in [i["id"] for i in listing["items"]]
    item = next(i for i in listing["items"] if i["id"] == rid)
    assert item["verdict"] == "needs_changes" and item["findings"] == len(small.json()["findings"])
    assert item["sector"] == "water" and item["links"]["docx"].endswith("/report.docx")
    assert rid not in [i["id"] for i in client.get("/v1/reviews", params={"verdict": "ready"}).json()["items"]]
    assert rid not in [i["id"] for i in client.get("/v1/reviews", params={"sector": "electricity"}).json()["items"]]


def test_list_is_paginated_newest_first(client, small):
    second = upload(client, small_txt(FAIR), "ve-sinh.txt")
    assert second.status_code == 201, second.text
    first_page = client.get("/v1/reviews", params={"limit": 1}).json()
    assert first_page["items"][0]["id"] == second.json()["id"]
    assert first_page["total"] >= 2 and first_page["limit"] == 1
    next_page = client.get("/v1/reviews", params={"limit": 1, "offset": 1}).json()
    assert next_page["items"][0]["id"] != second.json()["id"]
    assert client.get("/v1/reviews", params={"verdict": "needs_changes"}).json()["items"]
    assert_error(client.get("/v1/reviews", params={"limit": 0}), 422, "invalid_request")
    assert_error(client.get("/v1/reviews", params={"verdict": "maybe"}), 422, "invalid_request")


def test_downloads(client, small):
    rid = small.json()["id"]
    n = len(small.json()["findings"])
    j = client.get(f"/v1/reviews/{rid}/report.json")
    assert j.status_code == 200 and j.json()["id"] == rid
    h = client.get(f"/v1/reviews/{rid}/report.html")
    assert h.status_code == 200 and h.headers["content-type"].startswith("text/html") and "A25.1" in h.text
    md = client.get(f"/v1/reviews/{rid}/report.md")
    assert md.status_code == 200 and "A25.8" in md.text
    for path in ("report.docx", "memo.docx"):
        d = client.get(f"/v1/reviews/{rid}/{path}")
        assert d.status_code == 200, d.text
        assert d.headers["content-type"] == DOCX and "attachment" in d.headers["content-disposition"]
        import docx

        doc = docx.Document(io.BytesIO(d.content))
        if path == "report.docx":
            assert len(list(doc.comments)) == n
    assert_error(client.get(f"/v1/reviews/{rid}/report.pdf"), 422)


def test_feedback_roundtrip(client, small):
    rid = small.json()["id"]
    f1, f2 = small.json()["findings"][:2]
    r = client.post(f"/v1/reviews/{rid}/findings/{f1['id']}/feedback", json={"verdict": "confirmed", "note": "đúng"})
    assert r.status_code == 200 and r.json()["verdict"] == "confirmed" and r.json()["code"] == f1["code"]
    r = client.post(f"/v1/reviews/{rid}/findings/{f2['id']}/feedback", json={"verdict": "confirmed"})
    r = client.post(f"/v1/reviews/{rid}/findings/{f2['id']}/feedback", json={"verdict": "rejected", "note": "hợp lệ"})
    assert r.json()["verdict"] == "rejected"  # a later verdict replaces the earlier one
    got = {f["id"]: f["feedback"] for f in client.get(f"/v1/reviews/{rid}").json()["findings"]}
    assert got[f1["id"]] == "confirmed" and got[f2["id"]] == "rejected"
    assert_error(client.post(f"/v1/reviews/{rid}/findings/F999/feedback", json={"verdict": "confirmed"}), 404)
    assert_error(client.post(f"/v1/reviews/{rid}/findings/{f1['id']}/feedback", json={"verdict": "maybe"}), 422)
    assert_error(client.post(f"/v1/reviews/{rid}/findings/{f1['id']}/feedback", content=b"{",
                             headers={"content-type": "application/json"}), 422)
    assert_error(client.post(f"/v1/reviews/{'0' * 32}/findings/F1/feedback", json={"verdict": "confirmed"}), 404)


def test_rules_and_categories(client):
    rules = client.get("/v1/rules").json()
    assert rules["count"] == len(rules["rules"]) > 0
    r0 = rules["rules"][0]
    assert r0["citation"].startswith("Luật 19/2023/QH15, Điều")
    one = client.get(f"/v1/rules/{r0['id']}").json()
    assert len(one["examples"]["flag"]) >= 3 and len(one["examples"]["pass"]) >= 3
    assert_error(client.get("/v1/rules/khong-co-quy-tac-nay"), 404)
    assert all(r["code"] == "A25.1" for r in client.get("/v1/rules", params={"code": "A25.1"}).json()["rules"])
    cats = {c["code"]: c for c in client.get("/v1/categories").json()["categories"]}
    assert cats["A25.8"]["provision"]["citation"] == "Luật 19/2023/QH15, Điều 25, khoản 8"


def test_health_ready_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready" and ready.json()["versions"]["rules"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower() and "/docs-static/swagger-ui-bundle.js" in docs.text
    assert client.get("/docs-static/swagger-ui-bundle.js").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/reviews", "/v1/reviews/{review_id}", "/v1/reviews/{review_id}/report.{fmt}",
            "/v1/reviews/{review_id}/memo.docx", "/v1/reviews/{review_id}/findings/{finding_id}/feedback",
            "/v1/rules", "/v1/rules/{rule_id}", "/v1/categories", "/healthz", "/readyz"} <= set(spec["paths"])


# ----------------------------------------------------------------------------- bad inputs


def test_bad_inputs(client):
    assert_error(upload(client, b"MZ\x90\x00" + b"\x00" * 400, "setup.exe"), 415, "unsupported_format")
    assert_error(upload(client, b"", "trong.txt"), 422)
    assert_error(upload(client, b"PK\x03\x04 not really a zip", "hong.docx"), 422, "corrupt_file")
    assert_error(upload(client, b"%PDF-1.4\n garbage without objects", "hong.pdf"), 422)
    assert_error(upload(client, b"abc", "ngan.txt"), 422, "no_text")
    assert_error(client.post("/v1/reviews", data={"profile": "business"}), 422, "invalid_request")
    assert_error(upload(client, small_txt(), "a.txt", profile="admin"), 422, "invalid_request")
    assert_error(upload(client, small_txt(), "a.txt", sector="khong-co"), 422, "invalid_parameter")
    assert_error(client.get("/v1/reviews/" + "f" * 32), 404, "not_found")
    assert_error(client.get("/v1/reviews/" + "f" * 32 + "/report.docx"), 404, "not_found")
    assert_error(client.delete("/v1/reviews/" + "f" * 32), 404, "not_found")
    assert_error(client.get("/v1/khong-co"), 404, "not_found")
    assert_error(client.put("/v1/reviews"), 405, "method_not_allowed")


def test_encrypted_pdf(client):
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt="matkhau")
    c.drawString(72, 720, "Hop dong dich vu")
    c.showPage()
    c.save()
    assert_error(upload(client, buf.getvalue(), "mat-khau.pdf"), 422, "encrypted_file")


def test_size_limit_while_streaming(engine, tmp_path):
    app = make_app(tmp_path, engine=engine, max_bytes=100_000)
    big = b"a" * 300_000
    with TestClient(app) as c:
        # declared too large: refused before the body is read
        e = assert_error(upload(c, big, "lon.txt"), 413, "file_too_large")
        assert "MB" in e["message"]

        # chunked, no Content-Length: cut off while streaming
        def chunks():
            yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lon.txt\"\r\n\r\n"
            for _ in range(40):
                yield b"x" * 10_000
            yield b"\r\n--b--\r\n"

        r = c.post("/v1/reviews", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
        assert_error(r, 413, "file_too_large")
        # just under the limit is fine as far as size goes (then no text to review)
        assert upload(c, b" " * 90_000, "vua.txt").status_code == 422
        assert c.get("/v1/reviews").json()["total"] == 0


def test_processing_time_limit(engine, tmp_path):
    app = make_app(tmp_path, engine=engine, timeout=0.001)
    with TestClient(app) as c:
        e = assert_error(upload(c, small_txt(), "cham.txt"), 422, "timeout")
        assert "giây" in e["message"]
        assert c.get("/v1/reviews").json()["total"] == 0


# ----------------------------------------------------------------------------- persistence


def test_restart_keeps_reviews_and_feedback_delete_removes_all(engine, tmp_path):
    from api.storage import FeedbackRow, ReportRow, ReviewRow, Store, UploadRow

    with TestClient(make_app(tmp_path, engine=engine, keep_uploads=True)) as c:
        r = upload(c, small_txt(), "nuoc.txt")
        rid, fid = r.json()["id"], r.json()["findings"][0]["id"]
        assert c.post(f"/v1/reviews/{rid}/findings/{fid}/feedback", json={"verdict": "rejected", "note": "x"}).status_code == 200
    assert (tmp_path / "contract-review.db").exists()
    with TestClient(make_app(tmp_path, engine=engine, keep_uploads=True)) as c:  # a new server on the same data
        got = c.get(f"/v1/reviews/{rid}").json()
        assert got["id"] == rid and got["findings"][0]["feedback"] == "rejected"
        assert c.app.state.store.get_upload(rid) == small_txt()
        assert c.delete(f"/v1/reviews/{rid}").status_code == 204
        assert_error(c.get(f"/v1/reviews/{rid}"), 404)
        assert c.get("/v1/reviews").json()["total"] == 0
    store = Store(f"sqlite:///{tmp_path / 'contract-review.db'}")
    with store.session() as s:
        for table in (ReviewRow, ReportRow, UploadRow, FeedbackRow):
            assert s.query(table).count() == 0, table
    store.close()


def test_uploads_not_kept_by_default(client, small):
    assert client.app.state.store.get_upload(small.json()["id"]) is None


def test_migrations_match_models(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.storage import Base, Store

    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    store.close()


def test_feedback_export_corpus_format(engine, tmp_path):
    from typer.testing import CliRunner

    from api.storage import export_feedback
    from contract_review.cli import app as cli

    with TestClient(make_app(tmp_path, engine=engine)) as c:
        r = upload(c, small_txt(), "nuoc.txt", sector="water")
        rid = r.json()["id"]
        f1, f2 = r.json()["findings"][:2]
        c.post(f"/v1/reviews/{rid}/findings/{f1['id']}/feedback", json={"verdict": "confirmed", "note": "vi phạm rõ"})
        c.post(f"/v1/reviews/{rid}/findings/{f2['id']}/feedback", json={"verdict": "rejected", "note": "điều khoản hợp lệ"})
    url = f"sqlite:///{tmp_path / 'contract-review.db'}"
    out = tmp_path / "fb.jsonl"
    assert export_feedback(out, url) == 2
    rows = {json.loads(line)["labels"] and "confirmed" or "rejected": json.loads(line) for line in out.read_text("utf-8").splitlines()}
    keys = {"id", "text", "labels", "sector", "doc_kind", "doc_id", "note", "hard_negative"}
    assert all(set(r) == keys for r in rows.values())
    assert rows["confirmed"]["labels"] == [f1["code"]] and rows["confirmed"]["hard_negative"] is False
    assert rows["confirmed"]["text"] == f1["text"].strip() and rows["confirmed"]["sector"] == "water"
    assert rows["rejected"]["labels"] == [] and rows["rejected"]["hard_negative"] is True
    assert "điều khoản hợp lệ" in rows["rejected"]["note"] and "bác bỏ" in rows["rejected"]["note"]
    # the CLI command wired in contract_review/cli.py
    res = CliRunner().invoke(cli, ["feedback", "export", "--out", str(tmp_path / "cli.jsonl"), "--database", url])
    assert res.exit_code == 0, res.output
    assert len((tmp_path / "cli.jsonl").read_text("utf-8").splitlines()) == 2
    res = CliRunner().invoke(cli, ["feedback", "export", "--out", str(tmp_path / "x.jsonl"),
                                   "--database", f"sqlite:///{tmp_path / 'khong-co.db'}"])
    assert res.exit_code != 0


# ----------------------------------------------------------------------------- web page (no JavaScript)


def test_web_upload_and_feedback_without_js(client):
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text and "Kéo và thả" in page.text
    r = client.post("/reviews", files={"file": ("web.docx", small_docx())}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reviews/")
    rid = r.headers["location"].rsplit("/", 1)[1]
    review = client.get(r.headers["location"])
    assert review.status_code == 200
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(review.text, "lxml")
    findings = soup.select("article.finding")
    assert len(findings) == 2
    for art in findings:
        buttons = {b["value"]: b.get_text() for b in art.select("form.cr-feedback button")}
        assert buttons == {"confirmed": "Đúng", "rejected": "Sai"}
    links = {a["href"] for a in soup.select(".cr-downloads a")}
    assert {f"/v1/reviews/{rid}/report.docx", f"/v1/reviews/{rid}/memo.docx", f"/v1/reviews/{rid}/report.json"} <= links
    assert "script-src 'self' 'sha256-" in review.headers["content-security-policy"]
    fid = findings[0]["id"]
    r = client.post(f"/reviews/{rid}/findings/{fid}/feedback", data={"verdict": "confirmed", "note": ""},
                    follow_redirects=False)
    assert r.status_code == 303
    assert next(f for f in client.get(f"/v1/reviews/{rid}").json()["findings"] if f["id"] == fid)["feedback"] == "confirmed"
    assert "Đã xác nhận" in client.get(f"/reviews/{rid}").text
    bad = client.post("/reviews", files={"file": ("x.exe", b"MZ\x90\x00" * 50)}, headers={"accept": "text/html"})
    assert bad.status_code == 415 and 'role="alert"' in bad.text and "upload-form" in bad.text  # the form again, with the reason
    rules = client.get("/rules")
    assert rules.status_code == 200 and "Luật 19/2023/QH15, Điều 25, khoản 1" in rules.text
    assert client.post(f"/reviews/{rid}/delete", follow_redirects=False).status_code == 303
    assert client.get(f"/reviews/{rid}", headers={"accept": "text/html"}).status_code == 404


def test_web_escapes_document_text(client):
    from bs4 import BeautifulSoup

    text = SMALL + '\nĐiều 5. Hiệu lực\n<script>alert(1)</script> "><img src=x onerror=alert(1)> hợp đồng có hiệu lực từ ngày ký.\n'
    r = client.post("/reviews", files={"file": ('"><img src=x onerror=alert(2)>.txt', text.encode())}, follow_redirects=False)
    assert r.status_code == 303, r.text
    html = client.get(r.headers["location"]).text
    soup = BeautifulSoup(html, "lxml")
    assert not soup.find_all("img")
    assert not [t for t in soup.find_all(True) if any(a.lower().startswith("on") for a in t.attrs)]
    assert all(s.get("src") == "/static/app.js" or "alert" not in (s.string or "") for s in soup.find_all("script"))
    listing = client.get("/").text
    assert "<img" not in listing


def test_cross_site_post_refused(client):
    r = client.post("/v1/reviews", files={"file": ("a.txt", small_txt())}, headers={"origin": "http://evil.example"})
    assert_error(r, 403, "forbidden")


@pytest.mark.slow
def test_real_sample_docx_and_pdf(client):
    """A whole sample contract, as Word (real list numbering) and as PDF."""
    for fmt in ("docx", "pdf"):
        r = upload(client, rendered("water-hdcn", fmt), f"water-hdcn.{fmt}")
        assert r.status_code == 201, r.text
        rep = r.json()
        assert rep["document"]["kind"] == fmt and rep["document"]["clause_count"] > 20
        assert "A25.1" in {f["code"] for f in rep["findings"]}
        d = client.get(f"/v1/reviews/{rep['id']}/report.docx")
        assert d.status_code == 200


@pytest.mark.slow
def test_worker_processes_time_limit_and_recovery(tmp_path):
    """Default server mode: analysis in worker processes; a document over the limit is stopped (its
    worker killed and replaced) while the server keeps answering."""
    import time

    # a limit no real analysis can meet (worker hand-off alone takes longer), so the test never depends
    # on how fast the analysis happens to be on this machine
    with TestClient(make_app(tmp_path, workers=1, timeout=0.001)) as c:
        e = assert_error(upload(c, small_txt(), "cham.txt"), 422, "timeout")
        assert "0.001 giây" in e["message"]
        assert c.get("/healthz").status_code == 200
        c.app.state.analyzer.timeout = 60.0  # a normal limit again: the replacement worker must answer
        deadline = time.time() + 120
        while c.get("/readyz").json()["ready_workers"] < 1 and time.time() < deadline:
            time.sleep(0.5)
        assert c.get("/readyz").json()["ready_workers"] == 1
        assert_error(upload(c, b"abc", "ngan.txt"), 422, "no_text")  # the new worker answers


def test_kept_docx_upload_gets_comments_on_the_original(engine, tmp_path):
    """With CONTRACT_REVIEW_KEEP_UPLOADS=1 the Word download is the uploaded file itself with comments."""
    import docx

    original = small_docx()
    with TestClient(make_app(tmp_path, engine=engine, keep_uploads=True)) as c:
        r = upload(c, original, "goc.docx")
        rid, n = r.json()["id"], len(r.json()["findings"])
        out = docx.Document(io.BytesIO(c.get(f"/v1/reviews/{rid}/report.docx").content))
    assert len(list(out.comments)) == n
    assert [p.text for p in out.paragraphs] == [p.text for p in docx.Document(io.BytesIO(original)).paragraphs]


def test_too_large_web_form_gets_a_page(engine, tmp_path):
    with TestClient(make_app(tmp_path, engine=engine, max_bytes=50_000)) as c:
        r = c.post("/reviews", files={"file": ("lon.txt", b"a" * 200_000)}, headers={"accept": "text/html"})
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert "vượt giới hạn" in r.text and "<script" not in r.text
        assert 'data-max-bytes="50000"' in c.get("/").text  # the page checks the size before sending


def test_delete_leaves_no_contract_text_in_the_database_file(engine, tmp_path):
    marker = "Điều 9. Điều khoản riêng XYZZY-BÍ-MẬT-42 chỉ có trong hợp đồng này."
    with TestClient(make_app(tmp_path, engine=engine, keep_uploads=True)) as c:
        rid = upload(c, small_txt(SMALL + marker + "\n"), "mat.txt").json()["id"]
        assert c.delete(f"/v1/reviews/{rid}").status_code == 204
        c.app.state.store.engine.dispose()
    store_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("contract-review.db*"))
    assert "XYZZY-BÍ-MẬT-42".encode() not in store_bytes
