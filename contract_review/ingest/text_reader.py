"""Plain text and Markdown: one paragraph per line; hard-wrapped files are joined back."""
from __future__ import annotations

import re

from contract_review.errors import CorruptFile
from contract_review.model import Block

_MARKER_START = re.compile(
    r"^\s*(điều\s+\d|chương\s|phần\s|mục\s+\d|phụ lục|[IVXLC]+[.)]\s|\d+(\.\d+)*[.)]?\s|\(?[a-zđ][).]\s|[-+•*]\s|\|)",
    re.I,
)


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else the best guess (cp1258 for old Vietnamese files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # 8-bit legacy Vietnamese (TCVN3/ABC, VNI) files: their bytes are the font's code points
    import viparse

    for enc in ("latin-1", "cp1252"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if viparse.detect_text_encoding(text[:20000]) in ("tcvn3", "vni"):
            return text  # converted to Unicode by the text stage
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data[:200_000]).best()
        if best is not None and best.encoding:
            return data.decode(best.encoding, errors="replace")
    except Exception:  # charset-normalizer missing or failed: fall through
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError as e:  # pragma: no cover - cp1258 maps almost every byte
        raise CorruptFile("Không xác định được bảng mã của tệp văn bản.") from e


def _unwrap(lines: list[str]) -> list[str]:
    """Join lines of a hard-wrapped file (every line cut near the same width) into paragraphs."""
    lengths = [len(x) for x in lines if x.strip()]
    if len(lengths) < 8:
        return lines
    width = max(lengths)
    long_lines = sum(1 for n in lengths if n >= 0.85 * width)
    if width > 110 or long_lines < 0.3 * len(lengths):
        return lines
    out: list[str] = []
    prev_full = False
    for line in lines:
        s = line.rstrip()
        if not s.strip():
            out.append("")
            prev_full = False
            continue
        if prev_full and out and out[-1] and not _MARKER_START.match(s):
            out[-1] = out[-1] + " " + s.strip()
        else:
            out.append(s)
        prev_full = len(s) >= 0.85 * width
    return out


_MD_SUBS = [
    (re.compile(r"^\s{0,3}#{1,6}\s+"), ""),  # headings
    (re.compile(r"^\s{0,3}>\s?"), ""),  # quotes
    (re.compile(r"^(\s*)[*]\s+"), r"\1- "),  # "* item" -> "- item"
    (re.compile(r"\*\*(.+?)\*\*|__(.+?)__"), r"\1\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)"), r"\1"),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]
_MD_RULE = re.compile(r"^\s*(\|?\s*:?-{3,}:?\s*)+\|?\s*$|^\s*([-*_]\s*){3,}$")


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")


def _strip_markdown(line: str) -> str:
    if _MD_RULE.match(line):
        return ""
    for rx, rep in _MD_SUBS:
        line = rx.sub(rep, line)
    return line


def table_row_text(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return " | ".join(c for c in cells)


def read_text(data: bytes, markdown: bool = False) -> tuple[list[Block], str]:
    text = decode(data)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings: set[str] = set()
    if markdown:
        headings = {_strip_markdown(x).strip() for x in lines if _MD_HEADING.match(x)}
        lines = [_strip_markdown(x) for x in lines]
    lines = _unwrap(lines)
    blocks: list[Block] = []
    para = 0
    for line in lines:
        if not line.strip():
            continue
        kind = "heading" if line.strip() in headings else "paragraph"
        if line.lstrip().startswith("|") and line.rstrip().endswith("|"):
            line = table_row_text(line)
            kind = "table_row"
        blocks.append(Block(index=len(blocks), text=line, paragraph=para, kind=kind))
        para += 1
    return blocks, text
