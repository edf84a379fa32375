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
    one record per party header ("BÊN A (…): …", "BÊN MUA NHÀ Ở …"). Two layouts of tables are read:
    label | value rows ("Địa chỉ | …"), and one column per party ("BÊN A | BÊN B", then "Địa chỉ: … |
    Địa chỉ: …")."""
    ps = book.parties
    parties: list[Party] = []
    cur: Party | None = None
    columns: list[Party] = []  # side-by-side parties of a table, in column order

    def note(party: Party, clause_id: str, line: str) -> None:
        if clause_id not in party.clause_ids:
            party.clause_ids.append(clause_id)
        party.address = party.address or bool(ps.address.search(line))
        party.phone = party.phone or bool(ps.phone.search(line))
        party.contact = party.contact or bool(ps.contact.search(line))
        party.business = party.business or bool(ps.business.search(line))

    for u in outline.units:
        in_block = u.clause.level == "preamble" or (
            heading_re is not None and u.heading and heading_re.search(u.heading_folded))
        if not in_block:
            continue
        for c in u.members:
            for raw in c.text.split("\n"):
                cells = [x.strip() for x in raw.strip().strip("|").split(" | ")]
                folded = [fold(x) for x in cells]
                if len(cells) >= 2 and sum(1 for x in folded if ps.header.search(x)) >= 2:
                    columns = [Party(header=x[:120]) for x in cells]
                    parties += columns
                    cur = None
                    for p in columns:
                        note(p, c.id, "")
                    continue
                if columns and len(cells) == len(columns):
                    for p, x in zip(columns, folded):
                        note(p, c.id, x)
                    continue
                columns = []
                line = ": ".join(folded)  # "Địa chỉ | …" reads as "Địa chỉ: …"
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
                note(cur, c.id, line)
    return parties
