"""Speed benchmark of the core pipeline (`make bench`).

For every sample contract rendered as DOCX and PDF: per-stage time (ingest, normalize, segment,
analyze, render) and pages per second, after the engine is loaded once; plus the 20-page DOCX
target (ingest + normalize + segment), model load and clause-level predict speed.
Results are printed as Markdown and written into benchmarks/RESULTS.md between markers.
Run on an otherwise idle machine; timings are medians of several repetitions on one core.
"""
from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import renderers  # noqa: E402

from contract_review.ingest import read_bytes  # noqa: E402
from contract_review.pipeline import Engine, Timer  # noqa: E402
from contract_review.render import render  # noqa: E402

REPEAT = 5
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
BEGIN, END = "<!-- core-pipeline:begin -->", "<!-- core-pipeline:end -->"


def median_time(fn, repeat=REPEAT):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def stage_times(engine: Engine, data: bytes, name: str) -> dict[str, float]:
    runs = []
    for _ in range(REPEAT):
        report = engine.review_bytes(data, name)
        t = time.perf_counter()
        render(report, "json")
        render(report, "md")
        timings = dict(report.timings)
        timings["render"] = time.perf_counter() - t
        runs.append(timings)
    keys = runs[0].keys()
    return {k: statistics.median(r[k] for r in runs) for k in keys}, report


def main() -> str:
    t = time.perf_counter()
    engine = Engine()
    load_s = time.perf_counter() - t
    lines = [
        BEGIN,
        "## Core pipeline speed (`make bench`)",
        "",
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"one process, medians of {REPEAT} runs after the engine is loaded (engine load: {load_s:.2f} s, "
        f"model: {'yes' if engine.classifier else 'no'}, rules: {len(engine.rules.rules)}).",
        "",
        "| document | format | pages | clauses | ingest | normalize | segment | analyze | render (json+md) | total | pages/s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    prep_20 = None
    for name in renderers.sample_names():
        pdf, _ = renderers.render_pdf(name)
        pages = read_bytes(pdf, name + ".pdf").pages
        for fmt, data in (("docx", renderers.render_docx(name)), ("pdf", pdf)):
            st, report = stage_times(engine, data, f"{name}.{fmt}")
            analyze = sum(v for k, v in st.items() if k.startswith("analyze") or k == "fuse")
            total = st["ingest"] + st["normalize"] + st["segment"] + analyze + st["render"]
            lines.append(
                f"| {name} | {fmt} | {pages} | {report.document.clause_count} | {st['ingest'] * 1000:.0f} ms | "
                f"{st['normalize'] * 1000:.0f} ms | {st['segment'] * 1000:.0f} ms | {analyze * 1000:.0f} ms | "
                f"{st['render'] * 1000:.0f} ms | {total * 1000:.0f} ms | {pages / total:.1f} |")
            if name == "apartment-hdmb" and fmt == "docx":
                prep_20 = st["ingest"] + st["normalize"] + st["segment"]
                prep_pages = pages
    lines += ["", f"**Target** — a 20-page DOCX ingested, normalized and segmented in under 0.5 s: apartment-hdmb "
                  f"({prep_pages} pages as PDF) took **{prep_20:.3f} s**.", ""]
    if engine.classifier is not None:
        texts = [c.text for c in engine.review_bytes(renderers.render_txt("apartment-hdmb"), "a.txt").clauses]
        texts = (texts * (1000 // len(texts) + 1))[:1000]
        s, _ = median_time(lambda: engine.classifier.predict_proba(texts), 3)
        s2, _ = median_time(lambda: engine.predict_texts(texts), 1)
        t = time.perf_counter()
        from contract_review.analyze.classifier import ClauseClassifier

        ClauseClassifier.load()
        lines += [f"Classifier: load {time.perf_counter() - t:.2f} s; 1,000 clauses scored in {s:.2f} s (model only), "
                  f"{s2:.2f} s through `predict` (rules + model + fusion).", ""]
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    section = main()
    print(section)
    old = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if BEGIN in old:
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), section, old, flags=re.S)
    else:
        new = old.rstrip() + "\n\n" + section + "\n"
    RESULTS.write_text(new, "utf-8")
