"""Fusion: rule hits and classifier scores become findings with a source, a confidence and evidence.

Decision per clause and code: a rule fired, or the model's calibrated probability reaches the
profile's threshold for that code. Profiles: `inspector` (recall first: lower thresholds) and
`business` (balanced). Confidence combines the rule's prior precision and the model probability.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from contract_review.analyze.categories import categories
from contract_review.model import Clause, ClauseScore, Evidence, Finding, RuleHit, Severity, SimilarClause

RULE_PRIOR = 0.85  # precision of a rule hit before any other evidence
PROFILES = ("business", "inspector")


@dataclass
class ClauseDecision:
    """Codes decided for one clause, with what supports each."""

    labels: list[str] = field(default_factory=list)
    confidence: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)


def decide(hits: list[RuleHit], score: ClauseScore | None, thresholds: dict[str, float],
           cured: set[str] | frozenset[str] = frozenset()) -> ClauseDecision:
    """`cured`: codes whose statutory cure is written in the clause; the model alone cannot flag them."""
    by_code: dict[str, list[RuleHit]] = {}
    for h in hits:
        by_code.setdefault(h.code, []).append(h)
    scores = score.scores if score else {}
    out = ClauseDecision()
    codes = set(by_code) | {c for c, p in scores.items() if c in thresholds and p >= thresholds[c] and c not in cured}
    for code in sorted(codes, key=_code_order):
        p = scores.get(code)
        rule = code in by_code
        model = p is not None and code in thresholds and p >= thresholds[code]
        if rule and model:
            conf = 1 - (1 - RULE_PRIOR) * (1 - p)
            src = "both"
        elif rule:
            conf = RULE_PRIOR * 0.8 + 0.2 * (p if p is not None else RULE_PRIOR)
            src = "rule"
        else:
            conf = p or 0.0
            src = "model"
        out.labels.append(code)
        out.confidence[code] = round(min(conf, 0.99), 3)
        out.source[code] = src
    # A25.15 is the catch-all: drop it when a specific point already covers the clause
    if "A25.15" in out.labels and any(c.startswith("A25.") and c != "A25.15" for c in out.labels) \
            and out.source["A25.15"] == "model":
        out.labels.remove("A25.15")
    return out


def _code_order(code: str) -> tuple:
    if code.startswith("A25."):
        return (0, int(code.split(".")[1]))
    return (1, code)


def findings_for_clause(
    clause: Clause, hits: list[RuleHit], score: ClauseScore | None, thresholds: dict[str, float],
    rules_by_id: dict, similar: list[SimilarClause] | None = None, cured: set[str] | frozenset[str] = frozenset(),
) -> list[Finding]:
    decision = decide(hits, score, thresholds, cured)
    cats = categories()
    out = []
    for code in decision.labels:
        cat = cats[code]
        code_hits = [h for h in hits if h.code == code]
        if code_hits:
            best = max(code_hits, key=lambda h: h.severity.rank)
            spec = rules_by_id[best.rule_id].spec
            severity = best.severity
            explanation = " ".join(spec.message.split())
            suggestion = " ".join(spec.suggestion.split())
            provision = spec.basis.provision()
        else:
            severity = cat.severity
            explanation = cat.explanation
            if code == "A25.15":
                explanation += " Phát hiện bởi mô hình, cần người rà soát xác nhận."
            suggestion = cat.suggestion
            provision = cat.provision
        conf = decision.confidence[code]
        if decision.source[code] == "model" and conf < 0.5 and severity == Severity.high:
            severity = Severity.medium  # a weak model-only signal is not presented as high severity
        matches = [m for h in code_hits for m in h.matches]
        evidence = Evidence(
            rule_ids=[h.rule_id for h in code_hits],
            matches=matches,
            model_score=round(score.scores[code], 3) if score and code in score.scores else None,
            model_terms=(score.terms.get(code, []) if score else []),
            similar=[s for s in (similar or []) if code in s.labels][:3] or (similar or [])[:3],
        )
        out.append(Finding(
            id="", clause_id=clause.id, heading=clause.heading, text=clause.text, start=clause.start, end=clause.end,
            page=clause.pages[0] if clause.pages else None, code=code, category=cat.name_vi, provision=provision,
            severity=severity, confidence=conf, source=decision.source[code], evidence=evidence,  # type: ignore[arg-type]
            explanation=explanation, suggestion=suggestion,
        ))
    return out
