"""Reference data the API serves and validates against: sectors (corpus/sectors.yaml), categories and
rules (the rule library), in plain dicts for JSON and templates."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from contract_review.analyze.rules import _data_dir


@functools.lru_cache(maxsize=1)
def sectors() -> dict[str, str]:
    """Sector slug -> Vietnamese name; {} if the list is not found (then any slug is accepted)."""
    base = _data_dir().parent  # the repo root, or contract_review/_data in an installed wheel
    for path in (base / "corpus" / "sectors.yaml", base / "sectors.yaml"):
        if path.exists():
            data = yaml.safe_load(Path(path).read_text("utf-8")) or {}
            return {k: (v or {}).get("name_vi", k) for k, v in (data.get("sectors") or {}).items()}
    return {}


def category_dict(c) -> dict:
    return {
        "code": c.code, "level": c.level, "name": c.name_vi, "severity": c.severity.value,
        "provision": c.provision.model_dump(), "explanation": c.explanation, "suggestion": c.suggestion,
    }


@functools.lru_cache(maxsize=1)
def rule_library():
    from contract_review.analyze.rules import RuleLibrary

    return RuleLibrary.load()


def rule_dict(rule, full: bool = False) -> dict:
    from contract_review.analyze.categories import categories

    spec = rule.spec
    cat = categories().get(rule.code)
    out = {
        "id": rule.id, "code": rule.code, "category": cat.name_vi if cat else rule.code,
        "severity": spec.severity.value, "citation": spec.basis.citation(),
        "provision": spec.basis.provision().model_dump(), "scope": spec.scope,
        "message": spec.message, "suggestion": spec.suggestion, "file": Path(rule.file).name,
    }
    if full:
        out["examples"] = {"flag": list(spec.examples.flag), "pass": list(spec.examples.pass_)}
        out["note"] = spec.note
        out["patterns"] = [p.model_dump(exclude_none=True) for p in spec.patterns]
        out["unless"] = [p.model_dump(exclude_none=True) for p in spec.unless]
        out["requires_absent"] = [p.model_dump(exclude_none=True) for p in spec.requires_absent]
    return out
