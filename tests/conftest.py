from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import renderers  # noqa: E402


@functools.lru_cache(maxsize=None)
def rendered(name: str, fmt: str) -> bytes:
    if fmt == "txt":
        return renderers.render_txt(name)
    if fmt == "docx":
        return renderers.render_docx(name)
    if fmt == "pdf":
        return renderers.render_pdf(name)[0]
    raise ValueError(fmt)


@functools.lru_cache(maxsize=None)
def prepared(name: str, fmt: str):
    """(Document, clauses) of a sample rendered in a format."""
    from contract_review.ingest import read_bytes
    from contract_review.text import normalize_document
    from contract_review.text.segment import segment

    doc = normalize_document(read_bytes(rendered(name, fmt), f"{name}.{fmt}"))
    return doc, segment(doc)


@pytest.fixture(scope="session")
def engine():
    from contract_review.pipeline import Engine

    return Engine()


SAMPLES = renderers.sample_names()
