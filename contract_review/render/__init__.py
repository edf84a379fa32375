"""Renderers: pure functions from a Report (and, for DOCX comments, the original file) to bytes."""
from __future__ import annotations

from contract_review.model import Report

FORMATS = ("json", "md", "html", "docx", "memo")
EXTENSIONS = {"json": ".json", "md": ".md", "html": ".html", "docx": ".docx", "memo": ".memo.docx"}


def render(report: Report, fmt: str, source: bytes | None = None) -> bytes:
    """The report in `fmt` (one of FORMATS). `source` (the original file bytes) is used by "docx" only:
    with a DOCX original the output is that file with Word comments; otherwise a rebuilt document."""
    if fmt == "json":
        from contract_review.render.json_report import render_json

        return render_json(report)
    if fmt == "md":
        from contract_review.render.markdown import render_markdown

        return render_markdown(report).encode("utf-8")
    if fmt == "html":
        from contract_review.render.html import render_html

        return render_html(report).encode("utf-8")
    if fmt == "docx":
        from contract_review.render.docx_comments import render_docx

        return render_docx(report, source)
    if fmt == "memo":
        from contract_review.render.memo import render_memo

        return render_memo(report)
    raise ValueError(f"unknown format {fmt}")
