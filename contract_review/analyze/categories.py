"""Category codes with their provision, default severity and fallback explanation (rules/categories.yaml)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import yaml

from contract_review.analyze.rules import BasisSpec, _data_dir
from contract_review.model import Provision, Severity

CLAUSE_CODES = [*(f"A25.{i}" for i in range(1, 16)), "P67", "F.A23.2-PRIO", "F.ND6.5-CLARITY"]
UNFAIR_CODES = [f"A25.{i}" for i in range(1, 15)]  # the points with specific content (A25.15 is the catch-all)


@dataclass(frozen=True)
class Category:
    code: str
    level: str
    name_vi: str
    basis: BasisSpec
    severity: Severity
    explanation: str = ""
    suggestion: str = ""

    @property
    def provision(self) -> Provision:
        return self.basis.provision()


@functools.lru_cache(maxsize=1)
def categories() -> dict[str, Category]:
    data = yaml.safe_load((_data_dir() / "categories.yaml").read_text("utf-8"))
    out = {}
    for code, c in data["categories"].items():
        out[code] = Category(
            code=code, level=c["level"], name_vi=c["name_vi"], basis=BasisSpec(**c["basis"]),
            severity=Severity(c["severity"]), explanation=c.get("explanation", ""), suggestion=c.get("suggestion", ""),
        )
    return out
