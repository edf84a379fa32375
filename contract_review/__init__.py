"""contract-review: rà soát hợp đồng theo mẫu, điều kiện giao dịch chung theo Luật 19/2023/QH15.

    from contract_review import review
    report = review("hop-dong.docx")            # a path
    report = review(data, filename="hd.pdf")    # bytes + filename
    report = review(text="Điều 1. ...")         # plain text
"""
from __future__ import annotations

from pathlib import Path

__version__ = "0.1.0"

__all__ = ["review", "__version__"]


def review(source: str | Path | bytes | None = None, *, filename: str | None = None, text: str | None = None,
           profile: str = "business", sector: str | None = None):
    """Review one contract and return a `contract_review.model.Report`."""
    from contract_review.pipeline import get_engine

    engine = get_engine(profile)
    if text is not None:
        return engine.review_text(text, name=filename or "van-ban.txt")
    if isinstance(source, bytes):
        return engine.review_bytes(source, filename or "document", sector_hint=sector)
    if source is None:
        raise ValueError("review() needs a path, bytes with a filename, or text=")
    return engine.review_path(source, sector_hint=sector)
