"""The ground floor: plain data passed between the stages (ingest -> text -> analyze -> render).

Every stage takes and returns these pydantic models; nothing here imports another part of the
package. Offsets are character offsets into `Document.text` (the normalized full text), end-exclusive.
"""
from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SCHEMA_VERSION = "1.0"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- document


class StyleSpan(_Model):
    """A run of uniform style inside a block (offsets relative to the block's normalized text)."""

    start: int
    end: int
    size: float | None = None  # points; None when the format has no sizes
    font: str | None = None
    color: str | None = None  # "RRGGBB"
    background: str | None = None  # "RRGGBB" (shading / highlight / page fill)
    bold: bool = False


class Block(_Model):
    """One paragraph-like unit of the source, in reading order."""

    index: int
    text: str  # normalized (NFC, tone marks, spacing); equals Document.text[start:end]
    start: int = 0
    end: int = 0
    page: int | None = None  # 1-based; None for formats without pages
    paragraph: int | None = None  # index of the paragraph in the source (DOCX body / PDF page order)
    kind: Literal["paragraph", "table_row", "heading"] = "paragraph"
    numbering: str | None = None  # list label computed from Word numbering ("Điều 3.", "1.", "a)")
    styles: list[StyleSpan] = Field(default_factory=list)
    source_text: str | None = None  # raw text before normalization, when different
    _offsets: list[int] | None = PrivateAttr(default=None)  # normalized index -> source_text index

    def to_source(self, pos: int) -> int:
        """Map an offset in `text` (block-relative) back to `source_text`."""
        if self._offsets is None:
            return pos
        if pos >= len(self._offsets):
            return len(self.source_text or self.text)
        return self._offsets[pos]


class PageInfo(_Model):
    number: int
    has_text: bool = True
    ocr: bool = False
    ocr_confidence: float | None = None  # 0-100 (tesseract mean word confidence)
    width: float | None = None
    height: float | None = None


class Notice(_Model):
    """A warning attached to a document or report, for the reader (Vietnamese message)."""

    code: str
    message: str
    pages: list[int] = Field(default_factory=list)


class Document(_Model):
    name: str
    sha256: str
    kind: Literal["docx", "pdf", "txt", "md", "html", "image"]
    pages: int | None = None
    text: str = ""
    blocks: list[Block] = Field(default_factory=list)
    page_info: list[PageInfo] = Field(default_factory=list)
    notices: list[Notice] = Field(default_factory=list)
    encoding: str | None = None  # legacy encoding converted from (tcvn3, vni), if any
    has_layout: bool = False  # True when font sizes / colours come from the source


# --------------------------------------------------------------------------- structure

ClauseLevel = Literal[
    "preamble", "chapter", "section", "article", "clause", "subclause", "point", "bullet",
    "appendix", "signature", "heading",
]


class Clause(_Model):
    """A node of the clause tree. `text` is the node's own text (children excluded)."""

    id: str  # stable id, e.g. "D5.K2.b", "PL1.D3.K1", "MD.3"
    level: ClauseLevel
    number: str | None = None  # "5", "2", "b", "5.1.2"
    label: str | None = None  # the marker as written: "Điều 5.", "2.", "b)", "-"
    title: str | None = None  # article / chapter title
    heading: list[str] = Field(default_factory=list)  # ["Điều 5. Quyền ...", "Khoản 2", "Điểm b"]
    text: str
    start: int
    end: int
    pages: list[int] = Field(default_factory=list)
    parent: str | None = None
    blocks: list[int] = Field(default_factory=list)  # Block.index values
    paragraphs: list[int] = Field(default_factory=list)  # source paragraph indices (Block.paragraph)
    sentences: list[tuple[int, int]] = Field(default_factory=list)  # spans, for long clauses


# --------------------------------------------------------------------------- analysis


class Severity(str, Enum):
    high = "high"
    medium = "medium"
    low = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class Provision(_Model):
    law: str  # "Luật Bảo vệ quyền lợi người tiêu dùng số 19/2023/QH15"
    article: str | None = None  # "25"
    clause: str | None = None  # khoản "3"
    point: str | None = None  # điểm "a"
    citation: str  # "Luật 19/2023/QH15, Điều 25, khoản 3"


class Match(_Model):
    """Words in a clause that triggered something; offsets into Document.text."""

    text: str
    start: int
    end: int


class RuleHit(_Model):
    rule_id: str
    code: str
    clause_id: str
    severity: Severity
    matches: list[Match] = Field(default_factory=list)
    decided_by: str | None = None  # which unless / requires_absent decided (for explanations)


class TermWeight(_Model):
    term: str
    weight: float


class SimilarClause(_Model):
    id: str
    text: str
    labels: list[str]
    similarity: float


class ClauseScore(_Model):
    """Model output for one clause: probability per code and the most influential terms."""

    clause_id: str
    scores: dict[str, float]
    terms: dict[str, list[TermWeight]] = Field(default_factory=dict)


class Evidence(_Model):
    rule_ids: list[str] = Field(default_factory=list)
    matches: list[Match] = Field(default_factory=list)
    model_score: float | None = None
    model_terms: list[TermWeight] = Field(default_factory=list)
    similar: list[SimilarClause] = Field(default_factory=list)


class Finding(_Model):
    id: str  # "F1", "F2" ... in document order
    clause_id: str
    heading: list[str]
    text: str  # the clause text (Document.text[start:end])
    start: int
    end: int
    page: int | None = None
    code: str
    category: str  # Vietnamese name of the code
    provision: Provision
    severity: Severity
    confidence: float
    source: Literal["rule", "model", "both"]
    evidence: Evidence = Field(default_factory=Evidence)
    explanation: str
    suggestion: str
    feedback: Literal["confirmed", "rejected"] | None = None


class Location(_Model):
    clause_id: str | None = None
    page: int | None = None
    paragraph: int | None = None
    excerpt: str | None = None


class FormCheck(_Model):
    """A document-level check (form, mandatory content, time of application)."""

    code: str  # "F.ND6.2-FONT12", "M23.3.c", "M27.2", ...
    name: str
    provision: Provision
    status: Literal["pass", "fail", "not_applicable", "unknown"]
    severity: Severity = Severity.medium
    message: str
    locations: list[Location] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)


class Registration(_Model):
    sector: str | None = None
    sector_name: str | None = None
    confidence: float = 0.0
    required: bool = False
    item: int | None = None  # item number in the list
    basis: str | None = None
    explanation: str = ""
    evidence: list[str] = Field(default_factory=list)


# --------------------------------------------------------------------------- report


class DocumentInfo(_Model):
    name: str
    sha256: str
    kind: str
    contract_kind: Literal["hop_dong_theo_mau", "dieu_kien_giao_dich_chung", "unknown"] = "unknown"
    pages: int | None = None
    clause_count: int = 0
    ocr_pages: list[int] = Field(default_factory=list)
    encoding: str | None = None
    has_layout: bool = False


class Summary(_Model):
    findings: int = 0
    by_severity: dict[str, int] = Field(default_factory=dict)
    by_code: dict[str, int] = Field(default_factory=dict)
    form_failures: int = 0
    max_severity: Severity | None = None
    risk_score: float = 0.0
    verdict: Literal["ready", "needs_changes", "unreadable"] = "ready"
    verdict_text: str = ""


class Report(_Model):
    schema_version: str = SCHEMA_VERSION
    id: str | None = None  # set by the API / audit store
    profile: str = "business"
    document: DocumentInfo
    clauses: list[Clause] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    form_checks: list[FormCheck] = Field(default_factory=list)
    registration: Registration = Field(default_factory=Registration)
    notices: list[Notice] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)
    versions: dict[str, str] = Field(default_factory=dict)
    timings: dict[str, float] = Field(default_factory=dict)
