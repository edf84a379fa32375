"""Mandatory content: does the form contain each item the law requires (Luật 19/2023/QH15 Điều 23
khoản 3, Điều 42 khoản 2, Điều 27 khoản 2), and which clause covers it?

The signals are data (rules/checks.yaml, read by checkbook.py): article titles first ("Phương thức và
thời hạn thanh toán", "Bất khả kháng"), then phrases that state the item by themselves, then phrases
that must occur together in one article. The parties block (điểm a) is read by parties.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from contract_review.analyze.checkbook import CONTINUOUS, DKGDC, HDTM, CheckBook, ItemSpec, Signals, load_checks
from contract_review.analyze.outline import Outline, Unit, fold
from contract_review.analyze.parties import Party, find_parties
from contract_review.model import Clause, FormCheck, Location, Severity

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
