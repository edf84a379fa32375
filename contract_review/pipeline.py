"""The Engine: ingest -> normalize -> segment -> analyze (rules, classifier, document checks) -> fuse
-> report. Heavy resources (rule library, classifier, tokenizer) load once per Engine and are reused
for every document; every stage is timed.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

from contract_review import __version__
from contract_review.analyze.categories import categories
from contract_review.analyze.fusion import findings_for_clause
from contract_review.analyze.rules import RuleLibrary
from contract_review.ingest import DEFAULT_LIMITS, Limits, read_bytes
from contract_review.model import (
    Clause, ClauseScore, Document, DocumentInfo, Finding, Notice, Report, RuleHit, Severity, Summary,
)
from contract_review.text import normalize_document
from contract_review.text.segment import segment
from contract_review.text.tokenize import tokenize

ANALYZED_LEVELS = {"article", "clause", "subclause", "point", "bullet"}
MIN_WORDS = 4


def analyzable(c: Clause) -> bool:
    n = len(c.text.split())
    if c.level in ANALYZED_LEVELS:
        return n >= MIN_WORDS
    return c.level in ("preamble", "appendix", "chapter", "section", "heading") and n >= 12


class Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        t = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - t, 4)


class Engine:
    """Loads rules and model once; reviews many documents."""

    def __init__(self, profile: str = "business", rules_dir: str | Path | None = None,
                 model_dir: str | Path | None = None, limits: Limits = DEFAULT_LIMITS,
                 use_model: bool = True, use_rules: bool = True) -> None:
        t = time.perf_counter()
        self.profile = profile
        self.limits = limits
        self.rules = RuleLibrary.load(rules_dir)
        self.use_rules = use_rules
        self.classifier = None
        if use_model:
            from contract_review.analyze.classifier import ClauseClassifier

            self.classifier = ClauseClassifier.load(model_dir)
        categories()
        from contract_review.analyze.formcheck import preload

        preload()  # document-check data, compiled once per process
        tokenize("khởi động")  # import underthesea now, not on the first request
        self.load_seconds = round(time.perf_counter() - t, 3)

    # ------------------------------------------------------------------ versions
    @property
    def versions(self) -> dict[str, str]:
        v = {"tool": __version__, "rules": self.rules.version, "rule_count": str(len(self.rules.rules))}
        if self.classifier is not None:
            v["model"] = self.classifier.version
        return v

    def thresholds(self, profile: str | None = None) -> dict[str, float]:
        if self.classifier is None:
            return {}
        return self.classifier.thresholds_for(profile or self.profile)

    # ------------------------------------------------------------------ entry points
    def review_bytes(self, data: bytes, name: str = "document", profile: str | None = None,
                     sector_hint: str | None = None) -> Report:
        timer = Timer()
        with timer.stage("ingest"):
            doc = read_bytes(data, name, self.limits)
        return self.review_document(doc, profile=profile, sector_hint=sector_hint, timer=timer)

    def review_path(self, path: str | Path, profile: str | None = None, sector_hint: str | None = None) -> Report:
        p = Path(path)
        from contract_review.ingest import read_path

        timer = Timer()
        with timer.stage("ingest"):
            doc = read_path(p, self.limits)
        return self.review_document(doc, profile=profile, sector_hint=sector_hint, timer=timer)

    def review_text(self, text: str, name: str = "van-ban.txt", profile: str | None = None) -> Report:
        return self.review_bytes(text.encode("utf-8"), name, profile=profile)

    # ------------------------------------------------------------------ stages
    def prepare(self, doc: Document, timer: Timer | None = None) -> tuple[Document, list[Clause]]:
        timer = timer or Timer()
        with timer.stage("normalize"):
            doc = normalize_document(doc)
        with timer.stage("segment"):
            clauses = segment(doc)
        return doc, clauses

    def review_document(self, doc: Document, profile: str | None = None, sector_hint: str | None = None,
                        timer: Timer | None = None) -> Report:
        timer = timer or Timer()
        profile = profile or self.profile
        doc, clauses = self.prepare(doc, timer)
        contexts = analysis_contexts(doc, clauses)
        targets = [c for c in clauses if analyzable(c) and c.id in contexts]
        hits: dict[str, list[RuleHit]] = {}
        with timer.stage("analyze_rules"):
            if self.use_rules:
                for c in targets:
                    text, offset, scope = contexts[c.id]
                    hs = self.rules.hits(c.id, text, offset, scope)
                    # keep only matched words inside the clause itself (not its lead-in)
                    for h in hs:
                        h.matches = [
                            m.model_copy(update={"start": max(m.start, c.start), "end": min(m.end, c.end),
                                                 "text": doc.text[max(m.start, c.start):min(m.end, c.end)]})
                            for m in h.matches if m.end > c.start and m.start < c.end
                        ]
                    if hs:
                        hits[c.id] = hs
        scores: dict[str, ClauseScore] = {}
        similar: dict[str, list] = {}
        with timer.stage("analyze_model"):
            if self.classifier is not None and targets:
                texts = [contexts[c.id][0] for c in targets]
                for c, s in zip(targets, self.classifier.score(texts, explain=True)):
                    s.clause_id = c.id
                    scores[c.id] = s
        with timer.stage("analyze_checks"):
            from contract_review.analyze.formcheck import check_document

            form_checks, registration, contract_kind = check_document(doc, clauses, sector_hint=sector_hint)
        with timer.stage("fuse"):
            thresholds = self.thresholds(profile)
            findings: list[Finding] = []
            flagged = []
            for c in targets:
                if c.id in hits or (c.id in scores and any(
                        p >= thresholds.get(code, 2.0) for code, p in scores[c.id].scores.items())):
                    flagged.append(c)
            if self.classifier is not None and flagged:
                sims = self.classifier.similar([contexts[c.id][0] for c in flagged])
                similar = {c.id: s for c, s in zip(flagged, sims)}
            for c in flagged:
                cured = set(self.rules.cures_in(contexts[c.id][0])) if self.use_rules else set()
                findings += findings_for_clause(c, hits.get(c.id, []), scores.get(c.id), thresholds,
                                                self.rules.by_id, similar.get(c.id), cured)
            findings = drop_repeated_lead_in_findings(findings, clauses, contexts)
            for i, f in enumerate(findings, 1):
                f.id = f"F{i}"
            report = build_report(doc, clauses, findings, form_checks, registration, contract_kind, profile,
                                  self.versions)
        report.timings = timer.timings
        return report

    # ------------------------------------------------------------------ clause level (predict)
    def predict_texts(self, texts: list[str], profile: str | None = None) -> list[dict]:
        """Clause-level decisions for `predict`: the same fusion `review` applies to each clause."""
        from contract_review.text.normalize import normalize_text

        profile = profile or self.profile
        thresholds = self.thresholds(profile)
        norm = [normalize_text(t) for t in texts]
        scores = self.classifier.score(norm, explain=True) if self.classifier is not None else [None] * len(norm)
        out = []
        for i, (t, s) in enumerate(zip(norm, scores)):
            clause = Clause(id=str(i), level="clause", heading=[], text=t, start=0, end=len(t))
            hs = self.rules.hits(clause.id, t, 0) if (self.use_rules and t) else []
            cured = set(self.rules.cures_in(t)) if (self.use_rules and t) else set()
            fs = findings_for_clause(clause, hs, s, thresholds, self.rules.by_id, None, cured) if t else []
            out.append({
                "labels": [f.code for f in fs],
                "scores": {k: round(v, 4) for k, v in (s.scores.items() if s else [])},
                "findings": [f.model_dump(mode="json", include={"code", "severity", "confidence", "source", "evidence", "provision"}) for f in fs],
            })
        return out


_HEADED = ("article", "chapter", "section", "appendix")


def _body(c: Clause, doc: Document) -> tuple[int, int] | None:
    """The part of a clause to analyze. A heading line ("Điều 11. Khiếu nại và giải quyết tranh chấp")
    names a topic and is not itself a term: headed clauses are analyzed without it, and a bare
    heading not at all (a short title without a full stop)."""
    if c.level not in _HEADED or not c.blocks:
        return c.start, c.end
    first = doc.blocks[c.blocks[0]]
    if len(c.blocks) > 1:
        return doc.blocks[c.blocks[1]].start, c.end
    title = (c.title or "").strip()
    if len(title.split()) <= 15 and not title.endswith((".", ";", ":")):
        return None
    return first.start, first.end


def analysis_contexts(doc: Document, clauses: list[Clause]) -> dict[str, tuple[str, int, str | None]]:
    """For each clause to analyze: (text to analyze, offset of that text in the document, article scope).

    A point or bullet under a lead-in ("Công ty có quyền:") is analyzed with the lead-in in front, so
    "b) điều chỉnh giá cước..." is read with its subject. The scope text is the whole enclosing article
    (its own text and all its descendants), where conditional rules look for the cure. Clauses that are
    only a heading get no context and are not analyzed.
    """
    by_id = {c.id: c for c in clauses}
    article_end: dict[str, int] = {}
    article_of: dict[str, str] = {}
    for c in clauses:
        a = c
        while a is not None and a.level != "article":
            a = by_id.get(a.parent) if a.parent else None
        if a is not None:
            article_of[c.id] = a.id
            article_end[a.id] = max(article_end.get(a.id, a.end), c.end)
    out = {}
    for c in clauses:
        span = _body(c, doc)
        if span is None:
            continue
        text, offset = doc.text[span[0]:span[1]], span[0]
        parent = by_id.get(c.parent) if c.parent else None
        if c.level in ("point", "bullet", "subclause") and parent is not None:
            lead_span = _body(parent, doc)
            lead = doc.text[lead_span[0]:lead_span[1]].strip() if lead_span else ""
            if lead.endswith(":") and len(lead.split()) <= 60:
                text = lead + "\n" + text
                offset = offset - len(lead) - 1
        scope = None
        if c.id in article_of:
            a = by_id[article_of[c.id]]
            scope = doc.text[a.start:article_end[a.id]]
        out[c.id] = (text, offset, scope)
    return out


def drop_repeated_lead_in_findings(findings: list[Finding], clauses: list[Clause],
                                   contexts: dict[str, tuple[str, int, str | None]]) -> list[Finding]:
    """A point is read with its lead-in ("Công ty không chịu trách nhiệm trong các trường hợp sau:"), so
    a finding of the lead-in would otherwise repeat on every point of the list. Keep it on the lead-in;
    keep it on a point only when the point's own words carry it (a rule matched inside the point)."""
    by_id = {c.id: c for c in clauses}
    codes_of: dict[str, set[str]] = {}
    for f in findings:
        codes_of.setdefault(f.clause_id, set()).add(f.code)
    out = []
    for f in findings:
        c = by_id.get(f.clause_id)
        ctx = contexts.get(f.clause_id)
        read_with_lead_in = c is not None and ctx is not None and c.parent and ctx[1] < c.start
        if read_with_lead_in and f.code in codes_of.get(c.parent, set()) and not f.evidence.matches:
            continue
        out.append(f)
    return out


_SEV_WEIGHT = {"high": 3.0, "medium": 2.0, "low": 1.0}


def build_report(doc: Document, clauses: list[Clause], findings: list[Finding], form_checks, registration,
                 contract_kind: str, profile: str, versions: dict[str, str]) -> Report:
    by_sev: dict[str, int] = {}
    by_code: dict[str, int] = {}
    for f in findings:
        by_sev[f.severity.value] = by_sev.get(f.severity.value, 0) + 1
        by_code[f.code] = by_code.get(f.code, 0) + 1
    failures = [fc for fc in form_checks if fc.status == "fail"]
    max_sev = max((f.severity for f in findings), key=lambda s: s.rank, default=None)
    for fc in failures:
        if max_sev is None or fc.severity.rank > max_sev.rank:
            max_sev = fc.severity
    risk = sum(_SEV_WEIGHT[f.severity.value] * f.confidence for f in findings) + sum(
        _SEV_WEIGHT[fc.severity.value] * 0.5 for fc in failures)
    notices: list[Notice] = list(doc.notices)
    unread = [n for n in notices if n.code == "pages_not_read"]
    if unread:
        verdict, text = "unreadable", "Một phần tài liệu chưa đọc được (trang quét không nhận dạng được) — kết quả chưa đầy đủ."
    elif findings or failures:
        verdict = "needs_changes"
        text = (f"Cần sửa đổi: {len(findings)} điều khoản có dấu hiệu vi phạm"
                + (f", {len(failures)} yêu cầu về hình thức/nội dung chưa đạt" if failures else "") + ".")
    else:
        verdict, text = "ready", "Không phát hiện điều khoản vi phạm hoặc thiếu sót về hình thức, nội dung bắt buộc."
    ocr_pages = [p.number for p in doc.page_info if p.ocr]
    return Report(
        profile=profile,
        document=DocumentInfo(
            name=doc.name, sha256=doc.sha256, kind=doc.kind, contract_kind=contract_kind,  # type: ignore[arg-type]
            pages=doc.pages, clause_count=len(clauses), ocr_pages=ocr_pages, encoding=doc.encoding,
            has_layout=doc.has_layout,
        ),
        clauses=clauses,
        findings=findings,
        form_checks=form_checks,
        registration=registration,
        notices=notices,
        summary=Summary(
            findings=len(findings), by_severity=by_sev, by_code=by_code, form_failures=len(failures),
            max_severity=max_sev, risk_score=round(risk, 2), verdict=verdict, verdict_text=text,  # type: ignore[arg-type]
        ),
        versions=versions,
    )


_ENGINES: dict[tuple, Engine] = {}


def get_engine(profile: str = "business") -> Engine:
    """A process-wide engine (loaded on first use)."""
    key = (profile,)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(profile=profile)
    return _ENGINES[key]


def severity_at_least(report: Report, level: str) -> bool:
    want = Severity(level).rank
    if any(f.severity.rank >= want for f in report.findings):
        return True
    return any(fc.status == "fail" and fc.severity.rank >= want for fc in report.form_checks)
