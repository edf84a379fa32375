"""Whole-contract evaluation: review every document of a folder of `<slug>.txt` + `<slug>.yaml` pairs
(the format of corpus/documents/README.md) end to end and score the clause decisions against the
YAML gold (every clause not quoted in `gold` is fair). Used for the sample contracts, for the blind
held-out set (corpus/heldout/) and by `contract-review evaluate DIR`."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from contract_review.analyze.categories import CLAUSE_CODES
from contract_review.evaluation import evaluate
from contract_review.text.normalize import normalize_text


def _squash(text: str) -> str:
    return " ".join(text.split())


def document_text(txt: Path) -> str:
    """The source text as the readers see it: the `## ` free-heading marker is not part of the text."""
    return "\n".join(ln[3:] if ln.startswith("## ") else ln for ln in txt.read_text("utf-8").splitlines())


def evaluate_document_set(engine, docs_dir: Path, profile: str = "business") -> dict:
    """Returns fused and rules-only metrics over all clauses of all documents, per-document figures,
    and the errors (missed gold quotes, false alarms, wrong codes) for error analysis."""
    from contract_review.pipeline import analyzable

    gold_all, pred_all, rule_all, per_doc, errors = [], [], [], {}, []
    metas = sorted(docs_dir.glob("*.yaml"))
    if not metas:
        raise FileNotFoundError(f"không có tệp .yaml nào trong {docs_dir}")
    for meta_path in metas:
        meta = yaml.safe_load(meta_path.read_text("utf-8")) or {}
        txt = meta_path.with_suffix(".txt")
        report = engine.review_text(document_text(txt), name=txt.name, profile=profile)
        clauses = [c for c in report.clauses if analyzable(c)]
        gold = {c.id: set() for c in clauses}
        for g in meta.get("gold") or []:
            q = _squash(normalize_text(g["quote"]))
            hit = [c for c in clauses if q in _squash(c.text)]
            if not hit:
                errors.append({"doc": meta_path.stem, "kind": "quote_not_found", "quote": g["quote"]})
            for c in hit[:1]:
                gold[c.id] |= set(g["labels"])
        pred, rule_pred = defaultdict(set), defaultdict(set)
        for f in report.findings:
            pred[f.clause_id].add(f.code)
            if f.source in ("rule", "both"):
                rule_pred[f.clause_id].add(f.code)
        g_list = [sorted(gold[c.id] & set(CLAUSE_CODES)) for c in clauses]
        p_list = [sorted(pred.get(c.id, set()) & set(CLAUSE_CODES)) for c in clauses]
        r_list = [sorted(rule_pred.get(c.id, set()) & set(CLAUSE_CODES)) for c in clauses]
        for c, g, p in zip(clauses, g_list, p_list):
            if g != p:
                kind = "missed" if g and not p else "false_alarm" if p and not g else "wrong_code"
                errors.append({"doc": meta_path.stem, "kind": kind, "clause": c.id, "gold": g, "pred": p,
                               "text": c.text})
        e = evaluate(g_list, p_list, CLAUSE_CODES)
        per_doc[meta_path.stem] = {"clauses": len(clauses), "gold_unfair": sum(1 for g in g_list if g),
                                   "binary": e["binary"], "fair_fpr": e["fair_false_positive_rate"]}
        gold_all += g_list
        pred_all += p_list
        rule_all += r_list
    return {"fused": evaluate(gold_all, pred_all, CLAUSE_CODES), "rules": evaluate(gold_all, rule_all, CLAUSE_CODES),
            "per_document": per_doc, "errors": errors}
