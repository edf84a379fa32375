"""HTML report: one self-contained page (inline CSS and JS, no external asset, opens offline).

Summary first (verdict, counts by severity and by provision, the "ready to register?" checklist,
notices), then the list of fixes, then the whole document with flagged clauses highlighted and the
matched words marked. Every piece of document text goes through Jinja2 autoescaping; the only markup
that is not escaped is our own CSS and script, and a Content-Security-Policy allows only that script.
"""
from __future__ import annotations

import base64
import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from contract_review.model import Clause, Finding, Report
from contract_review.render.labels import (
    DISCLAIMER, KIND_VI, LEVEL_VI, NOTICE_TITLE_VI, PROFILE_VI, SEVERITY_ORDER, SEVERITY_VI, SOURCE_VI,
    STATUS_VI, VERDICT_VI, category_names, checklist_order, citations_by_code, code_sort_key, clause_depths,
    finding_order, percent, provision_text, readiness, registration_line, where,
)

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Segment:
    text: str
    severity: str | None = None  # set when the words matched a finding
    findings: str = ""  # finding ids, for the tooltip


@dataclass
class ClauseView:
    clause: Clause
    anchor: str
    depth: int
    segments: list[Segment]
    findings: list[Finding] = field(default_factory=list)
    severity: str | None = None

    @property
    def codes(self) -> str:
        return " ".join(sorted({f.code for f in self.findings}))


def anchor(clause_id: str) -> str:
    return "c-" + clause_id


def mark_segments(clause: Clause, findings: list[Finding]) -> list[Segment]:
    """Split the clause text into plain and marked pieces (the matched words of its findings).

    Match offsets are document offsets; the clause text is Document.text[start:end]. A match whose
    offsets disagree with the text is looked up by its words instead."""
    text = clause.text
    ranges: list[tuple[int, int, int, str]] = []  # start, end, severity rank, finding id
    for f in findings:
        for m in f.evidence.matches:
            a, b = m.start - clause.start, m.end - clause.start
            if not (0 <= a < b <= len(text) and text[a:b] == m.text):
                a = text.find(m.text) if m.text else -1
                b = a + len(m.text)
            if a >= 0 and b > a:
                ranges.append((a, b, f.severity.rank, f.id))
    if not ranges:
        return [Segment(text)]
    # sweep over boundaries: each elementary piece takes the highest severity covering it
    cuts = sorted({0, len(text), *(r[0] for r in ranges), *(r[1] for r in ranges)})
    rank_name = {3: "high", 2: "medium", 1: "low"}
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        cover = [r for r in ranges if r[0] <= a and b <= r[1]]
        seg = Segment(text[a:b], rank_name[max(r[2] for r in cover)] if cover else None,
                      " ".join(sorted({r[3] for r in cover})))
        if out and out[-1].severity == seg.severity and out[-1].findings == seg.findings:
            out[-1].text += seg.text
        else:
            out.append(seg)
    return out


def clause_views(report: Report) -> list[ClauseView]:
    by_clause: dict[str, list[Finding]] = {}
    for f in report.findings:
        by_clause.setdefault(f.clause_id, []).append(f)
    depths = clause_depths(report.clauses)
    views = []
    for c in report.clauses:
        fs = sorted(by_clause.get(c.id, []), key=lambda f: (-f.severity.rank, -f.confidence))
        views.append(ClauseView(
            clause=c, anchor=anchor(c.id), depth=min(depths.get(c.id, 0), 6), segments=mark_segments(c, fs),
            findings=fs, severity=fs[0].severity.value if fs else None,
        ))
    known = {c.id for c in report.clauses}
    for f in report.findings:  # a finding always names a clause; show it even if one does not
        if f.clause_id not in known:
            c = Clause(id=f.clause_id, level="clause", heading=f.heading, text=f.text, start=f.start, end=f.end)
            views.append(ClauseView(clause=c, anchor=anchor(c.id), depth=0, segments=mark_segments(c, [f]),
                                    findings=[f], severity=f.severity.value))
            known.add(f.clause_id)
    return views


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["percent"] = percent
    env.filters["provision"] = provision_text
    env.filters["where"] = where
    return env


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    return (TEMPLATES / "report.css").read_text("utf-8"), (TEMPLATES / "report.js").read_text("utf-8")


def script_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def render_html(report: Report) -> str:
    css, js = _assets()
    s = report.summary
    names = category_names(report)
    provisions = citations_by_code(report)
    by_code = [(code, names.get(code, ""), provisions.get(code), n)
               for code, n in sorted(s.by_code.items(), key=lambda kv: code_sort_key(kv[0]))]
    codes = sorted({f.code for f in report.findings}, key=code_sort_key)
    reg_status, reg_text = registration_line(report)
    checks = checklist_order(report)
    failures = [fc for fc in checks if fc.status == "fail"]
    unknown = [fc for fc in checks if fc.status == "unknown"]
    views = clause_views(report)
    first_of: dict[str, str] = {}  # code -> its first finding in the document, for the summary's links
    for f in sorted(report.findings, key=lambda f: f.start):
        first_of.setdefault(f.code, f.id)
    template = _environment().get_template("report.html.j2")
    return template.render(
        r=report, d=report.document, s=s, css=css, js=js, csp_script=script_hash(js),
        by_code=by_code, codes=codes, severities=SEVERITY_ORDER, fixes=finding_order(report),
        checks=checks, failures=failures, unknown=unknown, reg_status=reg_status, reg_text=reg_text,
        views=views, anchor=anchor, readiness=readiness(report), first_of=first_of,
        SEVERITY_VI=SEVERITY_VI, SOURCE_VI=SOURCE_VI, STATUS_VI=STATUS_VI,
        KIND_VI=KIND_VI, VERDICT_VI=VERDICT_VI, PROFILE_VI=PROFILE_VI, LEVEL_VI=LEVEL_VI,
        NOTICE_TITLE_VI=NOTICE_TITLE_VI, DISCLAIMER=DISCLAIMER,
        clause_ids={c.id for c in report.clauses},
    )
