"""Regenerate the screenshots of the HTML report in docs/ (and the example page they show).

    python docs/make_screenshots.py [--sample mobile-postpaid]

Reviews one sample contract from corpus/documents with the full engine, writes the HTML report to
docs/report-example.html, and photographs it with headless Chromium: the summary at the top (Chromium's
own --screenshot) and the first flagged clause in the document view (Chromium driven by Playwright). PNGs are palette-compressed to stay well under 1 MB.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
WIDTH = 1280


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    sys.exit("Chromium is not installed (apt-get install chromium)")


def shoot(url: str, out: Path, height: int) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size={WIDTH},{height}", url],
            check=True, capture_output=True, timeout=120,
        )
    compress(out)


def shoot_clause(url: str, out: Path, clause_id: str) -> bool:
    """The first flagged clause in the document view. Headless Chromium's --screenshot ignores the URL
    fragment, so this drives the same browser through Playwright (the `test` extra) to scroll to it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright not installed: skipping the clause screenshot")
        return False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": WIDTH, "height": 1100})
        page.goto(url)
        target = page.locator(f"[id='c-{clause_id}']")
        target.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, -120)")  # show the clause before it, for context
        page.screenshot(path=str(out))
        browser.close()
    compress(out)
    return True


def compress(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(png, optimize=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", default="mobile-postpaid", help="name of a contract in corpus/documents (without .txt)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from contract_review.pipeline import Engine
    from contract_review.render import render

    report = Engine().review_path(ROOT / "corpus" / "documents" / f"{args.sample}.txt")
    page = DOCS / "report-example.html"
    page.write_bytes(render(report, "html"))
    shoot(page.as_uri(), DOCS / "report-summary.png", 2000)
    if report.findings:
        first = min(report.findings, key=lambda f: f.start)
        shoot_clause(page.as_uri(), DOCS / "report-clause.png", first.clause_id)
    for png in sorted(DOCS.glob("report-*.png")):
        print(f"{png.relative_to(ROOT)}: {png.stat().st_size // 1024} KB")
    print(f"{page.relative_to(ROOT)}: {len(report.findings)} phát hiện")


if __name__ == "__main__":
    main()
