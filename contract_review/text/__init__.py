"""Text stage: legacy encodings -> Unicode, normalization with offsets, tokenization, segmentation."""
from __future__ import annotations

import bisect

from contract_review.model import Block, Document, StyleSpan
from contract_review.text import legacy
from contract_review.text.normalize import normalize


def _remap_styles(styles: list[StyleSpan], offsets: list[int]) -> list[StyleSpan]:
    out = []
    for s in styles:
        a = bisect.bisect_left(offsets, s.start)
        b = bisect.bisect_left(offsets, s.end)
        if b > a:
            out.append(s.model_copy(update={"start": a, "end": b}))
    return out


def normalize_document(doc: Document) -> Document:
    """Convert legacy encodings, normalize every block, and lay the blocks out in one text.

    Blocks are joined with "\\n", so `Document.text[block.start:block.end] == block.text`.
    """
    blocks = list(doc.blocks)
    encoding = None
    if doc.kind == "docx":
        converted = []
        for b in blocks:
            nb, enc = legacy.convert_block_by_fonts(b)
            encoding = encoding or enc
            converted.append(nb)
        blocks = converted
    if encoding is None:
        enc = legacy.detect("\n".join(b.text for b in blocks[:400]))
        if enc in ("tcvn3", "vni"):
            encoding = enc
            blocks = [legacy.convert_block(b, enc) for b in blocks]  # style spans follow the text
    out_blocks: list[Block] = []
    parts: list[str] = []
    pos = 0
    for b in blocks:
        raw = b.text
        text, offsets = normalize(raw)
        if not text:
            continue
        nb = b.model_copy(update={
            "index": len(out_blocks), "text": text, "start": pos, "end": pos + len(text),
            "source_text": raw if raw != text else None,
            "styles": _remap_styles(b.styles, offsets) if b.styles else [],
        })
        nb._offsets = offsets if raw != text else None
        out_blocks.append(nb)
        parts.append(text)
        pos += len(text) + 1
    notices = list(doc.notices)
    if encoding:
        from contract_review.model import Notice

        name = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI"}.get(encoding, encoding)
        notices.append(Notice(code="legacy_encoding", message=(
            f"Văn bản dùng bảng mã cũ {name}; đã tự động chuyển sang Unicode trước khi rà soát."
        )))
    return doc.model_copy(update={"blocks": out_blocks, "text": "\n".join(parts), "encoding": encoding, "notices": notices})
