"""The mandatory-content checks as typed specs, loaded from rules/checks.yaml (what each item of the law
is, where it is cited, and the headings and phrases that show a form contains it)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from contract_review.analyze.phrases import FLAGS, Phrase, compile_phrase
from contract_review.analyze.rules import BasisSpec, _data_dir

HDTM = "hop_dong_theo_mau"
DKGDC = "dieu_kien_giao_dich_chung"
CONTINUOUS = "continuous_service"


@dataclass(frozen=True)
class Signals:
    headings: Phrase | None = None
    content: Phrase | None = None
    content_all: tuple[tuple[Phrase, ...], ...] = ()

    @classmethod
    def from_spec(cls, spec: dict) -> "Signals":
        groups = tuple(tuple(compile_phrase(p) for p in g) for g in spec.get("content_all") or [])
        return cls(compile_phrase(spec.get("headings")), compile_phrase(spec.get("content")), groups)


@dataclass(frozen=True)
class Aspect:
    key: str
    label: str
    signals: Signals


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    basis: BasisSpec
    applies_to: str
    signals: Signals
    missing: str
    heading_exclude: Phrase | None = None
    aspects: tuple[Aspect, ...] = ()
    detector: str | None = None
    same_as: str | None = None
    applies_when: Phrase | None = None
    otherwise: str = ""


@dataclass(frozen=True)
class PartySpec:
    header: re.Pattern
    name: re.Pattern
    address: re.Pattern
    phone: re.Pattern
    contact: re.Pattern
    business: re.Pattern


@dataclass(frozen=True)
class CheckBook:
    version: str
    items: dict[str, ItemSpec]
    parties: PartySpec

    def for_kind(self, applies_to: str) -> list[ItemSpec]:
        return [s for s in self.items.values() if s.applies_to == applies_to]


def load_checks(path: str | Path | None = None) -> CheckBook:
    return _load(str(path) if path else _default_path())


@functools.lru_cache(maxsize=1)
def _default_path() -> str:
    return str(_data_dir() / "checks.yaml")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> CheckBook:
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    p = data["parties"]
    parties = PartySpec(*(re.compile(p[k], FLAGS) for k in ("header", "name", "address", "phone", "contact", "business")))
    raw = data["items"]
    items: dict[str, ItemSpec] = {}
    for code, spec in raw.items():
        aspects = []
        for key, a in (spec.get("aspects") or {}).items():
            if a.get("same_as_aspect"):
                src_code, src_key = a["same_as_aspect"]
                src = raw[src_code]["aspects"][src_key]
                sig = Signals.from_spec(src)
            else:
                sig = Signals.from_spec(a)
            aspects.append(Aspect(key, a["label"], sig))
        when = spec.get("applies_when") or {}
        items[str(code)] = ItemSpec(
            code=str(code), name=spec["name"], basis=BasisSpec(**spec["basis"]), applies_to=spec["applies_to"],
            signals=Signals.from_spec(spec), missing=spec.get("missing", ""),
            heading_exclude=compile_phrase(spec.get("heading_exclude")), aspects=tuple(aspects),
            detector=spec.get("detector"), same_as=spec.get("same_as"),
            applies_when=compile_phrase(when.get("any")), otherwise=when.get("otherwise", ""),
        )
    return CheckBook(version=str(data.get("version", "")), items=items, parties=parties)
