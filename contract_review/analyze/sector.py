"""Which sector a form belongs to (slugs of corpus/sectors.yaml), from weighted keywords kept beside the
sector list. Keywords rather than a trained model because the answer must come with its reasons: the
registration explanation quotes the words that decided it ("công tơ", "tiền điện", "bán lẻ điện").
Title words count triple: "HỢP ĐỒNG MUA BÁN ĐIỆN" says more than a mention of electricity meters in an
apartment's equipment list.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from contract_review.analyze.outline import fold

MIN_SCORE = 6.0  # below this the document says too little about any sector
TITLE_WEIGHT = 3.0


def _sectors_file() -> Path:
    here = Path(__file__).resolve().parent.parent
    installed = here / "_data" / "corpus" / "sectors.yaml"
    return installed if installed.is_file() else here.parent / "corpus" / "sectors.yaml"


_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class Sector:
    slug: str
    name_vi: str
    registration_item: int | None
    keywords: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Lexicon:
    """All sectors' keywords as word n-grams, so a document is scanned once whatever the list size."""
    sectors: dict[str, Sector]
    phrases: dict[tuple[str, ...], list[tuple[str, float, str]]]  # n-gram -> [(sector, weight, phrase)]
    lengths: dict[str, tuple[int, ...]]  # first word -> n-gram lengths starting with it

    def count(self, text: str) -> dict[tuple[str, ...], int]:
        words = _TOKEN.findall(text)
        found: dict[tuple[str, ...], int] = {}
        for i, w in enumerate(words):
            for n in self.lengths.get(w, ()):
                gram = tuple(words[i:i + n])
                if gram in self.phrases:
                    found[gram] = found.get(gram, 0) + 1
        return found


@functools.lru_cache(maxsize=2)
def load_lexicon(path: str | None = None) -> Lexicon:
    data = yaml.safe_load(Path(path or _sectors_file()).read_text("utf-8"))
    kw = data.get("keywords") or {}
    sectors = {}
    phrases: dict[tuple[str, ...], list[tuple[str, float, str]]] = {}
    lengths: dict[str, set[int]] = {}
    for slug, spec in data["sectors"].items():
        words = []
        for weight, plist in (kw.get(slug) or {}).items():
            for p in plist:
                gram = tuple(_TOKEN.findall(p.lower()))
                if not gram:
                    continue
                words.append((p, float(weight)))
                phrases.setdefault(gram, []).append((slug, float(weight), p))
                lengths.setdefault(gram[0], set()).add(len(gram))
        sectors[slug] = Sector(slug, spec["name_vi"], spec.get("registration_item"), tuple(words))
    return Lexicon(sectors, phrases, {k: tuple(sorted(v)) for k, v in lengths.items()})


def load_sectors() -> dict[str, Sector]:
    return load_lexicon().sectors


@dataclass
class SectorGuess:
    sector: str | None
    name_vi: str | None
    confidence: float
    evidence: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)


def guess_sector(title: str, body: str) -> SectorGuess:
    """Score every sector on the title and the body (lower-cased text); the best wins if it is clear enough."""
    lex = load_lexicon()
    in_title = lex.count(fold(title)) if title else {}
    in_body = lex.count(body if body.islower() else fold(body))
    scores = {slug: 0.0 for slug in lex.sectors}
    evidence: dict[str, list[tuple[float, str]]] = {slug: [] for slug in lex.sectors}
    for gram, n_body in in_body.items():
        for slug, w, phrase in lex.phrases[gram]:
            gained = w * (1 + math.log(min(n_body, 20))) + (TITLE_WEIGHT * w if gram in in_title else 0)
            scores[slug] += gained
            evidence[slug].append((gained, phrase))
    scores = {k: round(v, 2) for k, v in scores.items()}
    for ev in evidence.values():
        ev.sort(reverse=True)
    sectors = lex.sectors
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best, best_score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score < MIN_SCORE:
        return SectorGuess(None, None, 0.0, [], scores)
    confidence = round(best_score / (best_score + second) if best_score + second else 0.0, 3)
    # a weak absolute score lowers the confidence too
    confidence = round(confidence * min(1.0, best_score / (3 * MIN_SCORE)), 3)
    words = [p for _, p in evidence[best][:6]]
    return SectorGuess(best, sectors[best].name_vi, confidence, words, scores)
