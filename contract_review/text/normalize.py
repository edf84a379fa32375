"""Vietnamese text normalization with an offset map back to the source.

One canonical form for rules, the classifier and the report: Unicode NFC, the classic tone-mark
placement that underthesea also produces (hoà -> hòa, thuỷ -> thủy, khoẻ -> khỏe), single spaces,
straight quotes, "-" for dashes, no zero-width characters. `normalize` returns the text and, for every
output character, the index of the source character it came from, so findings can be mapped back
onto the original paragraph (e.g. to anchor a Word comment on the right run).
"""
from __future__ import annotations

import re
import unicodedata

# Characters replaced one-for-one (or dropped when mapped to "").
_CHAR_MAP = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "\u00b4": "'",
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u00d0": "\u0110", "\u00f0": "\u0111",  # Icelandic eth typed for Đ/đ
    "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "", "\u00ad": "", "\u2060": "",
    "\u2026": "...",
    "\uf0b7": "•", "\uf0a7": "•", "\uf076": "•", "\uf0d8": "•",  # Symbol-font bullets from Word
}
_SPACES = {" ", "\t", "\u00a0", "\u2007", "\u202f", "\u2002", "\u2003", "\u2009", "\u3000", "\r", "\n", "\x0b", "\x0c"}

# Tone on the second vowel of an open syllable "oa/oe/uy" moves to the first (hoà -> hòa).
_TONES = {
    "\u0300": "grave", "\u0301": "acute", "\u0309": "hook", "\u0303": "tilde", "\u0323": "dot",
}


def _tone_variants() -> dict[str, str]:
    """Pairs like 'oà' -> 'òa' in every case combination, built from Unicode composition."""
    out = {}
    pairs = [("o", "a"), ("o", "e"), ("u", "y")]
    for first, second in pairs:
        for tone in _TONES:
            for up1 in (False, True):
                for up2 in (False, True):
                    f = first.upper() if up1 else first
                    s = second.upper() if up2 else second
                    new_style = f + unicodedata.normalize("NFC", s + tone)
                    old_style = unicodedata.normalize("NFC", f + tone) + s
                    out[new_style] = old_style
    return out


_TONE_FIX = _tone_variants()
_TONE_RE = re.compile(
    r"(?<![qQ])(" + "|".join(map(re.escape, sorted(_TONE_FIX, key=len, reverse=True))) + r")(?![^\W\d_])"
)


def _fix_tone_marks(text: str) -> str:
    # Same length in and out, so the offset map is unchanged.
    return _TONE_RE.sub(lambda m: _TONE_FIX[m.group(1)], text)


def normalize(raw: str) -> tuple[str, list[int]]:
    """Return (normalized text, map) where map[i] is the index in `raw` of output character i.

    Line breaks and runs of whitespace become one space; leading and trailing whitespace is dropped.
    """
    out: list[str] = []
    src: list[int] = []
    n = len(raw)
    i = 0
    pending_space = -1  # source index of a whitespace run not yet emitted
    while i < n:
        ch = raw[i]
        if ch in _SPACES:
            if pending_space < 0:
                pending_space = i
            i += 1
            continue
        # gather a base character with its combining marks, then compose
        j = i + 1
        while j < n and unicodedata.combining(raw[j]):
            j += 1
        cluster = raw[i:j]
        if cluster in _CHAR_MAP:
            piece = _CHAR_MAP[cluster]
        elif ch in _CHAR_MAP and j == i + 1:
            piece = _CHAR_MAP[ch]
        else:
            piece = unicodedata.normalize("NFC", cluster) if j > i + 1 or not ch.isascii() else ch
            if not piece.isascii():
                piece = "".join(_CHAR_MAP.get(c, c) for c in piece)
        if piece:
            if pending_space >= 0 and out:
                out.append(" ")
                src.append(pending_space)
            pending_space = -1
            for c in piece:
                out.append(c)
                src.append(i)
        i = j
    text = _fix_tone_marks("".join(out))
    return text, src


def normalize_text(raw: str) -> str:
    """Normalized text only (for corpus records, queries and rule examples)."""
    return normalize(raw)[0]


_WS = re.compile(r"\s+")


def squash_spaces(text: str) -> str:
    return _WS.sub(" ", text).strip()
