"""Document-level checks (form, mandatory content, registration duty). Filled in by the
document-checks work; until then only the contract kind is guessed."""
from __future__ import annotations

from contract_review.model import Clause, Document, FormCheck, Registration


def check_document(doc: Document, clauses: list[Clause], sector_hint: str | None = None
                   ) -> tuple[list[FormCheck], Registration, str]:
    return [], Registration(), "unknown"
