"""DOCX: body paragraphs and table rows in order, Word list numbering rendered into the text, and the
effective size, font and colours of every run (run -> character style -> paragraph style -> defaults).

Headers, footers, footnotes, comments, deleted revisions, field codes and hidden text are not part of
the contract text; inserted revisions, hyperlinks, content controls and simple fields are.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn

from contract_review.errors import CorruptFile
from contract_review.ingest.docx_numbering import Numbering, paragraph_numpr, style_numbering
from contract_review.ingest.limits import Limits, open_zip_safely
from contract_review.model import Block, StyleSpan

_HIGHLIGHT = {
    "yellow": "FFFF00", "green": "00FF00", "cyan": "00FFFF", "magenta": "FF00FF", "blue": "0000FF",
    "red": "FF0000", "darkBlue": "000080", "darkCyan": "008080", "darkGreen": "008000",
    "darkMagenta": "800080", "darkRed": "800000", "darkYellow": "808000", "darkGray": "808080",
    "lightGray": "C0C0C0", "black": "000000", "white": "FFFFFF",
}
_SKIP_CONTAINERS = {qn("w:del"), qn("w:moveFrom"), qn("w:commentRangeStart"), qn("w:proofErr")}
_RUN_CONTAINERS = {
    qn("w:hyperlink"), qn("w:ins"), qn("w:smartTag"), qn("w:fldSimple"), qn("w:customXml"),
    qn("w:moveTo"), qn("w:dir"), qn("w:bdo"),
}


@dataclass
class _RunProps:
    size: float | None = None
    font: str | None = None
    color: str | None = None
    background: str | None = None
    bold: bool | None = None
    hidden: bool | None = None

    def merged_over(self, base: "_RunProps") -> "_RunProps":
        return _RunProps(
            size=self.size if self.size is not None else base.size,
            font=self.font if self.font is not None else base.font,
            color=self.color if self.color is not None else base.color,
            background=self.background if self.background is not None else base.background,
            bold=self.bold if self.bold is not None else base.bold,
            hidden=self.hidden if self.hidden is not None else base.hidden,
        )


def _on(el) -> bool | None:
    if el is None:
        return None
    v = el.get(qn("w:val"))
    return v not in ("0", "false", "off")


def _rpr_props(rpr, theme_fonts: dict[str, str]) -> _RunProps:
    p = _RunProps()
    if rpr is None:
        return p
    sz = rpr.find(qn("w:sz"))
    if sz is not None and sz.get(qn("w:val"), "").isdigit():
        p.size = int(sz.get(qn("w:val"))) / 2
    rf = rpr.find(qn("w:rFonts"))
    if rf is not None:
        name = rf.get(qn("w:ascii")) or rf.get(qn("w:hAnsi"))
        if not name:
            theme = rf.get(qn("w:asciiTheme")) or rf.get(qn("w:hAnsiTheme"))
            if theme:
                name = theme_fonts.get("minor" if "minor" in theme else "major")
        p.font = name
    col = rpr.find(qn("w:color"))
    if col is not None:
        v = col.get(qn("w:val"))
        p.color = None if v in (None, "auto") else v.upper()
        if v == "auto":
            p.color = "auto"
    shd = rpr.find(qn("w:shd"))
    if shd is not None and shd.get(qn("w:fill")) not in (None, "auto"):
        p.background = shd.get(qn("w:fill")).upper()
    hl = rpr.find(qn("w:highlight"))
    if hl is not None and hl.get(qn("w:val")) in _HIGHLIGHT:
        p.background = _HIGHLIGHT[hl.get(qn("w:val"))]
    p.bold = _on(rpr.find(qn("w:b")))
    p.hidden = _on(rpr.find(qn("w:vanish")))
    return p


class _Styles:
    """Resolves run properties through style inheritance, with caching."""

    def __init__(self, styles_el, theme_fonts: dict[str, str]) -> None:
        self.theme_fonts = theme_fonts
        self.by_id: dict[str, object] = {}
        self.default_par: str | None = None
        self.defaults = _RunProps(size=10.0, font=theme_fonts.get("minor"), color="auto", bold=False, hidden=False)
        self.par_shading: dict[str, str | None] = {}
        self._cache: dict[str, _RunProps] = {}
        if styles_el is None:
            return
        dd = styles_el.find(qn("w:docDefaults"))
        if dd is not None:
            rpr = dd.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
            self.defaults = _rpr_props(rpr, theme_fonts).merged_over(self.defaults)
        for st in styles_el.findall(qn("w:style")):
            sid = st.get(qn("w:styleId"))
            self.by_id[sid] = st
            if st.get(qn("w:type")) == "paragraph" and st.get(qn("w:default")) in ("1", "true"):
                self.default_par = sid

    def style_props(self, sid: str | None) -> _RunProps:
        if not sid or sid not in self.by_id:
            return _RunProps()
        if sid in self._cache:
            return self._cache[sid]
        self._cache[sid] = _RunProps()  # cycle guard
        st = self.by_id[sid]
        own = _rpr_props(st.find(qn("w:rPr")), self.theme_fonts)
        b = st.find(qn("w:basedOn"))
        base = self.style_props(b.get(qn("w:val"))) if b is not None else _RunProps()
        out = own.merged_over(base)
        self._cache[sid] = out
        return out

    def is_heading(self, sid: str | None, depth: int = 0) -> bool:
        """A heading style: Word's built-in "heading N" / "Title", or a style with an outline level."""
        if not sid or sid not in self.by_id or depth > 10:
            return False
        st = self.by_id[sid]
        name_el = st.find(qn("w:name"))
        name = (name_el.get(qn("w:val")) or "").lower() if name_el is not None else ""
        if name.startswith("heading") or name == "title":
            return True
        ppr = st.find(qn("w:pPr"))
        lvl = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        if lvl is not None:
            return (lvl.get(qn("w:val")) or "9") < "9"
        b = st.find(qn("w:basedOn"))
        return self.is_heading(b.get(qn("w:val")), depth + 1) if b is not None else False

    def paragraph_shading(self, sid: str | None) -> str | None:
        if not sid or sid not in self.by_id:
            return None
        if sid not in self.par_shading:
            st = self.by_id[sid]
            ppr = st.find(qn("w:pPr"))
            shd = ppr.find(qn("w:shd")) if ppr is not None else None
            fill = shd.get(qn("w:fill")) if shd is not None else None
            self.par_shading[sid] = fill.upper() if fill and fill != "auto" else None
        return self.par_shading[sid]


def _theme_fonts(document) -> dict[str, str]:
    out = {}
    try:
        for rel in document.part.rels.values():
            if rel.reltype.endswith("/theme"):
                from lxml import etree

                root = etree.fromstring(rel.target_part.blob)
                ns = {"a": "http://schemas.openxmlformats.org/drawingml/2006/main"}
                for kind in ("minor", "major"):
                    el = root.find(f".//a:{kind}Font/a:latin", ns)
                    if el is not None:
                        out[kind] = el.get("typeface")
    except Exception:  # theme is optional decoration; never fail the read on it
        pass
    return out


class _Reader:
    def __init__(self, document) -> None:
        self.document = document
        styles_el = document.styles.element if document.styles is not None else None
        self.styles = _Styles(styles_el, _theme_fonts(document))
        try:
            numbering_el = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            numbering_el = None
        self.numbering = Numbering(numbering_el)
        self.style_numpr = style_numbering(styles_el)
        bg = document.element.find(qn("w:background"))
        self.page_background = (bg.get(qn("w:color")) or "").upper() if bg is not None else None
        if self.page_background in ("", "AUTO"):
            self.page_background = None
        self.blocks: list[Block] = []
        self.page = 1
        self.page_breaks_seen = False
        self.last_is_heading = False
        self.paragraph_index = 0

    # ------------------------------------------------------------------ runs
    def _collect_runs(self, el, out: list) -> None:
        for child in el:
            tag = child.tag
            if tag == qn("w:r"):
                out.append(child)
            elif tag in _RUN_CONTAINERS:
                self._collect_runs(child, out)
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self._collect_runs(content, out)

    def _run_text(self, r) -> str:
        parts = []
        for c in r:
            tag = c.tag
            if tag == qn("w:t"):
                parts.append(c.text or "")
            elif tag == qn("w:tab"):
                parts.append("\t")
            elif tag in (qn("w:br"), qn("w:cr")):
                if c.get(qn("w:type")) == "page":
                    self.page += 1
                    self.page_breaks_seen = True
                parts.append(" ")
            elif tag == qn("w:lastRenderedPageBreak"):
                self.page += 1
                self.page_breaks_seen = True
            elif tag == qn("w:noBreakHyphen"):
                parts.append("-")
            elif tag == qn("w:softHyphen"):
                parts.append("\xad")  # dropped by normalization; in a TCVN3 (.VnTime) run it is the letter ư
            elif tag == qn("w:sym"):
                code = c.get(qn("w:char")) or ""
                try:
                    ch = chr(int(code, 16))
                    parts.append("•" if 0xF000 <= ord(ch) <= 0xF0FF else ch)
                except ValueError:
                    pass
        return "".join(parts)

    # ------------------------------------------------------------------ paragraphs
    def paragraph(self, p, cell_background: str | None = None) -> tuple[str, list[StyleSpan], str | None]:
        ppr = p.find(qn("w:pPr"))
        ps = ppr.find(qn("w:pStyle")) if ppr is not None else None
        pstyle = ps.get(qn("w:val")) if ps is not None else self.styles.default_par
        lvl = ppr.find(qn("w:outlineLvl")) if ppr is not None else None
        # read by body(): a heading paragraph may group the numbered items under it (text.segment)
        self.last_is_heading = ((lvl.get(qn("w:val")) or "9") < "9") if lvl is not None else self.styles.is_heading(pstyle)
        if ppr is not None and ppr.find(qn("w:pageBreakBefore")) is not None:
            self.page += 1
            self.page_breaks_seen = True
        par_props = self.styles.style_props(pstyle).merged_over(self.styles.defaults)
        shd = ppr.find(qn("w:shd")) if ppr is not None else None
        par_bg = shd.get(qn("w:fill")).upper() if shd is not None and shd.get(qn("w:fill")) not in (None, "auto") else None
        par_bg = par_bg or self.styles.paragraph_shading(pstyle) or cell_background or self.page_background
        mark_rpr = ppr.find(qn("w:rPr")) if ppr is not None else None
        mark_props = _rpr_props(mark_rpr, self.styles.theme_fonts).merged_over(par_props)

        runs: list = []
        self._collect_runs(p, runs)
        text_parts: list[str] = []
        spans: list[StyleSpan] = []
        pos = 0
        for r in runs:
            rpr = r.find(qn("w:rPr"))
            own = _rpr_props(rpr, self.styles.theme_fonts)
            rs = rpr.find(qn("w:rStyle")) if rpr is not None else None
            char_style = self.styles.style_props(rs.get(qn("w:val"))) if rs is not None else _RunProps()
            props = own.merged_over(char_style).merged_over(par_props)
            t = self._run_text(r)
            if not t or props.hidden:
                continue
            text_parts.append(t)
            spans.append(StyleSpan(
                start=pos, end=pos + len(t), size=props.size, font=props.font,
                color=None if props.color in (None, "auto") else props.color,
                background=props.background or par_bg, bold=bool(props.bold),
            ))
            pos += len(t)
        text = "".join(text_parts)
        numpr = paragraph_numpr(p, self.style_numpr)
        label = self.numbering.label(*numpr) if numpr and text.strip() else None
        if label:
            prefix = label + " "
            spans = [StyleSpan(start=0, end=len(label), size=mark_props.size, font=mark_props.font,
                               color=None if mark_props.color in (None, "auto") else mark_props.color,
                               background=par_bg, bold=bool(mark_props.bold))] + [
                s.model_copy(update={"start": s.start + len(prefix), "end": s.end + len(prefix)}) for s in spans
            ]
            text = prefix + text
        return text, spans, label

    def add_block(self, text: str, spans: list[StyleSpan], kind: str, label: str | None) -> None:
        self.blocks.append(Block(
            index=len(self.blocks), text=text, paragraph=self.paragraph_index, kind=kind,  # type: ignore[arg-type]
            numbering=label, styles=spans, page=self.page,
        ))

    # ------------------------------------------------------------------ body
    def body(self, el, cell_background: str | None = None) -> None:
        for child in el:
            tag = child.tag
            if tag == qn("w:p"):
                text, spans, label = self.paragraph(child, cell_background)
                if text.strip():
                    self.add_block(text, spans, "heading" if self.last_is_heading else "paragraph", label)
                self.paragraph_index += 1
            elif tag == qn("w:tbl"):
                self.table(child)
            elif tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self.body(content, cell_background)
            elif tag == qn("w:customXml"):
                self.body(child, cell_background)

    def table(self, tbl) -> None:
        for tr in tbl.findall(qn("w:tr")):
            cells: list[tuple[str, list[StyleSpan]]] = []
            nested = []
            for tc in tr.findall(qn("w:tc")):
                tcpr = tc.find(qn("w:tcPr"))
                shd = tcpr.find(qn("w:shd")) if tcpr is not None else None
                fill = shd.get(qn("w:fill")) if shd is not None else None
                bg = fill.upper() if fill not in (None, "auto") else None
                parts = []
                for child in tc:
                    if child.tag == qn("w:p"):
                        t, spans, _ = self.paragraph(child, bg or self.page_background)
                        if t.strip():
                            parts.append((t, spans))
                    elif child.tag == qn("w:tbl"):
                        nested.append(child)
                cell = _join(parts, " ")
                if cell[0].strip():
                    cells.append(cell)
            row, spans = _join(cells, " | ")
            if row.strip():
                self.add_block(row, spans, "table_row", None)
            self.paragraph_index += 1
            for n in nested:
                self.table(n)


def _join(parts: list[tuple[str, list[StyleSpan]]], sep: str) -> tuple[str, list[StyleSpan]]:
    text = ""
    spans: list[StyleSpan] = []
    for t, sp in parts:
        if text:
            text += sep
        off = len(text)
        spans += [s.model_copy(update={"start": s.start + off, "end": s.end + off}) for s in sp]
        text += t
    return text, spans


def read_docx(data: bytes, limits: Limits) -> tuple[list[Block], int | None, bool]:
    """Blocks in reading order, the page count if Word recorded one, and whether pages are known."""
    open_zip_safely(data, limits)  # refuse bombs before python-docx inflates anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises a variety of errors on damaged packages
        raise CorruptFile("Tệp DOCX bị hỏng hoặc không đúng định dạng Word.") from e
    reader = _Reader(document)
    reader.body(document.element.body)
    pages = None
    try:
        app = [p for p in document.part.package.parts if str(p.partname).endswith("/docProps/app.xml")]
        if app:
            from lxml import etree

            root = etree.fromstring(app[0].blob)
            el = root.find("{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}Pages")
            if el is not None and el.text and el.text.isdigit():
                pages = int(el.text)
    except Exception:
        pages = None
    if not reader.page_breaks_seen:
        for b in reader.blocks:
            b.page = None
    elif pages is None:
        pages = reader.page
    return reader.blocks, pages, reader.page_breaks_seen
