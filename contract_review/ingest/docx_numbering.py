"""Word automatic numbering: compute the label Word displays in front of a numbered paragraph.

python-docx's `paragraph.text` omits list numbers: they live in numbering.xml as abstract list
definitions (format and text per level: "Điều %1.", "%1.%2.", "%3)") and list instances that point
to them, sometimes restarting a level (startOverride). Counters belong to the abstract list, so two
instances of one list continue each other unless an instance restarts; a level restarts when a
higher level advances (or per its lvlRestart).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from docx.oxml.ns import qn

_LETTERS_EN = "abcdefghijklmnopqrstuvwxyz"


def _int(el, attr: str = "w:val", default: int | None = None) -> int | None:
    if el is None:
        return default
    v = el.get(qn(attr))
    try:
        return int(v) if v is not None else default
    except ValueError:
        return default


def _roman(n: int) -> str:
    vals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def _letters(n: int) -> str:
    # Word: a..z, then aa, bb, ... (repeated letter)
    if n <= 0:
        return ""
    k, r = divmod(n - 1, 26)
    return _LETTERS_EN[r] * (k + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("decimal", "decimalEnclosedFullstop", "decimalEnclosedParen", "decimalHalfWidth", "decimalFullWidth"):
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt in ("none", "bullet"):
        return ""
    if fmt == "ordinal":
        return f"{n}."
    return str(n)


@dataclass
class Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    restart: int | None = None  # lvlRestart: restart after this (1-based) level advances; 0 = never
    is_legal: bool = False
    bullet_char: str = ""


@dataclass
class _Instance:
    abstract_id: str
    overrides: dict[int, int] = field(default_factory=dict)  # ilvl -> start override
    level_defs: dict[int, Level] = field(default_factory=dict)  # lvlOverride/lvl replaces a level


class Numbering:
    """Label calculator for one document; call `label(numId, ilvl)` in document order."""

    def __init__(self, numbering_el) -> None:
        self.abstract: dict[str, dict[int, Level]] = {}
        self.instances: dict[str, _Instance] = {}
        self.counters: dict[str, list[int]] = {}
        self.started: set[str] = set()
        if numbering_el is None:
            return
        for an in numbering_el.findall(qn("w:abstractNum")):
            aid = an.get(qn("w:abstractNumId"))
            self.abstract[aid] = {int(lv.get(qn("w:ilvl"))): self._level(lv) for lv in an.findall(qn("w:lvl"))}
            link = an.find(qn("w:numStyleLink"))
            if link is not None and not self.abstract[aid]:
                self.abstract[aid] = {}  # resolved lazily via styles; rare in contracts
        for num in numbering_el.findall(qn("w:num")):
            nid = num.get(qn("w:numId"))
            aref = num.find(qn("w:abstractNumId"))
            inst = _Instance(aref.get(qn("w:val")) if aref is not None else "")
            for ov in num.findall(qn("w:lvlOverride")):
                ilvl = int(ov.get(qn("w:ilvl")))
                so = ov.find(qn("w:startOverride"))
                if so is not None:
                    inst.overrides[ilvl] = _int(so, default=1) or 0
                lv = ov.find(qn("w:lvl"))
                if lv is not None:
                    inst.level_defs[ilvl] = self._level(lv)
            self.instances[nid] = inst

    @staticmethod
    def _level(lv) -> Level:
        fmt_el = lv.find(qn("w:numFmt"))
        text_el = lv.find(qn("w:lvlText"))
        restart_el = lv.find(qn("w:lvlRestart"))
        fmt = fmt_el.get(qn("w:val")) if fmt_el is not None else "decimal"
        text = text_el.get(qn("w:val")) if text_el is not None else ""
        return Level(
            start=_int(lv.find(qn("w:start")), default=1) or 0,
            fmt=fmt or "decimal",
            text=text or "",
            restart=_int(restart_el) if restart_el is not None else None,
            is_legal=lv.find(qn("w:isLgl")) is not None,
            bullet_char=text if fmt == "bullet" else "",
        )

    def _level_def(self, inst: _Instance, ilvl: int) -> Level:
        if ilvl in inst.level_defs:
            return inst.level_defs[ilvl]
        return self.abstract.get(inst.abstract_id, {}).get(ilvl, Level())

    def label(self, num_id: str, ilvl: int) -> str | None:
        """The displayed label ("Điều 3.", "1.2.", "a)", "-") or None for no numbering."""
        if num_id in (None, "0"):
            return None
        inst = self.instances.get(num_id)
        if inst is None:
            return None
        lvl = self._level_def(inst, ilvl)
        if lvl.fmt == "none" and not lvl.text.strip():
            return None
        key = inst.abstract_id or f"num{num_id}"
        counters = self.counters.setdefault(key, [0] * 9)
        if num_id not in self.started:
            self.started.add(num_id)
            for lv_i, start in inst.overrides.items():
                if 0 <= lv_i < 9:
                    counters[lv_i] = start - 1
        if counters[ilvl] == 0 and lvl.start != 1 and not inst.overrides.get(ilvl):
            counters[ilvl] = lvl.start - 1
        counters[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            d = self._level_def(inst, deeper)
            if d.restart == 0:
                continue
            if d.restart is None or d.restart - 1 <= ilvl:
                counters[deeper] = 0
        if lvl.fmt == "bullet":
            ch = lvl.bullet_char
            return "-" if not ch or ord(ch[0]) >= 0xF000 or ch in ("o", "§", "Ø", "ü") else ch
        out = lvl.text

        def sub(m: re.Match) -> str:
            k = int(m.group(1)) - 1
            d = self._level_def(inst, k)
            n = counters[k] if counters[k] > 0 else d.start
            fmt = "decimal" if (lvl.is_legal and k < ilvl) else d.fmt
            return format_number(n, fmt)

        out = re.sub(r"%([1-9])", sub, out)
        return out.strip() or None


def paragraph_numpr(p_el, style_numpr: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """(numId, ilvl) of a paragraph: direct numPr, else its style's."""
    ppr = p_el.find(qn("w:pPr"))
    style_id = None
    if ppr is not None:
        numpr = ppr.find(qn("w:numPr"))
        ps = ppr.find(qn("w:pStyle"))
        style_id = ps.get(qn("w:val")) if ps is not None else None
        if numpr is not None:
            nid = numpr.find(qn("w:numId"))
            il = numpr.find(qn("w:ilvl"))
            if nid is not None:
                num_id = nid.get(qn("w:val"))
                ilvl = _int(il, default=None)
                if ilvl is None and style_id in style_numpr:
                    ilvl = style_numpr[style_id][1]
                return num_id, ilvl or 0
    if style_id and style_id in style_numpr:
        return style_numpr[style_id]
    return None


def style_numbering(styles_el) -> dict[str, tuple[str, int]]:
    """numPr defined on paragraph styles (e.g. a 'Heading 1' linked to a list), following basedOn."""
    direct: dict[str, tuple[str | None, int | None]] = {}
    based: dict[str, str] = {}
    if styles_el is None:
        return {}
    for st in styles_el.findall(qn("w:style")):
        sid = st.get(qn("w:styleId"))
        b = st.find(qn("w:basedOn"))
        if b is not None:
            based[sid] = b.get(qn("w:val"))
        ppr = st.find(qn("w:pPr"))
        numpr = ppr.find(qn("w:numPr")) if ppr is not None else None
        if numpr is not None:
            nid = numpr.find(qn("w:numId"))
            il = numpr.find(qn("w:ilvl"))
            direct[sid] = (nid.get(qn("w:val")) if nid is not None else None, _int(il, default=None))
    out: dict[str, tuple[str, int]] = {}
    for sid in set(direct) | set(based):
        num_id, ilvl, cur, seen = None, None, sid, set()
        while cur and cur not in seen:
            seen.add(cur)
            if cur in direct:
                n, i = direct[cur]
                num_id = num_id or n
                ilvl = ilvl if ilvl is not None else i
            cur = based.get(cur)
        if num_id:
            out[sid] = (num_id, ilvl or 0)
    return out
