"""Mandatory content: does the form contain each item the law requires (Luật 19/2023/QH15 Điều 23
khoản 3, Điều 42 khoản 2, Điều 27 khoản 2), and which clause covers it?

The signals are data (rules/checks.yaml): article titles first ("Phương thức và thời hạn thanh toán",
"Bất khả kháng"), then phrases that state the item by themselves, then phrases that must occur
together in one article. The parties block (điểm a) has its own small parser.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from contract_review.analyze.outline import Outline, Unit, fold
from contract_review.analyze.rules import BasisSpec, _data_dir
from contract_review.model import Clause, FormCheck, Location, Severity

HDTM = "hop_dong_theo_mau"
DKGDC = "dieu_kien_giao_dich_chung"
CONTINUOUS = "continuous_service"

_FLAGS = re.I | re.M


_SPECIAL = set("\\()[]{}*+?.|^$")


def _literal_prefix(pattern: str) -> str:
    """Plain characters at the start of a pattern (an optional last letter dropped)."""
    k = 0
    while k < len(pattern) and pattern[k] not in _SPECIAL:
        k += 1
    word = pattern[:k]
    if pattern[k:k + 1] in ("?", "*", "{"):
        word = word[:-1]
    return word.strip()


def _group_end(pattern: str, start: int) -> int:
    """Index just after the group opening at `start` (pattern[start] == "(")."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def triggers(pattern: str) -> tuple[str, ...] | None:
    """Literal words one of which any match must start with ("(bán|cung cấp)…" -> ("bán", "cung cấp")), or
    None when the pattern does not begin with plain words. A text without any of them cannot match, which
    spares the regex engine a scan of the whole contract for most phrases."""
    branches = _top_level_branches(pattern)
    if len(branches) > 1:
        found = [triggers(b) for b in branches]
        return None if any(f is None for f in found) else tuple(w for f in found for w in f)  # type: ignore[union-attr]
    p = pattern
    while p.startswith(("\\b", "^", "(?:")) and not p.startswith("(?:") or p.startswith(("\\b", "^")):
        p = p[2:] if p.startswith("\\b") else p[1:]
    if p.startswith("("):
        end = _group_end(p, 0)
        if end < 0 or p[end:end + 1] in ("?", "*", "{") or p.startswith("(?"):
            return None
        alts = _top_level_branches(p[1:end - 1])
        words = [_literal_prefix(a) for a in alts]
        return None if any(len(w) < 2 for w in words) else tuple(words)
    word = _literal_prefix(p)
    return (word,) if len(word) >= 2 else None


def _top_level_branches(pattern: str) -> list[str]:
    out, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


class Phrase:
    """One or more regular expressions on lower-cased text. A pattern that starts with plain words is tried
    only where one of those words occurs (an anchored match there); one with explicit `needs` words only on
    texts containing one of them. Long contracts stay fast: most phrases start with a word that occurs a
    few times, and the engine never walks the whole text for them."""

    def __init__(self, patterns: list):
        self.parts: list[tuple[re.Pattern, tuple[str, ...] | None, bool]] = []
        for p in patterns:
            if isinstance(p, dict):  # {pattern: …, needs: [words]} when the pattern does not start with words
                self.parts.append((re.compile(p["pattern"], _FLAGS), tuple(w.lower() for w in p["needs"]), False))
            else:
                words = triggers(p)
                self.parts.append((re.compile(p, _FLAGS), tuple(w.lower() for w in words) if words else None, True))

    def search(self, text: str) -> re.Match | None:
        for rx, words, anchored in self.parts:
            if words is None:
                m = rx.search(text)
            elif anchored:
                m = _first_anchored(rx, words, text)
            elif any(w in text for w in words):
                m = rx.search(text)
            else:
                continue
            if m:
                return m
        return None


def _first_anchored(rx: re.Pattern, words: tuple[str, ...], text: str) -> re.Match | None:
    best = None
    for w in words:
        i = text.find(w)
        while i >= 0 and (best is None or i < best.start()):
            m = rx.match(text, i)
            if m:
                best = m
                break
            i = text.find(w, i + 1)
    return best


def _compile(patterns) -> Phrase | None:
    if not patterns:
        return None
    if isinstance(patterns, str):
        patterns = [patterns]
    return Phrase(list(patterns))


@dataclass(frozen=True)
class Signals:
    headings: Phrase | None = None
    content: Phrase | None = None
    content_all: tuple[tuple[Phrase, ...], ...] = ()

    @classmethod
    def from_spec(cls, spec: dict) -> "Signals":
        groups = tuple(tuple(_compile(p) for p in g) for g in spec.get("content_all") or [])
        return cls(_compile(spec.get("headings")), _compile(spec.get("content")), groups)


@dataclass(frozen=True)
class Aspect:
    key: str
    label: str
    signals: Signals


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    basis: BasisSpec
    applies_to: str
    signals: Signals
    missing: str
    heading_exclude: Phrase | None = None
    aspects: tuple[Aspect, ...] = ()
    detector: str | None = None
    same_as: str | None = None
    applies_when: Phrase | None = None
    otherwise: str = ""


@dataclass(frozen=True)
class PartySpec:
    header: re.Pattern
    name: re.Pattern
    address: re.Pattern
    phone: re.Pattern
    contact: re.Pattern
    business: re.Pattern


@dataclass(frozen=True)
class CheckBook:
    version: str
    items: dict[str, ItemSpec]
    parties: PartySpec

    def for_kind(self, applies_to: str) -> list[ItemSpec]:
        return [s for s in self.items.values() if s.applies_to == applies_to]


def load_checks(path: str | Path | None = None) -> CheckBook:
    return _load(str(path) if path else _default_path())


@functools.lru_cache(maxsize=1)
def _default_path() -> str:
    return str(_data_dir() / "checks.yaml")


@functools.lru_cache(maxsize=4)
def _load(path: str) -> CheckBook:
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    p = data["parties"]
    parties = PartySpec(*(re.compile(p[k], _FLAGS) for k in ("header", "name", "address", "phone", "contact", "business")))
    raw = data["items"]
    items: dict[str, ItemSpec] = {}
    for code, spec in raw.items():
        aspects = []
        for key, a in (spec.get("aspects") or {}).items():
            if a.get("same_as_aspect"):
                src_code, src_key = a["same_as_aspect"]
                src = raw[src_code]["aspects"][src_key]
                sig = Signals.from_spec(src)
            else:
                sig = Signals.from_spec(a)
            aspects.append(Aspect(key, a["label"], sig))
        when = spec.get("applies_when") or {}
        items[str(code)] = ItemSpec(
            code=str(code), name=spec["name"], basis=BasisSpec(**spec["basis"]), applies_to=spec["applies_to"],
            signals=Signals.from_spec(spec), missing=spec.get("missing", ""),
            heading_exclude=_compile(spec.get("heading_exclude")), aspects=tuple(aspects),
            detector=spec.get("detector"), same_as=spec.get("same_as"),
            applies_when=_compile(when.get("any")), otherwise=when.get("otherwise", ""),
        )
    return CheckBook(version=str(data.get("version", "")), items=items, parties=parties)


# --------------------------------------------------------------------------- evidence


@dataclass
class Hit:
    unit: Unit
    clause: Clause
    how: str  # "heading" | "content"
    words: str

    @property
    def where(self) -> str:
        u = self.unit
        if self.how == "heading" or self.clause.id == u.id:
            return u.label
        sub = (self.clause.label or "").rstrip(".:) ").strip()
        if sub and u.clause.level == "article":
            kind = "điểm" if re.fullmatch(r"[a-zđ]", sub) else "khoản"
            return f"{u.label}, {kind} {sub}"
        return u.label


def _find(signals: Signals, units: list[Unit], outline: Outline) -> list[Hit]:
    """Where the signals occur. An article titled for the item is the best evidence: when there is
    one, phrases met elsewhere in passing ("đủ số lượng, bảo đảm chất lượng") are not reported."""
    hits = _find_all(signals, units, outline)
    titled = [h for h in hits if h.how == "heading"]
    return titled or hits


def _find_all(signals: Signals, units: list[Unit], outline: Outline) -> list[Hit]:
    hits: list[Hit] = []
    for u in units:
        if signals.headings is not None and u.heading:
            m = signals.headings.search(u.heading_folded)
            if m:
                hits.append(Hit(u, u.clause, "heading", u.heading))
                continue
        found = False
        # the whole article first (one scan), then the clause that says it
        if signals.content is not None and signals.content.search(u.plain):
            for c in u.members:
                m = signals.content.search(outline.plain(c))
                if m:
                    hits.append(Hit(u, c, "content", m.group(0)))
                    found = True
                    break
        if not found and signals.content_all:
            text = u.plain
            for group in signals.content_all:
                ms = [p.search(text) for p in group]
                if all(ms):
                    hits.append(Hit(u, u.clause, "content", " … ".join(m.group(0).strip() for m in ms)))
                    break
    return hits


def _eligible(spec: ItemSpec, units: list[Unit]) -> list[Unit]:
    out = []
    for u in units:
        if u.is_definitions or u.clause.level == "signature":
            continue
        if spec.heading_exclude is not None and u.heading and spec.heading_exclude.search(u.heading_folded):
            continue
        out.append(u)
    return out


# --------------------------------------------------------------------------- parties


@dataclass
class Party:
    header: str
    clause_ids: list[str] = field(default_factory=list)
    address: bool = False
    phone: bool = False
    contact: bool = False
    business: bool = False

    def missing(self) -> list[str]:
        return [w for w, ok in (("địa chỉ", self.address), ("số điện thoại", self.phone)) if not ok]


def find_parties(outline: Outline, book: CheckBook, heading_re: Phrase | None = None) -> list[Party]:
    """The parties block: preamble lines (and any article titled "Thông tin các bên"), split into
    one record per party header ("BÊN A (…): …", "BÊN MUA NHÀ Ở …")."""
    ps = book.parties
    parties: list[Party] = []
    cur: Party | None = None
    for u in outline.units:
        in_block = u.clause.level == "preamble" or (
            heading_re is not None and u.heading and heading_re.search(u.heading_folded))
        if not in_block:
            continue
        for c in u.members:
            for raw in c.text.split("\n"):
                line = fold(raw).replace(" | ", ": ", 1).lstrip("| ").strip()
                if not line:
                    continue
                if ps.header.search(line):
                    cur = Party(header=raw.strip()[:120])
                    parties.append(cur)
                elif cur is None:
                    if not (ps.address.search(line) or ps.name.search(line)):
                        continue
                    cur = Party(header=raw.strip()[:120])
                    parties.append(cur)
                if c.id not in cur.clause_ids:
                    cur.clause_ids.append(c.id)
                cur.address = cur.address or bool(ps.address.search(line))
                cur.phone = cur.phone or bool(ps.phone.search(line))
                cur.contact = cur.contact or bool(ps.contact.search(line))
                cur.business = cur.business or bool(ps.business.search(line))
    return parties


# --------------------------------------------------------------------------- checks


def _check(spec: ItemSpec, status: str, message: str, outline: Outline, hits: list[Hit] | None = None,
           details: dict | None = None) -> FormCheck:
    locations: list[Location] = []
    seen = set()
    for h in hits or []:
        key = h.clause.id
        if key in seen:
            continue
        seen.add(key)
        locations.append(outline.location(h.clause, h.words if h.how == "content" else h.unit.heading))
    return FormCheck(code=spec.code, name=spec.name, provision=spec.basis.provision(), status=status,  # type: ignore[arg-type]
                     severity=Severity.medium, message=message, locations=locations[:6], details=details or {})


def _where(hits: list[Hit], limit: int = 3) -> str:
    """Where an item was found, for a reader: "Điều 5. Phương thức và thời hạn thanh toán; Điều 7. …"."""
    seen: list[str] = []
    units: set[str] = set()
    for h in hits:
        if h.unit.id in units:
            continue
        units.add(h.unit.id)
        seen.append(h.where)
    more = f" và {len(seen) - limit} chỗ khác" if len(seen) > limit else ""
    return "; ".join(seen[:limit]) + more


def check_item(spec: ItemSpec, outline: Outline, book: CheckBook, scope: list[Unit] | None = None,
               done: dict[str, FormCheck] | None = None) -> FormCheck:
    """One item; `scope` limits the search to some units (an appended set of general conditions);
    `done` holds the items already checked on the same scope (Điều 42 khoản 2 điểm b repeats điểm b of
    Điều 23 khoản 3)."""
    scope = outline.units if scope is None else scope
    if spec.detector == "parties":
        return _check_parties(spec, outline, book)
    if spec.detector == "business_contact":
        return _check_business(spec, outline, book)
    if spec.same_as:
        src = book.items[spec.same_as]
        fc = (done or {}).get(src.code) or check_item(src, outline, book, scope)
        msg = fc.message if fc.status != "fail" else f"Không tìm thấy phần mô tả dịch vụ. {spec.missing}"
        return fc.model_copy(update={"code": spec.code, "name": spec.name, "provision": spec.basis.provision(),
                                     "message": msg})
    if spec.applies_when is not None and not any(spec.applies_when.search(u.text_folded) for u in scope
                                                     if not u.is_definitions):
        return _check(spec, "not_applicable", spec.otherwise, outline)
    units = _eligible(spec, scope)
    if spec.aspects:
        found: dict[str, list[Hit]] = {a.key: _find(a.signals, units, outline) for a in spec.aspects}
        hits = [h for a in spec.aspects for h in found[a.key]]
        have = [a for a in spec.aspects if found[a.key]]
        lack = [a for a in spec.aspects if not found[a.key]]
        details = {"aspects": {a.key: bool(found[a.key]) for a in spec.aspects},
                   "covered_by": sorted({outline.article_id(h.clause) for h in hits})}
        if not lack:
            return _check(spec, "pass", f"Có: {_where(hits)}.", outline, hits, details)
        if not have:
            return _check(spec, "fail", f"Không tìm thấy nội dung này trong văn bản. {spec.missing}", outline,
                          details=details)
        got = "; ".join(f"{a.label} ({_where(found[a.key], 2)})" for a in have)
        miss = ", ".join(a.label for a in lack)
        return _check(spec, "fail", f"Mới có {got}; chưa thấy {miss}. {spec.missing}", outline, hits, details)
    hits = _find(spec.signals, units, outline)
    details = {"covered_by": sorted({outline.article_id(h.clause) for h in hits}, key=outline.order.get),
               "signals": sorted({h.how for h in hits})}
    if hits:
        return _check(spec, "pass", f"Có: {_where(hits)}.", outline, hits, details)
    return _check(spec, "fail", f"Không tìm thấy nội dung này trong văn bản. {spec.missing}", outline, details=details)


def _party_hits(outline: Outline, parties: list[Party]) -> list[Hit]:
    hits = []
    for p in parties:
        for cid in p.clause_ids[:1]:
            c = outline.by_id[cid]
            hits.append(Hit(outline.unit_of[cid], c, "content", p.header))
    return hits


def _check_parties(spec: ItemSpec, outline: Outline, book: CheckBook) -> FormCheck:
    parties = find_parties(outline, book, spec.signals.headings)
    details = {"parties": [{"header": p.header, "address": p.address, "phone": p.phone, "contact": p.contact,
                            "business": p.business} for p in parties]}
    hits = _party_hits(outline, parties)
    if not parties:
        return _check(spec, "fail", f"Không tìm thấy phần thông tin các bên. {spec.missing}", outline,
                      details=details)
    gaps = [f"{_party_name(p)}: thiếu {', '.join(p.missing())}" for p in parties if p.missing()]
    if len(parties) < 2:
        gaps.insert(0, "chỉ thấy thông tin của một bên")
    if gaps:
        return _check(spec, "fail", f"Thông tin các bên chưa đủ ({'; '.join(gaps)}). {spec.missing}", outline,
                      hits, details)
    names = ", ".join(_party_name(p) for p in parties[:3])
    return _check(spec, "pass", f"Có: phần đầu hợp đồng ghi tên, địa chỉ, số điện thoại của các bên ({names}).",
                  outline, hits, details)


def _party_name(p: Party) -> str:
    head = re.split(r"[:(]", p.header, maxsplit=1)[0].strip()
    return head[:60] or p.header[:60]


def _check_business(spec: ItemSpec, outline: Outline, book: CheckBook) -> FormCheck:
    parties_spec = book.items.get("M23.3.a")
    parties = find_parties(outline, book, parties_spec.signals.headings if parties_spec else None)
    biz = [p for p in parties if p.business]
    ok = [p for p in biz if p.address and p.phone]
    if ok:
        return _check(spec, "pass", f"Có: {_party_name(ok[0])} — địa chỉ và số điện thoại ở phần đầu hợp đồng.",
                      outline, _party_hits(outline, ok[:1]))
    # the business may introduce itself in an article ("Thông tin về bên cung cấp dịch vụ: … trụ sở … tổng đài …")
    ps = book.parties
    for u in outline.units:
        if u.is_definitions:
            continue
        for c in u.members:
            t = fold(c.text)
            if ps.business.search(t) and ps.address.search(t) and ps.phone.search(t):
                return _check(spec, "pass", f"Có: {u.label}.", outline, [Hit(u, c, "content", c.text[:120])])
    if biz:
        p = biz[0]
        return _check(spec, "fail", f"{_party_name(p)}: thiếu {', '.join(p.missing())}. {spec.missing}", outline,
                      _party_hits(outline, [p]))
    return _check(spec, "fail", f"Không tìm thấy thông tin liên hệ của bên cung cấp dịch vụ. {spec.missing}", outline)


def check_mandatory(outline: Outline, contract_kind: str, continuous: bool, book: CheckBook | None = None
                    ) -> list[FormCheck]:
    """FormChecks for the items that apply to this kind of document, in the order of the law."""
    book = book or load_checks()
    kinds = [HDTM, CONTINUOUS] if continuous else [HDTM]
    if contract_kind == DKGDC:
        kinds = [DKGDC]
    done: dict[str, FormCheck] = {}
    for kind in kinds:
        for spec in book.for_kind(kind):
            done[spec.code] = check_item(spec, outline, book, done=done)
    return list(done.values())


def check_embedded_conditions(outline: Outline, book: CheckBook | None = None) -> list[FormCheck]:
    """A contract that carries its general conditions as an appendix ("PHỤ LỤC — ĐIỀU KIỆN GIAO DỊCH
    CHUNG …"): those conditions must state when they apply too (Điều 27 khoản 2)."""
    book = book or load_checks()
    out = []
    for c in outline.clauses:
        if c.level != "appendix" or "điều kiện giao dịch chung" not in fold(c.text[:300]):
            continue
        scope = [u for u in outline.units if outline.in_appendix(u.clause) is c]
        for spec in book.for_kind(DKGDC):
            fc = check_item(spec, outline, book, scope)
            where = (c.label or "phụ lục").strip()
            out.append(fc.model_copy(update={
                "message": f"Điều kiện giao dịch chung kèm theo ({where}): {fc.message}",
                "details": {**fc.details, "appendix": c.id}}))
    return out
