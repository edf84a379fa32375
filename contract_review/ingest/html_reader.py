"""HTML (general trading conditions published as web pages): visible block text in reading order,
with <ol>/<ul> list numbering rendered into the text like Word numbering."""
from __future__ import annotations

from bs4 import BeautifulSoup, NavigableString, Tag

from contract_review.ingest.text_reader import decode
from contract_review.model import Block

_SKIP = {"script", "style", "noscript", "template", "nav", "header", "footer", "svg", "button", "form", "iframe", "head", "select"}
_BLOCK = {
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dd", "dt", "blockquote", "pre",
    "section", "article", "main", "ol", "ul", "table", "tbody", "thead", "tfoot", "body", "html", "td", "th",
    "caption", "figure", "figcaption", "aside", "address", "center", "dl",
}
_LETTERS = "abcdđeghiklmnopqrstuvxy"
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


def _roman(n: int) -> str:
    vals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _list_label(ol: Tag, k: int) -> str:
    kind = (ol.get("type") or "1").strip()
    try:
        start = int(ol.get("start", 1))
    except ValueError:
        start = 1
    n = start + k
    if kind == "a":
        return f"{_LETTERS[(n - 1) % len(_LETTERS)]})"
    if kind == "A":
        return f"{_LETTERS[(n - 1) % len(_LETTERS)].upper()}."
    if kind == "i":
        return f"{_roman(n)})"
    if kind == "I":
        return f"{_roman(n).upper()}."
    return f"{n}."


def _inline_text(node: Tag) -> str:
    parts: list[str] = []
    for d in node.descendants:
        if isinstance(d, NavigableString):
            if any(p.name in _SKIP for p in d.parents if isinstance(p, Tag)):
                continue
            parts.append(str(d))
        elif isinstance(d, Tag) and d.name == "br":
            parts.append(" ")
    return " ".join("".join(parts).split())


def read_html(data: bytes) -> list[Block]:
    soup = BeautifulSoup(decode(data), "lxml")
    for t in soup.find_all(_SKIP):
        t.decompose()
    for t in soup.find_all(style=True):
        st = t["style"].replace(" ", "").lower()
        if "display:none" in st or "visibility:hidden" in st:
            t.decompose()
    texts: list[tuple[str, str]] = []

    def walk(node: Tag, label: str = "") -> None:
        if node.name == "tr":
            cells = [_inline_text(c) for c in node.find_all(["td", "th"], recursive=False)]
            row = " | ".join(c for c in cells)
            if row.strip(" |"):
                texts.append(("table_row", row))
            return
        children = [c for c in node.children if isinstance(c, Tag) or (isinstance(c, NavigableString) and c.strip())]
        has_block_child = any(isinstance(c, Tag) and c.name in _BLOCK for c in children)
        if not has_block_child:
            t = _inline_text(node)
            if t:
                kind = "heading" if node.name in _HEADINGS and not label else "paragraph"
                texts.append((kind, f"{label} {t}".strip() if label else t))
            return
        # mixed content: inline runs before/between block children become paragraphs
        run: list[str] = []
        pending_label = label

        def flush() -> None:
            nonlocal pending_label
            t = " ".join(" ".join(run).split())
            run.clear()
            if t:
                texts.append(("paragraph", f"{pending_label} {t}".strip() if pending_label else t))
                pending_label = ""

        k = 0
        for c in children:
            if isinstance(c, NavigableString):
                run.append(str(c))
            elif c.name in _BLOCK:
                flush()
                if c.name == "li":
                    lab = _list_label(node, k) if node.name == "ol" else "-"
                    k += 1
                    walk(c, lab)
                else:
                    walk(c, pending_label)
                    pending_label = ""
            else:
                run.append(_inline_text(c))
        flush()

    walk(soup.body or soup)
    return [Block(index=i, text=t, paragraph=i, kind=kind) for i, (kind, t) in enumerate(texts)]  # type: ignore[arg-type]
