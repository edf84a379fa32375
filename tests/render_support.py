"""Reports for the renderer tests, built without the (slow) analyzers: a real document read, normalized
and segmented by the library, with findings, form checks, registration and notices filled in the way
the analyzers fill them, so every field a renderer shows is populated.

Other tests may use `rich_report(...)` when they need a fully populated Report quickly.
"""
from __future__ import annotations

import io
import re
import unicodedata

from contract_review.analyze.categories import categories
from contract_review.ingest import read_bytes
from contract_review.model import (
    Clause, Evidence, Finding, FormCheck, Location, Match, Notice, Provision, Registration, Report, Severity,
    SimilarClause, TermWeight,
)
from contract_review.pipeline import build_report
from contract_review.text import normalize_document
from contract_review.text.segment import segment

# (words to look for, code, severity, source): one finding each, on the first clause containing the words
DEFAULT_SPEC = [
    ("bồi thường", "A25.1", "high", "rule"),
    ("bồi thường", "A25.15", "low", "model"),  # a second finding on the same clause
    ("thay đổi", "A25.3", "medium", "both"),
    ("giải thích", "A25.8", "high", "model"),
    ("khiếu nại", "A25.2", "low", "rule"),
]
ANALYZED = {"article", "clause", "subclause", "point", "bullet"}

ND55_6_2 = Provision(law="Nghị định số 55/2024/NĐ-CP", article="6", clause="2",
                     citation="Nghị định 55/2024/NĐ-CP, Điều 6, khoản 2")
L19_23_3 = Provision(law="Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15", article="23", clause="3", point="c",
                     citation="Luật 19/2023/QH15, Điều 23, khoản 3, điểm c")
L19_27_2 = Provision(law="Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15", article="27", clause="2",
                     citation="Luật 19/2023/QH15, Điều 27, khoản 2")


def read(data: bytes, name: str):
    doc = normalize_document(read_bytes(data, name))
    return doc, segment(doc)


def _find(text: str, words: str) -> int:
    return text.casefold().find(words.casefold())


def make_finding(clause: Clause, code: str, severity: str, source: str, words: str | None = None,
                 explanation: str | None = None, suggestion: str | None = None) -> Finding:
    cat = categories()[code]
    matches = []
    if words is not None:
        at = _find(clause.text, words)
        if at >= 0:
            end = at + len(words)
            matches.append(Match(text=clause.text[at:end], start=clause.start + at, end=clause.start + end))
    model = source in ("model", "both")
    return Finding(
        id="F0", clause_id=clause.id, heading=clause.heading, text=clause.text, start=clause.start, end=clause.end,
        page=clause.pages[0] if clause.pages else None, code=code, category=cat.name_vi, provision=cat.provision,
        severity=Severity(severity), confidence={"high": 0.91, "medium": 0.74, "low": 0.55}[severity],
        source=source,  # type: ignore[arg-type]
        evidence=Evidence(
            rule_ids=[f"{code}-vi-du"] if source in ("rule", "both") else [],
            matches=matches if source in ("rule", "both") else [],
            model_score=0.83 if model else None,
            model_terms=[TermWeight(term=w, weight=0.41 - i * 0.07) for i, w in enumerate((words or "").split())] if model else [],
            similar=[SimilarClause(id="corpus-123", text="Công ty không chịu trách nhiệm bồi thường trong mọi trường hợp.",
                                   labels=[code], similarity=0.77),
                     SimilarClause(id="corpus-456", text="Công ty bồi thường toàn bộ thiệt hại do lỗi của Công ty.",
                                   labels=[], similarity=0.52)] if model else [],
        ),
        explanation=explanation or cat.explanation or f"Điều khoản có dấu hiệu thuộc trường hợp {cat.name_vi.lower()}.",
        suggestion=suggestion or cat.suggestion or "Sửa đổi điều khoản cho phù hợp quy định.",
    )


def synthetic_findings(clauses: list[Clause], spec=DEFAULT_SPEC) -> list[Finding]:
    out = []
    for words, code, severity, source in spec:
        for c in clauses:
            if c.level in ANALYZED and len(c.text.split()) >= 6 and _find(c.text, words) >= 0:
                out.append(make_finding(c, code, severity, source, words))
                break
    out.sort(key=lambda f: (f.start, f.code))
    for i, f in enumerate(out, 1):
        f.id = f"F{i}"
    return out


def form_checks(clauses: list[Clause]) -> list[FormCheck]:
    some = [c for c in clauses if c.level in ANALYZED][:2]
    return [
        FormCheck(code="F.ND6.2-FONT12", name="Cỡ chữ tối thiểu 12", provision=ND55_6_2, status="fail",
                  severity=Severity.medium, message="Có đoạn văn cỡ chữ 10 pt, nhỏ hơn 12 pt.",
                  locations=[Location(clause_id=c.id, page=1, excerpt=c.text[:40]) for c in some]),
        FormCheck(code="M23.3.c", name="Giá, phương thức thanh toán", provision=L19_23_3, status="unknown",
                  severity=Severity.low, message="Không xác định được nội dung về giá."),
        FormCheck(code="M27.2", name="Thời điểm áp dụng điều kiện giao dịch chung", provision=L19_27_2,
                  status="pass", message="Có quy định thời điểm áp dụng."),
        FormCheck(code="F.A23.2-VI", name="Thể hiện bằng tiếng Việt", provision=L19_27_2, status="not_applicable",
                  message="Không áp dụng."),
    ]


def registration() -> Registration:
    return Registration(sector="vien-thong", sector_name="Dịch vụ viễn thông", confidence=0.88, required=True, item=3,
                        basis="Quyết định số 07/2024/QĐ-TTg", explanation="Nhận diện từ tên dịch vụ và bên cung cấp.",
                        evidence=["dịch vụ viễn thông", "thuê bao"])


def rich_report(data: bytes, name: str, spec=DEFAULT_SPEC) -> Report:
    doc, clauses = read(data, name)
    findings = synthetic_findings(clauses, spec)
    doc.notices.append(Notice(code="ocr", message="Trang 1 là ảnh quét, đã nhận dạng ký tự (OCR); hãy đối chiếu bản gốc.",
                              pages=[1]))
    report = build_report(doc, clauses, findings, form_checks(clauses), registration(), "dieu_kien_giao_dich_chung",
                          "inspector", {"tool": "test", "rules": "r1", "rule_count": "9", "model": "m1"})
    report.timings = {"ingest": 0.01, "analyze_rules": 0.2}
    return report


INJECTION_TITLE = '"><img src=x onerror=alert(1)>'
INJECTION_SCRIPT = "<script>alert(1)</script>"


def hostile_text() -> str:
    return (
        f"ĐIỀU KIỆN GIAO DỊCH CHUNG {INJECTION_TITLE}\n"
        "Điều 1. Phạm vi áp dụng\n"
        f"1. Điều kiện này áp dụng cho mọi khách hàng {INJECTION_SCRIPT} sử dụng dịch vụ.\n"
        "Điều 2. Trách nhiệm\n"
        f"1. Công ty không chịu trách nhiệm bồi thường {INJECTION_TITLE} trong mọi trường hợp "
        f"<iframe src=\"javascript:alert(2)\"></iframe> <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">xem</a>.\n"
        "2. Công ty có quyền giải thích điều khoản này <svg onload=alert(5)></svg> & <b>đơn phương</b>.\n"
    )


def hostile_report() -> Report:
    name = f"hop-dong{INJECTION_TITLE}.txt"
    doc, clauses = read(hostile_text().encode("utf-8"), name)
    target = next(c for c in clauses if "bồi thường" in c.text)
    f1 = make_finding(target, "A25.1", "high", "both", INJECTION_TITLE,
                      explanation=f"Giải thích {INJECTION_SCRIPT}", suggestion=f"Sửa {INJECTION_TITLE}")
    f1.id = "F1"
    f1.evidence.similar[0].text = INJECTION_SCRIPT
    f1.evidence.model_terms.append(TermWeight(term=INJECTION_SCRIPT, weight=0.3))
    doc.notices.append(Notice(code="legacy_encoding", message=f"Bảng mã {INJECTION_SCRIPT}"))
    checks = form_checks(clauses)
    checks[0].message = INJECTION_TITLE
    checks[0].locations[0].excerpt = INJECTION_SCRIPT
    reg = registration()
    reg.explanation = INJECTION_SCRIPT
    reg.sector_name = INJECTION_TITLE
    report = build_report(doc, clauses, [f1], checks, reg, "unknown", "business", {"tool": INJECTION_SCRIPT})
    report.id = INJECTION_TITLE
    return report


def docx_comment_anchors(data: bytes) -> dict[int, str]:
    """Comment id -> the text between its range start and end, in document order."""
    import zipfile

    from lxml import etree

    W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
    active: set[int] = set()
    texts: dict[int, list[str]] = {}
    for el in root.iter():
        if el.tag == W + "commentRangeStart":
            cid = int(el.get(W + "id"))
            active.add(cid)
            texts.setdefault(cid, [])
        elif el.tag == W + "commentRangeEnd":
            active.discard(int(el.get(W + "id")))
        elif el.tag == W + "t" and el.text:
            for cid in active:
                texts[cid].append(el.text)
    return {cid: "".join(parts) for cid, parts in texts.items()}


def squash(text: str) -> str:
    """Text compared loosely (case, spacing, composition), as the anchor checks need."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text).casefold())


def crafted_docx() -> bytes:
    """A DOCX with the structures comment anchoring must survive: mixed-format runs, a hyperlink, a clause
    that starts in a table row, paragraphs inside a content control, an empty paragraph."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls
    from docx.shared import Pt, RGBColor

    d = docx.Document()
    d.styles["Normal"].font.size = Pt(13)
    title = d.add_paragraph()
    title.add_run("ĐIỀU KIỆN GIAO DỊCH CHUNG DỊCH VỤ INTERNET").bold = True
    d.add_paragraph("Điều 1. Trách nhiệm của Công ty")
    p = d.add_paragraph("1. Trong mọi trường hợp, ")
    r = p.add_run("Công ty không chịu trách nhiệm bồi thường")
    r.bold = True
    r.font.color.rgb = RGBColor(0xC0, 0, 0)
    p.add_run(" đối với mọi thiệt hại phát sinh từ Dịch vụ.").italic = True
    d.add_paragraph("")
    p = d.add_paragraph("2. Khách hàng có quyền ")
    p._p.append(parse_xml(
        f'<w:hyperlink {nsdecls("w")} w:anchor="dieu2"><w:r><w:rPr><w:u w:val="single"/></w:rPr>'
        '<w:t>khiếu nại</w:t></w:r></w:hyperlink>'))
    p.add_run(" nhưng Công ty có quyền từ chối giải quyết khiếu nại mà không nêu lý do.")
    t = d.add_table(rows=2, cols=2)
    t.style = "Table Grid"
    t.cell(0, 0).text = "3. Công ty có quyền đơn phương thay đổi giá cước mà không cần thông báo trước."
    t.cell(0, 1).text = "Ghi chú nội bộ"
    t.cell(1, 0).text = "Bảng giá"
    t.cell(1, 1).text = "Theo công bố"
    sdt = parse_xml(
        f'<w:sdt {nsdecls("w")}><w:sdtPr/><w:sdtContent>'
        '<w:p><w:r><w:t>Điều 2. Giải thích hợp đồng</w:t></w:r></w:p>'
        '<w:p><w:r><w:t xml:space="preserve">1. Công ty có quyền </w:t></w:r>'
        '<w:r><w:rPr><w:b/></w:rPr><w:t>giải thích</w:t></w:r>'
        '<w:r><w:t xml:space="preserve"> hợp đồng khi có cách hiểu khác nhau.</w:t></w:r></w:p>'
        '</w:sdtContent></w:sdt>')
    d.element.body.insert(len(d.element.body) - 1, sdt)  # before the final sectPr
    d.add_paragraph("Điều 3. Hiệu lực")
    d.add_paragraph("1. Điều kiện này có hiệu lực kể từ ngày 01 tháng 7 năm 2025 và được công khai tại trụ sở.")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


CRAFTED_SPEC = [
    ("không chịu trách nhiệm bồi thường", "A25.1", "high", "rule"),
    ("bồi thường", "A25.15", "low", "model"),
    ("từ chối giải quyết khiếu nại", "A25.2", "high", "both"),
    ("đơn phương thay đổi giá cước", "A25.6", "medium", "rule"),
    ("quyền giải thích", "A25.8", "high", "rule"),
]
