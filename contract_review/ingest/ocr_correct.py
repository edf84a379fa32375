"""Tone marks Tesseract got wrong, put right by a Vietnamese lexicon.

Tesseract's `vie` model misreads a tone now and then, with lower confidence ("đây đủ" for "đầy đủ",
which hid an unfair-payment finding in our benchmark). A word read with less than
`DOUBTFUL` confidence is changed to the one other tone of the same syllable that makes a known
two-syllable word with its neighbour, when the word as read makes none. The lexicon is
underthesea's Viet22K list of common words (Apache-2.0, shipped with underthesea): general Vietnamese, not
our corpus, so the benchmark does not grade the corrector on its own data.
"""
from __future__ import annotations

import functools
import importlib.util
import re
import unicodedata
from pathlib import Path

from contract_review.ingest.tesseract import Word

DOUBTFUL = 90.0  # word confidence below which a tone may be changed
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_CORE = re.compile(r"^([^\w]*)([^\W\d_]+)([^\w]*)$")


def syllable_key(syllable: str) -> tuple[str, int]:
    """(the syllable without its tone, the tone 0-5): the same key wherever the tone is placed."""
    base, tone = [], 0
    for ch in unicodedata.normalize("NFD", syllable.lower()):
        if ch in _TONES:
            tone = _TONES[ch]
        else:
            base.append(ch)
    return unicodedata.normalize("NFC", "".join(base)), tone


def _lexicon_path() -> Path | None:
    spec = importlib.util.find_spec("underthesea")  # located, not imported (the import is heavy)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "corpus" / "data" / "Viet22K.txt"
    return path if path.exists() else None


@functools.lru_cache(maxsize=1)
def lexicon() -> tuple[frozenset, dict[tuple[str, int], str]]:
    """(adjacent syllable pairs inside lexicon words, a written form for every syllable key)."""
    path = _lexicon_path()
    pairs: set = set()
    forms: dict[tuple[str, int], str] = {}
    if path is None:
        return frozenset(), forms
    for line in path.read_text("utf-8").splitlines():
        syllables = line.strip().lower().split()
        keys = [syllable_key(s) for s in syllables]
        for s, k in zip(syllables, keys):
            forms.setdefault(k, unicodedata.normalize("NFC", s))
        pairs.update(zip(keys, keys[1:]))
    return frozenset(pairs), forms


def _cased(like: str, word: str) -> str:
    if len(like) > 1 and like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def correct_tones(words: list[Word]) -> list[Word]:
    """The words (in reading order) with doubtful tones corrected; others untouched."""
    pairs, forms = lexicon()
    if not pairs:
        return words
    cores = [_CORE.match(w.text) for w in words]
    keys = [syllable_key(m.group(2)) if m else None for m in cores]
    out = list(words)
    for i, w in enumerate(words):
        m, k = cores[i], keys[i]
        if m is None or k is None or not (0 <= w.conf < DOUBTFUL):
            continue
        # neighbours across punctuation ("hợp. ĐIỀU") say nothing
        prev = keys[i - 1] if i > 0 and not m.group(1) and cores[i - 1] and not cores[i - 1].group(3) else None
        nxt = keys[i + 1] if i + 1 < len(words) and not m.group(3) and cores[i + 1] and not cores[i + 1].group(1) else None

        def fits(key) -> bool:
            return (prev, key) in pairs or (key, nxt) in pairs

        if fits(k):
            continue
        options = [(k[0], t) for t in range(6) if t != k[1] and (k[0], t) in forms and fits((k[0], t))]
        if len(options) != 1:
            continue
        text = m.group(1) + _cased(m.group(2), forms[options[0]]) + m.group(3)
        out[i] = Word(text, w.conf, w.x0, w.top, w.x1, w.bottom, w.line, w.glue)
        keys[i] = options[0]
    return out
