"""Run every rule's own examples (like LanguageTool's <example> check) and measure rules on the corpus."""
from __future__ import annotations

import json
from pathlib import Path

from contract_review.analyze.rules import RuleLibrary, _data_dir
from contract_review.text.normalize import normalize_text


def iter_examples(lib: RuleLibrary, rule_id: str | None = None):
    """(rule, kind, text) for every example; kind is 'flag' or 'pass'."""
    for r in lib.rules:
        if rule_id and r.id != rule_id:
            continue
        for ex in r.spec.examples.flag:
            yield r, "flag", ex
        for ex in r.spec.examples.pass_:
            yield r, "pass", ex


def check_example(lib: RuleLibrary, rule, kind: str, text: str) -> str | None:
    """None when the example behaves; otherwise a description of the failure."""
    t = normalize_text(text)
    fired = {res.rule.id for res in lib.evaluate(t, scope_text=t, rules=[rule])}
    if kind == "flag" and rule.id not in fired:
        return f"{rule.id}: flag example did not fire: {text}"
    if kind == "pass" and rule.id in fired:
        return f"{rule.id}: pass example fired: {text}"
    return None


def check_cure_example(lib: RuleLibrary, cure, kind: str, text: str) -> str | None:
    """A `cured` example must contain the cure's wording; a `not_cured` one must not."""
    found = cure.id in {i for ids in lib.cures_in(normalize_text(text), cures=[cure]).values() for i in ids}
    if kind == "cured" and not found:
        return f"{cure.id}: cured example not recognised: {text}"
    if kind == "not_cured" and found:
        return f"{cure.id}: not_cured example recognised as cured: {text}"
    return None


def run_examples(rule_id: str | None = None, lib: RuleLibrary | None = None) -> tuple[list[str], int]:
    lib = lib or RuleLibrary.load()
    failures, total = [], 0
    for r, kind, text in iter_examples(lib, rule_id):
        total += 1
        msg = check_example(lib, r, kind, text)
        if msg:
            failures.append(msg)
    for cure in lib.cures:
        if rule_id and cure.id != rule_id:
            continue
        for kind, texts in (("cured", cure.spec.examples.cured), ("not_cured", cure.spec.examples.not_cured)):
            for text in texts:
                total += 1
                msg = check_cure_example(lib, cure, kind, text)
                if msg:
                    failures.append(msg)
    return failures, total


def corpus_path() -> Path:
    here = _data_dir().parent
    p = here / "corpus" / "clauses.jsonl"
    return p if p.exists() else _data_dir().parent.parent / "corpus" / "clauses.jsonl"


def rule_stats(data: Path | None = None, lib: RuleLibrary | None = None) -> list[str]:
    """Per rule: hits on the labeled corpus, precision (hit clause carries the rule's code) and the
    share of that code's clauses the rule finds (recall)."""
    lib = lib or RuleLibrary.load()
    path = data or corpus_path()
    rows = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
    support: dict[str, int] = {}
    for r in rows:
        for c in r.get("labels", []):
            support[c] = support.get(c, 0) + 1
    stats = {r.id: [0, 0] for r in lib.rules}
    for row in rows:
        t = normalize_text(row["text"])
        for res in lib.evaluate(t):
            s = stats[res.rule.id]
            s[0] += 1
            if res.rule.code in row.get("labels", []):
                s[1] += 1
    lines = [f"{'quy tắc':55} {'mã':16} {'kích hoạt':>9} {'đúng':>5} {'precision':>9} {'recall':>7}"]
    for r in lib.rules:
        hits, good = stats[r.id]
        p = good / hits if hits else 0.0
        rec = good / support.get(r.code, 1) if support.get(r.code) else 0.0
        lines.append(f"{r.id:55} {r.code:16} {hits:9d} {good:5d} {p:9.2f} {rec:7.2f}")
    lines.append(f"\n{len(rows)} điều khoản trong {path}")
    return lines
