"""Renderers: JSON (schema), HTML (self-contained, escaped, complete), Markdown (fixes first)."""
import base64
import hashlib
import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import renderers
import render_support as rs
from contract_review.model import Report
from contract_review.render import FORMATS, render
from contract_review.render.json_report import ReportSchemaError, render_json, schema_json, validate

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "report.schema.json"


@pytest.fixture(scope="module")
def rich():
    return rs.rich_report(renderers.render_txt("paytv-dkgdc"), "paytv-dkgdc.txt")


@pytest.fixture(scope="module")
def hostile():
    return rs.hostile_report()


@pytest.fixture(scope="module")
def published_schema():
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


# ----------------------------------------------------------------------------- JSON


def test_published_schema_is_up_to_date():
    assert SCHEMA_FILE.read_text("utf-8") == schema_json(), "run `make schema` and commit docs/report.schema.json"


def test_reports_validate_against_published_schema(rich, hostile, published_schema):
    empty = rs.rich_report("Điều 1. Hiệu lực\n1. Có hiệu lực từ ngày ký.\n".encode("utf-8"), "a.txt", [])
    for report in (rich, hostile, empty):
        data = json.loads(render(report, "json"))
        assert data["schema_version"] == report.schema_version
        validate(data, published_schema)
        assert Report.model_validate_json(render_json(report)) == report  # lossless round trip


def test_validate_rejects_a_broken_report(rich, published_schema):
    data = json.loads(render(rich, "json"))
    data["findings"][0]["severity"] = "critical"
    del data["schema_version"]
    with pytest.raises(ReportSchemaError) as e:
        validate(data, published_schema)
    assert any("/findings/0/severity" in x for x in e.value.errors)
    assert any("schema_version" in x for x in e.value.errors)


def test_unknown_format_is_refused(rich):
    assert set(FORMATS) == {"json", "md", "html", "docx", "memo"}
    with pytest.raises(ValueError):
        render(rich, "pdf")


# ----------------------------------------------------------------------------- HTML


def _soup(report) -> BeautifulSoup:
    return BeautifulSoup(render(report, "html").decode("utf-8"), "lxml")


def test_html_escapes_all_document_text(hostile):
    html = render(hostile, "html").decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    scripts = soup.find_all("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].string  # only our own filter script
    assert [t.get("id") for t in soup.find_all("form")] == ["filters"]
    assert not soup.find_all(["img", "iframe", "svg", "object", "embed", "link", "base"])
    assert not [(t.name, a) for t in soup.find_all(True) for a in t.attrs if a.lower().startswith("on")]
    assert not [t for t in soup.find_all(True) for a in ("href", "src", "action") if "javascript:" in str(t.get(a, ""))]
    assert not soup.find_all("b")  # "<b>đơn phương</b>" in the contract stays text
    text = soup.get_text()
    assert rs.INJECTION_SCRIPT in text and rs.INJECTION_TITLE in text  # shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_html_is_self_contained_and_its_script_is_allowed(rich):
    html = render(rich, "html").decode("utf-8")
    soup = BeautifulSoup(html, "lxml")
    assert soup.html["lang"] == "vi" and soup.meta.get("charset") == "utf-8"
    for t in soup.find_all(True):
        for a in ("src", "href", "action"):
            v = t.get(a)
            assert v is None or v.startswith("#"), (t.name, a, v)  # no external asset, links stay in the page
    assert not soup.find_all("link") and "@import" not in soup.style.string and "url(" not in soup.style.string
    csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
    digest = base64.b64encode(hashlib.sha256(soup.script.string.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in csp and "default-src 'none'" in csp
    assert "@media print" in soup.style.string


def test_html_shows_the_whole_document_and_every_finding(rich):
    soup = _soup(rich)
    blocks = soup.select("section.document .clause")
    assert [b["id"] for b in blocks] == [f"c-{c.id}" for c in rich.clauses]  # all clauses, in order
    for b, c in zip(blocks, rich.clauses):
        assert rs.squash(b.select_one("p.text").get_text()) == rs.squash(c.text)
    depth = {b["id"]: b["class"] for b in blocks}
    assert "depth-2" in depth["c-D6.K1.dd"] and "depth-0" in depth["c-D6"]
    for f in rich.findings:
        card = soup.find("article", id=f.id)
        assert card is not None and card["data-sev"] == f.severity.value and card["data-code"] == f.code
        clause = card.find_parent(class_="clause")
        assert clause["id"] == f"c-{f.clause_id}" and "flagged" in clause["class"]
        text = card.get_text(" ")
        for must in (f.explanation, f.suggestion, f.category, f"Điều {f.provision.article}", f"{f.confidence:.0%}"):
            assert must in text
        assert {"rule": "quy tắc", "model": "mô hình", "both": "cả hai"}[f.source] in text
        for sc in f.evidence.similar[:3]:
            assert sc.text[:40] in text
        for m in f.evidence.matches:  # matched words marked in the clause text
            marks = [x.get_text() for x in clause.select("p.text mark")]
            assert any(m.text in x for x in marks)
    high = soup.select_one("#c-D6\\.K1\\.dd")  # high + low findings: the clause takes the highest
    assert "sev-high" in high["class"]


def test_html_summary_checklist_and_jump_links(rich):
    soup = _soup(rich)
    ids = {t.get("id") for t in soup.find_all(True) if t.get("id")}
    links = [a["href"][1:] for a in soup.select("section.fixes a[href^='#']")]
    assert len(links) == len(rich.findings) and set(links) <= ids
    assert [li["data-sev"] for li in soup.select("li.finding-row")] == \
        sorted((f.severity.value for f in rich.findings), key=lambda s: {"high": 0, "medium": 1, "low": 2}[s])
    checklist = soup.select_one("section.checklist")
    text = checklist.get_text(" ")
    assert "Sẵn sàng đăng ký?" in text and "Chưa sẵn sàng" in text and "Phải đăng ký" in text
    for fc in rich.form_checks:
        assert fc.name in text and fc.message in text
    assert [li["class"][1] for li in checklist.select("li.check")][1:] == \
        ["status-fail", "status-unknown", "status-pass", "status-not_applicable"]
    for loc_link in checklist.select("a[href^='#']"):
        assert loc_link["href"][1:] in ids
    code_links = [a["href"][1:] for a in soup.select("section.summary a[href^='#']")]
    assert len(code_links) == len(rich.summary.by_code) and set(code_links) <= ids
    summary = soup.select_one("section.summary").get_text(" ")
    assert "A25.1" in summary and "Khoản 1 Điều 25 Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15" in summary
    assert "Nhận dạng ký tự (OCR)" in soup.select_one("section.notices").get_text()
    # filters work without JS: the form starts hidden and nothing is filtered out
    form = soup.find("form", id="filters")
    assert form.has_attr("hidden") and not soup.select(".filtered-out")
    assert {i["value"] for i in form.select("input[name=code]")} == {f.code for f in rich.findings}


def test_html_for_a_clean_report():
    report = rs.rich_report("Điều 1. Hiệu lực\n1. Điều kiện này có hiệu lực từ ngày ký.\n".encode("utf-8"), "a.txt", [])
    report.form_checks = []
    soup = _soup(report)
    assert "Không phát hiện điều khoản có dấu hiệu vi phạm." in soup.get_text()
    assert "cần kiểm tra thủ công" in soup.select_one("section.checklist").get_text()
    assert not soup.select(".clause.flagged")


# ----------------------------------------------------------------------------- Markdown


def test_markdown_fixes_first_then_checklist_then_details(rich):
    md = render(rich, "md").decode("utf-8")
    order = [md.index(h) for h in ("## Lưu ý", "## Việc cần làm", "## Sẵn sàng đăng ký?", "## Tổng hợp theo quy định",
                                   "## Chi tiết các phát hiện")]
    assert order == sorted(order)
    todo = md[md.index("## Việc cần làm"):md.index("## Sẵn sàng đăng ký?")]
    items = [ln for ln in todo.splitlines() if ln[:1].isdigit()]
    assert len(items) == len(rich.findings) + 1  # every finding, then the failed form check
    assert items[0].startswith("1. **[Cao]") and "[Trung bình] Cỡ chữ" in items[-1]
    for f in rich.findings:
        assert f"### {f.id}. {f.code}" in md
    for fc in rich.form_checks:
        assert fc.code in md


def test_markdown_keeps_contract_text_literal(hostile):
    md = render(hostile, "md").decode("utf-8")
    assert "<script>" not in md and "<img" not in md and "&lt;script&gt;" in md
