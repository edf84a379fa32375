"""Speed of the document-level checks (contract_review.analyze.formcheck.check_document): kind, sector,
registration, language, font size, contrast and mandatory content, on every sample as TXT, DOCX and PDF.

The check runs on every review, so it must stay well under 50 ms for a 20-page contract. Timings are
medians of repeated runs after a warm-up (data files loaded, patterns compiled); run on an idle machine:
    python benchmarks/bench_formcheck.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import renderers  # noqa: E402

from contract_review.analyze.formcheck import check_document  # noqa: E402
from contract_review.ingest import read_bytes  # noqa: E402
from contract_review.text import normalize_document  # noqa: E402
from contract_review.text.segment import segment  # noqa: E402

REPEAT = 15


def render(name: str, fmt: str) -> bytes:
    if fmt == "txt":
        return renderers.render_txt(name)
    if fmt == "docx":
        return renderers.render_docx(name)
    return renderers.render_pdf(name)[0]


def main() -> None:
    print("| sample | format | pages | characters | wall ms (median) | CPU ms (mean) |")
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for name in renderers.sample_names():
        for fmt in ("txt", "docx", "pdf"):
            doc = normalize_document(read_bytes(render(name, fmt), f"{name}.{fmt}"))
            clauses = segment(doc)
            check_document(doc, clauses)  # warm-up
            times = []
            cpu = time.process_time()
            for _ in range(REPEAT):
                t = time.perf_counter()
                check_document(doc, clauses)
                times.append(time.perf_counter() - t)
            cpu_ms = (time.process_time() - cpu) / REPEAT * 1000  # less sensitive to a busy machine
            ms = statistics.median(times) * 1000
            worst = max(worst, cpu_ms)
            print(f"| {name} | {fmt} | {doc.pages or ''} | {len(doc.text)} | {ms:.1f} | {cpu_ms:.1f} |")
    print(f"\nslowest (CPU): {worst:.1f} ms")


if __name__ == "__main__":
    main()
