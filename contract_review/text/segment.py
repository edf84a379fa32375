"""Clause tree from Vietnamese contract structure.

Markers recognised at the start of a paragraph: "Chương II", "Phần I", "Mục 3", "Điều 5." /
"ĐIỀU 5:" / "Điều 5 -", roman "I.", decimal "1.", "5.1", "5.1.2.", letters "a)", "đ)" (Vietnamese
alphabet order), lower roman "(i)", bullets "-", "+", "•", appendices "PHỤ LỤC 01", and signature
blocks ("ĐẠI DIỆN BÊN A"). Nesting is decided by marker *type*: a marker of a type already open
closes everything below it (a sibling); a marker of a higher rank closes lower ones; any other
marker opens a child. This handles documents with or without "Điều", decimal or plain numbering,
and numbering that restarts inside appendices.

Unnumbered headings ("PHẠM VI ÁP DỤNG" in capitals, a Markdown "## " or HTML <h2> line) are common in
web-style general conditions: there they group the numbered items that follow (whose numbering often
restarts under each heading). In a document numbered with "Điều", only a heading line directly before
an article or chapter is a group heading; elsewhere a capitalised line stays text of its clause.

Unnumbered paragraphs continue the deepest open clause, so every clause's own text is a contiguous
span of the document text. Paragraphs before the first marker form the preamble (title, parties).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from contract_review.markers import Marker, _is_upper_title, detect_marker, roman_to_int  # noqa: F401
from contract_review.model import Block, Clause, Document
from contract_review.text.tokenize import sentence_spans

# Rank: lower number = higher in the tree. Types with the same rank are siblings.
_RANK = {"appendix": 0, "chapter": 1, "section": 2, "heading": 2, "article": 3, "roman": 3}


@dataclass
class _Node:
    marker: Marker | None
    level: str
    id: str
    heading: list[str]
    blocks: list[Block] = field(default_factory=list)
    parent: _Node | None = None
    children: int = 0
    bullets: int = 0
    container: str = ""  # id prefix for descendants (appendix / collision scope)


_LEVEL_OF = {
    "appendix": "appendix", "chapter": "chapter", "section": "section", "article": "article",
    "roman": "article", "heading": "heading", "letter": "point", "lroman": "point", "bullet": "bullet", "signature": "signature",
}


def _title_short(s: str, limit: int = 110) -> str:
    s = s.strip()
    return s if len(s) <= limit else s[:limit].rsplit(" ", 1)[0] + "…"


class _Builder:
    def __init__(self, doc: Document):
        self.doc = doc
        self.root = _Node(None, "root", "", [])
        self.stack: list[_Node] = [self.root]
        self.nodes: list[_Node] = []
        self.ids: set[str] = set()
        self.preamble_count = 0
        self.signature_count = 0
        self.heading_count = 0
        self.seen_structure = False
        self.scope_has_articles = False

    # -- ids
    def _unique(self, base: str) -> str:
        if base not in self.ids:
            self.ids.add(base)
            return base
        k = 2
        while f"{base}~{k}" in self.ids:
            k += 1
        self.ids.add(f"{base}~{k}")
        return f"{base}~{k}"

    def _scope_prefix(self) -> str:
        for node in reversed(self.stack):
            if node.container:
                return node.container
        return ""

    def _type_of(self, node: _Node) -> str | None:
        return node.marker.type if node.marker else None

    # -- structure
    def _pop_for(self, mk: Marker) -> None:
        """Close open nodes so that the new marker lands at the right depth."""
        t = mk.type
        if t == "signature":
            while len(self.stack) > 1 and self._type_of(self.stack[-1]) not in ("appendix",):
                self.stack.pop()
            return
        # a sibling of an open node of the same type
        for i in range(len(self.stack) - 1, 0, -1):
            if self._type_of(self.stack[i]) == t or (
                t in _RANK and self._type_of(self.stack[i]) in _RANK and _RANK[self._type_of(self.stack[i])] == _RANK[t]
            ):
                del self.stack[i:]
                return
        if t in _RANK:
            # a higher-ranked marker closes everything of lower rank
            while len(self.stack) > 1:
                top = self._type_of(self.stack[-1])
                if top in _RANK and _RANK[top] < _RANK[t]:
                    break
                self.stack.pop()
            return
        if t.startswith("decimal"):
            depth = int(t[7:])
            # "2.1" after "1.3.2": close deeper decimals; "3." after "2.1" closes "2.1"
            while len(self.stack) > 1:
                top = self._type_of(self.stack[-1]) or ""
                if top.startswith("decimal") and int(top[7:]) >= depth:
                    self.stack.pop()
                elif top in ("letter", "lroman", "bullet", "signature"):
                    self.stack.pop()
                else:
                    break
        if t == "letter":
            while len(self.stack) > 1 and self._type_of(self.stack[-1]) in ("lroman", "bullet", "signature"):
                self.stack.pop()
        if t == "lroman":
            while len(self.stack) > 1 and self._type_of(self.stack[-1]) in ("bullet", "signature"):
                self.stack.pop()
        while len(self.stack) > 1 and self._type_of(self.stack[-1]) == "signature":
            self.stack.pop()

    def _make_node(self, mk: Marker, parent: _Node) -> _Node:
        t = mk.type
        prefix = self._scope_prefix()
        if t == "appendix":
            ident = self._unique(f"PL{mk.number}")
            head = _title_short(f"{mk.label} {mk.title}".strip())
            node = _Node(mk, "appendix", ident, [head], parent=parent, container=ident + ".")
            return node
        if t == "signature":
            self.signature_count += 1
            ident = self._unique(f"{prefix}CK.{self.signature_count}")
            return _Node(mk, "signature", ident, [*parent.heading, "Phần ký kết"], parent=parent)
        if t == "chapter":
            ident = self._unique(f"{prefix}C{mk.number}")
            head = _title_short(f"{mk.label} {mk.title}".strip())
            node = _Node(mk, "chapter", ident, [*parent.heading, head], parent=parent)
            return node
        if t == "heading":
            self.heading_count += 1
            ident = self._unique(f"{prefix}H{self.heading_count}")
            return _Node(mk, "heading", ident, [*parent.heading, _title_short(mk.title)], parent=parent)
        if t == "section":
            ident = self._unique(f"{prefix}{parent.id + '.' if parent.level == 'chapter' else ''}M{mk.number}")
            head = _title_short(f"{mk.label} {mk.title}".strip())
            return _Node(mk, "section", ident, [*parent.heading, head], parent=parent)
        article_like = t in ("article", "roman") or (
            t.startswith("decimal") and parent.level in ("root", "chapter", "section", "heading", "appendix")
            and not self.scope_has_articles
        )
        if article_like:
            if t == "roman":
                base = f"R{mk.number}"
            else:
                base = f"D{mk.number.split('.')[-1] if mk.number else ''}"
            # decimal top-level in a web-style document: "1. PHẠM VI" -> D1
            if t.startswith("decimal") and "." in (mk.number or ""):
                base = "D" + mk.number.replace(".", "_")
            if t.startswith("decimal") and parent.level == "heading":
                ident = self._unique(f"{parent.id}.{base}")  # numbering restarts under each heading: H3.D1
            else:
                ident = self._unique(prefix + base)
            if t == "article":
                head = _title_short(f"{mk.label} {mk.title}".strip())
            else:
                head = _title_short(f"{mk.label} {mk.title}".strip())
            return _Node(mk, "article", ident, [*parent.heading, head], parent=parent)
        # below an article
        if t.startswith("decimal"):
            last = mk.number.split(".")[-1]
            if parent.level == "article" or parent.level in ("root", "chapter", "section", "appendix"):
                ident = self._unique(f"{parent.id}.K{last}" if parent.id else f"{prefix}K{last}")
                return _Node(mk, "clause", ident, [*parent.heading, f"Khoản {last}"], parent=parent)
            ident = self._unique(f"{parent.id}.{last}")
            return _Node(mk, "subclause", ident, [*parent.heading, f"Khoản {mk.number}"], parent=parent)
        if t in ("letter", "lroman"):
            code = "dd" if mk.number == "đ" else mk.number
            ident = self._unique(f"{parent.id}.{code}" if parent.id else f"{prefix}{code}")
            return _Node(mk, "point", ident, [*parent.heading, f"Điểm {mk.number}"], parent=parent)
        # bullet
        parent.bullets += 1
        ident = self._unique(f"{parent.id}.g{parent.bullets}" if parent.id else f"{prefix}g{parent.bullets}")
        return _Node(mk, "bullet", ident, [*parent.heading, f"Gạch đầu dòng {parent.bullets}"], parent=parent)

    def add_block(self, block: Block, mk: Marker | None, scope_has_articles: bool) -> None:
        if mk and mk.type == "appendix":
            self.seen_structure = False  # the appendix has its own title block
        self.scope_has_articles = scope_has_articles
        if mk and mk.type == "roman" and scope_has_articles:
            mk = Marker("chapter", mk.number, mk.label, mk.title)  # "I. QUY ĐỊNH CHUNG" groups articles
        in_front = not self.seen_structure and self._type_of(self.stack[-1]) in (None, "appendix")
        if mk and in_front and (
            mk.type in ("signature", "bullet", "letter", "lroman")
            or (scope_has_articles and mk.type.startswith("decimal"))
        ):
            # before the first article: party lines ("BÊN A"), dashes in the title block, numbered
            # legal bases ("1. Căn cứ ...") are part of the preamble, not clauses
            mk = None
        if mk is None:
            top = self.stack[-1]
            if top is self.root:
                self._preamble(block)
            else:
                top.blocks.append(block)
            return
        if mk.type != "appendix":
            self.seen_structure = True
        self._pop_for(mk)
        parent = self.stack[-1]
        node = self._make_node(mk, parent)
        parent.children += 1
        node.blocks.append(block)
        self.stack.append(node)
        self.nodes.append(node)

    def _preamble(self, block: Block) -> None:
        top = self.stack[-1]
        if top is not self.root:  # title block of an appendix: its own text
            top.blocks.append(block)
            return
        self.preamble_count += 1
        ident = self._unique(f"MD.{self.preamble_count}")
        node = _Node(None, "preamble", ident, ["Phần mở đầu"], parent=self.root)
        node.blocks.append(block)
        self.nodes.append(node)


def _is_free_heading(block: Block) -> bool:
    """A short unnumbered line set as a heading: marked as one by the reader, or in capitals without
    sentence punctuation at its end."""
    text = block.text.strip()
    words = text.split()
    if not 1 <= len(words) <= 20 or len(text) > 150 or block.kind == "table_row":
        return False
    if block.kind == "heading":
        return True
    return len(words) >= 2 and _is_upper_title(text) and not text.endswith((".", ";", ",")) and sum(
        1 for w in words if any(c.isalpha() for c in w)) >= 2


def segment(doc: Document, sentence_min_words: int = 60) -> list[Clause]:
    """Build the clause tree of a normalized document; clauses in document order."""
    b = _Builder(doc)
    blocks = [bl for bl in doc.blocks if bl.text.strip()]
    markers = [detect_marker(bl.text) for bl in blocks]
    # does each scope (main body, each appendix) number its units with "Điều"?
    scope_of: list[int] = []
    scope_articles: list[bool] = [False]
    for mk in markers:
        if mk and mk.type == "appendix":
            scope_articles.append(False)
        if mk and mk.type == "article":
            scope_articles[-1] = True
        scope_of.append(len(scope_articles) - 1)
    started = False  # has the body of the current scope begun (past the title block)?
    scope_start = 0
    for i, (block, mk) in enumerate(zip(blocks, markers)):
        if mk and mk.type == "appendix":
            started, scope_start = False, i + 1
        elif mk and mk.type not in ("signature", "bullet", "letter", "lroman"):
            started = True
        if mk is not None or not _is_free_heading(block):
            continue
        nxt = markers[i + 1] if i + 1 < len(markers) else None
        nxt_type = nxt.type if nxt else ""
        if scope_articles[scope_of[i]]:
            ok = started and nxt_type in ("article", "chapter", "section")  # a group of articles
        elif started:
            ok = True
        else:  # the heading of the first section of a web-style text, not the title block: the title
            # comes first, and a capitalised line before "1. GIỚI THIỆU" is the title
            ok = (i > scope_start and (nxt_type.startswith("decimal") or nxt_type == "roman")
                  and not _is_upper_title(nxt.title))
        if ok:
            markers[i] = Marker("heading", None, "", block.text.strip())
    for block, mk, sc in zip(blocks, markers, scope_of):
        b.add_block(block, mk, scope_articles[sc])
    clauses: list[Clause] = []
    for node in b.nodes:
        if not node.blocks:
            continue
        start = node.blocks[0].start
        end = node.blocks[-1].end
        text = doc.text[start:end]
        mk = node.marker
        pages = sorted({bl.page for bl in node.blocks if bl.page is not None})
        c = Clause(
            id=node.id,
            level=node.level,  # type: ignore[arg-type]
            number=mk.number if mk else None,
            label=mk.label if mk else None,
            title=(mk.title[:200] if mk and node.level in ("article", "chapter", "section", "appendix") else None),
            heading=node.heading,
            text=text,
            start=start,
            end=end,
            pages=pages,
            parent=node.parent.id if node.parent and node.parent.id else None,
            blocks=[bl.index for bl in node.blocks],
            paragraphs=[bl.paragraph for bl in node.blocks if bl.paragraph is not None],
        )
        if len(text.split()) >= sentence_min_words:
            c.sentences = sentence_spans(text, start)
        clauses.append(c)
    return clauses


def article_of(clause_id: str, clauses_by_id: dict[str, Clause]) -> Clause | None:
    """The enclosing article (or top-level unit) of a clause, for `scope: article` rules."""
    c = clauses_by_id.get(clause_id)
    while c is not None and c.level not in ("article",):
        c = clauses_by_id.get(c.parent) if c.parent else None
    return c
