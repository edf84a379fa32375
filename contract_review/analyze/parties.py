"""The parties block of a contract ("BÊN A (…): …", "Địa chỉ: …", "Điện thoại: …"): one record per
party, with the contact details found for it (Luật 19/2023/QH15 Điều 23 khoản 3 điểm a; Điều 42
khoản 2 điểm a for the business)."""
from __future__ import annotations

from dataclasses import dataclass, field

from contract_review.analyze.checkbook import CheckBook
from contract_review.analyze.outline import Outline, fold
from contract_review.analyze.phrases import Phrase


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
