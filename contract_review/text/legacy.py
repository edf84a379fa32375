"""Legacy Vietnamese encodings (TCVN3/ABC, VNI) converted to Unicode before analysis.

Two signals: the font of a DOCX run (".VnTime", ".VnArial" -> TCVN3; "VNI-Times" -> VNI), which is
certain, and character statistics over the whole text (viparse's detector) for text and PDF input.
"""
from __future__ import annotations

import functools

from contract_review.model import Block


@functools.lru_cache(maxsize=1)
def _viparse():
    import viparse

    return viparse


def font_encoding(font: str | None) -> str | None:
    if not font:
        return None
    f = font.strip().lower()
    if f.startswith(".vn") or f.startswith("vn") and f[2:3] in ("t", "a", "h", "c") and "time" in f or f.startswith("abc"):
        return "tcvn3"
    if f.startswith("vni-") or f.startswith("vni "):
        return "vni"
    return None


def detect(text: str) -> str | None:
    """'tcvn3', 'vni' (or another legacy name viparse knows) when the text is mis-decoded Vietnamese."""
    sample = text[:20000]
    if len(sample) < 40:
        return None
    return _viparse().detect_text_encoding(sample)


def convert(text: str, encoding: str) -> str:
    return _viparse().fix(text, encoding=encoding)


def convert_block_by_fonts(block: Block) -> tuple[Block, str | None]:
    """Convert the runs of a DOCX block whose font is a legacy Vietnamese font."""
    encs = {font_encoding(s.font) for s in block.styles} - {None}
    if not encs:
        return block, None
    text = block.text
    pieces = []
    spans = []
    pos = 0
    cursor = 0
    for s in sorted(block.styles, key=lambda s: s.start):
        if s.start > cursor:
            pieces.append(text[cursor:s.start])
            pos += s.start - cursor
        seg = text[s.start:s.end]
        enc = font_encoding(s.font)
        new = convert(seg, enc) if enc else seg
        spans.append(s.model_copy(update={"start": pos, "end": pos + len(new)}))
        pieces.append(new)
        pos += len(new)
        cursor = s.end
    pieces.append(text[cursor:])
    out = block.model_copy(update={"text": "".join(pieces), "styles": spans})
    return out, sorted(encs)[0]
