"""Ingestion: bytes in, a Document of raw blocks out (one reader per format, type sniffed from bytes)."""
from __future__ import annotations

import hashlib
from pathlib import Path

from contract_review.errors import EmptyDocument, FileTooLarge, NoTextFound
from contract_review.ingest.limits import DEFAULT_LIMITS, Limits, check_size
from contract_review.ingest.sniff import sniff
from contract_review.model import Document, Notice, PageInfo

__all__ = ["read_bytes", "read_path", "Limits", "DEFAULT_LIMITS", "sniff"]


def read_bytes(data: bytes, name: str = "document", limits: Limits = DEFAULT_LIMITS) -> Document:
    check_size(data, limits)
    kind = sniff(data, name)
    sha = hashlib.sha256(data).hexdigest()
    notices: list[Notice] = []
    page_info: list[PageInfo] = []
    pages = None
    has_layout = False
    if kind == "docx":
        from contract_review.ingest.docx_reader import read_docx

        blocks, pages, _ = read_docx(data, limits)
        has_layout = True
    elif kind == "pdf":
        from contract_review.ingest.pdf_reader import read_pdf

        blocks, page_info = read_pdf(data, limits)
        pages = len(page_info)
        has_layout = True
        blocks, page_info, ocr_notices = _ocr_missing_pages(data, blocks, page_info, limits)
        notices += ocr_notices
    elif kind == "image":
        from contract_review.ingest.ocr import read_image

        blocks, page_info, ocr_notices = read_image(data, limits)
        pages = len(page_info)
        notices += ocr_notices
    elif kind == "html":
        from contract_review.ingest.html_reader import read_html

        blocks = read_html(data)
    else:
        from contract_review.ingest.text_reader import read_text

        blocks, _ = read_text(data, markdown=(kind == "md"))
    if not blocks:
        if kind == "pdf" and page_info and not any(p.has_text for p in page_info):
            raise NoTextFound()
        raise EmptyDocument()
    if sum(len(b.text.strip()) for b in blocks) < 20:
        raise NoTextFound("Tài liệu gần như không có chữ (dưới 20 ký tự); không thể rà soát.")
    return Document(
        name=name, sha256=sha, kind=kind, pages=pages, blocks=blocks, page_info=page_info,
        notices=notices, has_layout=has_layout,
    )


def read_path(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    p = Path(path)
    size = p.stat().st_size
    if size > limits.max_bytes:  # refuse before reading a huge file into memory
        raise FileTooLarge(
            f"Tệp có dung lượng {size / 1048576:.1f} MB, vượt giới hạn {limits.max_bytes / 1048576:.0f} MB."
        )
    return read_bytes(p.read_bytes(), p.name, limits)


def _ocr_missing_pages(data, blocks, page_info, limits):
    """Pages without a text layer (or with only a stamp over a scan) are OCR'd when possible;
    otherwise the report says so."""
    from contract_review.ingest.ocr import ocr_pdf_pages, pages_needing_ocr

    missing = pages_needing_ocr(data, page_info, blocks)
    if not missing:
        return blocks, page_info, []
    return ocr_pdf_pages(data, blocks, page_info, missing, limits)
