"""Word segmentation (underthesea) aligned back to character offsets, and sentence splitting.

underthesea rewrites what it tokenizes (tone marks, spaces around punctuation), so its tokens are
not always substrings of the input. We align them to the normalized text character by character,
skipping whitespace, which keeps every token's (start, end) exact.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # the token as it appears in the input (may contain spaces: "Công ty")
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


@functools.lru_cache(maxsize=1)
def _word_tokenize():
    # Imported lazily: underthesea costs ~0.4 s and ~100 MB at import.
    from underthesea import word_tokenize

    return word_tokenize


def _align(text: str, pieces: list[str]) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    n = len(text)
    for piece in pieces:
        chars = [c for c in piece if not c.isspace()]
        if not chars:
            continue
        while pos < n and text[pos].isspace():
            pos += 1
        if pos >= n:
            break
        # fast path: the piece is literally there
        if text.startswith(piece, pos):
            tokens.append(Token(piece, pos, pos + len(piece)))
            pos += len(piece)
            continue
        start = pos
        k = 0
        while pos < n and k < len(chars):
            if text[pos].isspace():
                pos += 1
                continue
            pos += 1
            k += 1
        tokens.append(Token(text[start:pos], start, pos))
    return tokens


def tokenize(text: str) -> list[Token]:
    """Word tokens of `text` (normalized text) with exact character spans."""
    if not text.strip():
        return []
    return _align(text, _word_tokenize()(text))


_SENT_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(]?[A-ZĐÀ-Ỹ0-9])")
_ABBREV = re.compile(r"(?:\b(?:TP|Tp|St|Q|P|TT|NĐ|QĐ|CP|Số|số|v\.v|Ông|Bà|ThS|TS|PGS|GS)|\d)\.$")


def sentence_spans(text: str, start: int = 0, min_words: int = 0) -> list[tuple[int, int]]:
    """Split a clause into sentences; returns absolute spans (offset by `start`).

    Numbering such as "1.1." or "Điều 2." and abbreviations such as "TP." do not end a sentence.
    """
    spans = []
    last = 0
    for m in _SENT_END.finditer(text):
        head = text[last:m.start()]
        if _ABBREV.search(head) or len(head.split()) < max(min_words, 3):
            continue
        spans.append((start + last, start + m.start()))
        last = m.end()
    spans.append((start + last, start + len(text.rstrip())))
    return [s for s in spans if s[1] > s[0]]
