"""Word document with one comment per finding.

DOCX input: a copy of the original file; each comment is anchored on the existing runs of the first
source paragraph of the flagged clause (comment range markers are inserted around the runs, nothing is
rewritten, so the original formatting and text stay as they were). Other input (PDF, TXT, HTML, scans):
a new document rebuilt from the clause tree (docx_rebuild.py) carrying the same comments.
"""
from __future__ import annotations

import io
import unicodedata

import docx
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from contract_review.errors import CorruptFile, ReviewError
from contract_review.model import Clause, Finding, Report
from contract_review.render.labels import SEVERITY_VI, SOURCE_VI, percent, provision_text, xml_safe

AUTHOR = "contract-review"
INITIALS = "CR"

# The same containers the DOCX reader looks into for runs (ingest/docx_reader.py): deleted revisions
# and field codes are not contract text, so a comment is never anchored there.
_RUN_CONTAINERS = {
    qn("w:hyperlink"), qn("w:ins"), qn("w:smartTag"), qn("w:fldSimple"), qn("w:customXml"),
    qn("w:moveTo"), qn("w:dir"), qn("w:bdo"),
}


def render_docx(report: Report, source: bytes | None = None) -> bytes:
    if report.document.kind == "docx" and source is not None:
        return annotate_original(report, source)
    from contract_review.render.docx_rebuild import rebuild_docx

    return rebuild_docx(report)


# --------------------------------------------------------------------------- comment text


def comment_paragraphs(f: Finding) -> list[tuple[str, str]]:
    """(label, text) lines of the comment for one finding."""
    lines = [
        (f"[{f.code}] ", f.category),
        ("Căn cứ: ", provision_text(f.provision)),
        ("Mức độ: ", f"{SEVERITY_VI[f.severity.value]} · độ tin cậy {percent(f.confidence)} · nguồn: {SOURCE_VI[f.source]}"),
        ("Lý do: ", f.explanation),
    ]
    if f.evidence.matches:
        lines.append(("Từ ngữ: ", "; ".join(f"«{m.text}»" for m in f.evidence.matches[:4])))
    lines.append(("Đề xuất sửa đổi: ", f.suggestion))
    return lines


def add_finding_comment(document, runs: list[Run], f: Finding):
    """Attach one comment for `f` spanning `runs` (first to last)."""
    lines = comment_paragraphs(f)
    label, text = lines[0]
    comment = document.add_comment(runs, text="", author=AUTHOR, initials=INITIALS)
    par = comment.paragraphs[0]
    par.add_run(label).bold = True
    par.add_run(xml_safe(text))
    for label, text in lines[1:]:
        p = comment.add_paragraph()
        p.add_run(label).bold = True
        p.add_run(xml_safe(text))
    return comment


# --------------------------------------------------------------------------- original DOCX


def source_paragraphs(body) -> list:
    """Elements in the order the DOCX reader numbers paragraphs: each body `w:p`, and each table row
    `w:tr` (nested tables after their row), looking into content controls and custom XML."""
    out: list = []

    def walk(el) -> None:
        for child in el:
            tag = child.tag
            if tag == qn("w:p"):
                out.append(child)
            elif tag == qn("w:tbl"):
                table(child)
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    walk(content)
            elif tag == qn("w:customXml"):
                walk(child)

    def table(tbl) -> None:
        for tr in tbl.findall(qn("w:tr")):
            out.append(tr)
            nested = [n for tc in tr.findall(qn("w:tc")) for n in tc if n.tag == qn("w:tbl")]
            for n in nested:
                table(n)

    walk(body)
    return out


def _text_runs(p) -> list:
    """Runs of a `w:p` that carry visible text, in order."""
    out: list = []

    def collect(el) -> None:
        for child in el:
            tag = child.tag
            if tag == qn("w:r"):
                rpr = child.find(qn("w:rPr"))
                vanish = rpr.find(qn("w:vanish")) if rpr is not None else None
                hidden = vanish is not None and vanish.get(qn("w:val")) not in ("0", "false", "off")
                if not hidden and _run_text(child).strip():
                    out.append(child)
            elif tag in _RUN_CONTAINERS:
                collect(child)
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    collect(content)

    collect(p)
    return out


def _run_text(r) -> str:
    return "".join((c.text or "") if c.tag == qn("w:t") else "\t" if c.tag == qn("w:tab") else "" for c in r)


def anchor_runs(el) -> tuple[object, list]:
    """(paragraph element, runs) to anchor on for a source paragraph or table row.

    A table row anchors inside its first cell paragraph with text: a range crossing cells is legal but
    some editors draw it badly."""
    if el.tag == qn("w:p"):
        return el, _text_runs(el)
    for tc in el.findall(qn("w:tc")):
        for p in tc.iter(qn("w:p")):
            runs = _text_runs(p)
            if runs:
                return p, runs
    return el, []


def match_key(text: str) -> str:
    """Comparison key robust to what normalization changes: case, spacing, tone-mark placement,
    composed/decomposed characters, table cell separators."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed.casefold() if ch.isalnum())


def _paragraph_key(el) -> str:
    if el.tag == qn("w:p"):
        return match_key("".join(_run_text(r) for r in _text_runs(el)))
    return match_key(" ".join("".join(_run_text(r) for r in _text_runs(p)) for p in el.iter(qn("w:p"))))


def _starts_clause(para_key: str, clause_key: str, label_key: str) -> bool:
    """True when the paragraph's text is where the clause begins (Word list labels are not in runs)."""
    if not para_key or not clause_key:
        return False
    probe = para_key[:40]
    if clause_key.startswith(probe):
        return True
    return bool(label_key) and clause_key.startswith(label_key) and clause_key[len(label_key):].startswith(probe)


def locate_clause(clause: Clause, elements: list, keys: list[str]) -> int | None:
    """Index of the source paragraph where `clause` begins: the recorded paragraph index when its text
    agrees, else the paragraph whose text does (the reader and this walker could disagree on unusual
    XML), else the recorded index."""
    ck = match_key(clause.text)
    lk = match_key(clause.label or "")
    recorded = [i for i in clause.paragraphs if 0 <= i < len(elements)]
    for i in recorded[:1]:
        if _starts_clause(keys[i], ck, lk):
            return i
    near = recorded[0] if recorded else 0
    candidates = [i for i, k in enumerate(keys) if _starts_clause(k, ck, lk)]
    if candidates:
        return min(candidates, key=lambda i: abs(i - near))
    return recorded[0] if recorded else None


def annotate_original(report: Report, source: bytes) -> bytes:
    import hashlib

    if hashlib.sha256(source).hexdigest() != report.document.sha256:
        raise ReviewError("Tệp gốc không khớp với báo cáo (mã SHA-256 khác nhau); không thể chèn nhận xét.")
    try:
        document = docx.Document(io.BytesIO(source))
    except Exception as e:  # python-docx raises a variety of errors on damaged packages
        raise CorruptFile("Tệp DOCX gốc bị hỏng, không chèn được nhận xét.") from e
    elements = source_paragraphs(document.element.body)
    keys = [_paragraph_key(el) for el in elements]
    clauses = {c.id: c for c in report.clauses}
    for f in report.findings:
        runs = _runs_for(f, clauses.get(f.clause_id), elements, keys, document)
        add_finding_comment(document, runs, f)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _runs_for(f: Finding, clause: Clause | None, elements: list, keys: list[str], document) -> list[Run]:
    if clause is None:  # a finding always names a clause of its report; keep going if one does not
        clause = Clause(id=f.clause_id, level="clause", text=f.text, start=f.start, end=f.end)
    idx = locate_clause(clause, elements, keys)
    if idx is not None:
        p_el, r_els = anchor_runs(elements[idx])
        if r_els:
            parent = Paragraph(p_el, document.part)
            return [Run(r, parent) for r in r_els]
    # no run with text where the clause starts (empty paragraph): anchor on the clause's later paragraphs
    for i in clause.paragraphs[1:]:
        if 0 <= i < len(elements):
            p_el, r_els = anchor_runs(elements[i])
            if r_els:
                parent = Paragraph(p_el, document.part)
                return [Run(r, parent) for r in r_els]
    raise ReviewError(f"Không tìm thấy đoạn văn của điều khoản {f.clause_id} trong tệp gốc để chèn nhận xét.")
