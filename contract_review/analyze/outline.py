"""The clause tree indexed for document-level checks: which article (or appendix section) each clause
belongs to, the title of each such unit, and which clause each block sits in.

A *unit* is the piece of a contract a reader calls "an article": an `article` node (also the numbered
sections of an appendix), a free heading, an appendix without sections, or a single preamble line.
Chapters are only groupings: their titles ("THANH TOÁN, BÀN GIAO VÀ BẢO HÀNH") do not make the content
present, so a chapter is a unit only when it has no articles of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from contract_review.model import Clause, Document, Location

_DEFINITIONS = re.compile(r"giải thích từ ngữ|định nghĩa|thuật ngữ|diễn giải", re.I)
_WS = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, single-spaced text for matching (already NFC from normalization)."""
    return _WS.sub(" ", text).strip().lower()


_HSPACE = re.compile(r"[ \t\r\f\v\xa0]+")
_LABEL = re.compile(r"^[ ]*(?:(?:điều|mục|khoản)[ ]+\d+[.:\-]?|\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-+•*])[ ]*", re.M)


def plain(text: str) -> str:
    """Lower-case text, one line per paragraph, list labels ("2.", "a)", "-") removed, so phrases
    anchored at ^ see the start of the sentence."""
    return _LABEL.sub("", _HSPACE.sub(" ", text).lower())


@dataclass
class Unit:
    clause: Clause
    title: str  # as written (may be empty)
    text: str  # the unit's whole text, descendants included
    members: list[Clause] = field(default_factory=list)  # the unit's clause and its descendants
    appendix: str = ""  # label of the appendix the unit sits in ("PHỤ LỤC 03"), if any

    @property
    def id(self) -> str:
        return self.clause.id

    @cached_property
    def heading(self) -> str:
        """The title when it reads as a heading; "" when the "title" is really a sentence (the first
        line of a numbered item in an appendix: "Giá bán căn hộ: theo Điều 4 của Hợp đồng.")."""
        t = self.title.strip()
        if not t or self.clause.level == "preamble":
            return ""
        if t.isupper():
            return t
        if t[-1] in ".;:" or ": " in t or len(t.split()) > 16:
            return ""
        return t

    @cached_property
    def heading_folded(self) -> str:
        return fold(self.heading)

    @cached_property
    def text_folded(self) -> str:
        return fold(self.text)

    @cached_property
    def plain(self) -> str:
        """The unit's text for phrase matching: lower-case, one line per paragraph, list labels removed."""
        return plain(self.text)

    @property
    def is_definitions(self) -> bool:
        return bool(self.title and _DEFINITIONS.search(self.title))

    @property
    def label(self) -> str:
        """How the unit is named to a reader: 'Điều 5. Phương thức và thời hạn thanh toán',
        'PHỤ LỤC 03, Điều 3. Sử dụng phần sở hữu riêng'."""
        own = name_of(self.clause, self.title)
        return f"{self.appendix}, {own}" if self.appendix and self.appendix != own else own


def name_of(c: Clause, title: str | None = None) -> str:
    """A clause as a reader would name it, from its label and title."""
    if c.level == "preamble":
        return "phần mở đầu"
    if c.level == "signature":
        return "phần ký"
    title = _first_line_title(c) if title is None else title
    head = (c.label or "").rstrip(".:-– ").strip()
    if c.level == "article" and head and re.match(r"\d", head):
        head = f"mục {head}"
    if head and title and title.lower() != head.lower():
        return f"{head}. {_short(title)}"
    return head or _short(title) or c.id


def _short(text: str, limit: int = 80) -> str:
    t = _WS.sub(" ", text).strip()
    return t if len(t) <= limit else t[:limit].rsplit(" ", 1)[0] + "…"


def _first_line_title(c: Clause) -> str:
    """Title of a node whose title sits on the line after its label ("Chương I\\nNHỮNG QUY ĐỊNH CHUNG")."""
    if c.title:
        return c.title
    lines = [ln.strip() for ln in c.text.split("\n") if ln.strip()]
    if len(lines) >= 2 and c.label and lines[0].rstrip(" .:").lower() == c.label.rstrip(" .:").lower():
        return lines[1]
    return ""


class Outline:
    """Clause tree of one document, indexed once and shared by all document checks."""

    def __init__(self, doc: Document, clauses: list[Clause]):
        self.doc = doc
        self.clauses = clauses
        self.by_id = {c.id: c for c in clauses}
        self.block_clause: dict[int, Clause] = {}
        for c in clauses:
            for b in c.blocks:
                self.block_clause[b] = c  # clauses come in document order: the deepest wins
        self._plain: dict[str, str] = {}
        self.order = {c.id: i for i, c in enumerate(clauses)}
        self.units: list[Unit] = self._units()
        self.unit_of: dict[str, Unit] = {}
        for u in self.units:
            for m in u.members:
                self.unit_of[m.id] = u

    # ------------------------------------------------------------------ tree
    def ancestors(self, c: Clause) -> list[Clause]:
        out = []
        p = self.by_id.get(c.parent) if c.parent else None
        while p is not None:
            out.append(p)
            p = self.by_id.get(p.parent) if p.parent else None
        return out

    def _units(self) -> list[Unit]:
        # one pass in document order (a parent always precedes its children)
        grouping: set[str] = set()  # chapters/sections/appendices that contain articles
        for c in reversed(self.clauses):
            if c.parent and (c.level in ("article", "heading", "chapter", "section") or c.id in grouping):
                grouping.add(c.parent)
        units: dict[str, Unit] = {}
        root: dict[str, str] = {}  # clause id -> id of the unit it belongs to
        outside: set[str] = set()  # signature blocks and anything under them
        for c in self.clauses:
            if c.level == "signature" or c.parent in outside:
                outside.add(c.id)
                continue
            up = root.get(c.parent) if c.parent else None
            if up is not None:
                root[c.id] = up
                units[up].members.append(c)
                continue
            if c.id in grouping:
                continue  # its articles are the units
            app = next((a for a in self.ancestors(c) if a.level == "appendix"), None)
            units[c.id] = Unit(clause=c, title=_first_line_title(c), text="", members=[c],
                               appendix=(app.label or "").strip() if app is not None else "")
            root[c.id] = c.id
        for u in units.values():
            end = max(m.end for m in u.members)
            u.text = self.doc.text[u.clause.start:end]
        return list(units.values())

    @cached_property
    def folded(self) -> str:
        """The whole text, lower-case and single-spaced (computed once, shared by the checks)."""
        return fold(self.doc.text)

    def plain(self, c: Clause) -> str:
        """A clause's own text prepared for phrase matching (computed once per clause)."""
        t = self._plain.get(c.id)
        if t is None:
            t = self._plain[c.id] = plain(c.text)
        return t

    # ------------------------------------------------------------------ places
    def in_appendix(self, c: Clause) -> Clause | None:
        for a in [c, *self.ancestors(c)]:
            if a.level == "appendix":
                return a
        return None

    def location(self, c: Clause, excerpt: str | None = None) -> Location:
        return Location(clause_id=c.id, page=c.pages[0] if c.pages else None,
                        paragraph=c.paragraphs[0] if c.paragraphs else None,
                        excerpt=_short(excerpt if excerpt is not None else c.text, 160))

    def describe(self, c: Clause) -> str:
        """Reader's name for the article (or chapter, appendix) a clause belongs to."""
        u = self.unit_of.get(c.id)
        return u.label if u is not None else name_of(c)

    def article_id(self, c: Clause) -> str:
        """Id of the unit containing a clause (the article a reader would look for)."""
        u = self.unit_of.get(c.id)
        return u.id if u is not None else c.id
