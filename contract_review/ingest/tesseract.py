"""Running Tesseract (`-l vie`, one single-threaded process per page image, the image piped in as
PGM) and reading its TSV output: words with boxes and confidences, Tesseract's zero-confidence
guesses dropped, page orientation from its OSD data."""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from contract_review.errors import CorruptFile, OcrUnavailable

OCR_DPI = 300
JUNK_CONFIDENCE = 5.0  # Tesseract's "no idea" words: specks and the tails of dotted fill-in lines
TIMEOUT = 300  # seconds for one page


@functools.lru_cache(maxsize=1)
def languages() -> tuple[set[str], str]:
    """(installed language data, why Tesseract cannot run: "" when it can)."""
    exe = shutil.which("tesseract")
    if not exe:
        return set(), "không tìm thấy chương trình tesseract"
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError) as e:
        return set(), f"không chạy được tesseract ({e})"
    return set(out.stdout.split()), ""  # the header line's words are harmless


def tesseract_status() -> tuple[bool, str]:
    """(available, reason). Vietnamese language data is required: with `eng` Vietnamese is garbage."""
    langs, why = languages()
    if why:
        return False, why
    if "vie" not in langs:
        return False, "thiếu dữ liệu tiếng Việt của tesseract (gói tesseract-ocr-vie)"
    return True, ""


def has_osd() -> bool:
    return "osd" in languages()[0]


def _pgm(img) -> bytes:
    """The image as binary PGM: no compression to spend time on, read by Tesseract from stdin."""
    img = img.convert("L")
    w, h = img.size
    return b"P5\n%d %d\n255\n" % (w, h) + img.tobytes()


def run_tesseract(img, *args: str) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        proc = subprocess.run(["tesseract", "stdin", "stdout", "--dpi", str(OCR_DPI), *args],
                              input=_pgm(img), capture_output=True, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired as e:
        raise CorruptFile("Nhận dạng ký tự một trang quét quá lâu; tệp ảnh có thể bị hỏng.") from e
    except OSError as e:
        raise OcrUnavailable(OcrUnavailable.default_message + f" Chi tiết: {e}.") from e
    if proc.returncode != 0:
        raise CorruptFile("Không nhận dạng được ảnh trang tài liệu (tesseract báo lỗi).")
    return proc.stdout.decode("utf-8", errors="replace")


@dataclass
class Word:
    text: str
    conf: float
    x0: int
    top: int
    x1: int
    bottom: int
    line: tuple[int, ...]  # Tesseract's (block, paragraph, line)
    glue: float = 0.0  # a dotted leader put back: no space before/after it when the gap is below this


def parse_tsv(tsv: str) -> list[Word]:
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        if not text:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(Word(text, float(cols[10]), left, top, left + width, top + height,
                          (int(cols[2]), int(cols[3]), int(cols[4]))))
    return words


_LEADER = re.compile(r"^[.…_]{3,}")


def clean_words(words: list[Word]) -> list[Word]:
    """Drop Tesseract's zero-confidence guesses; a dotted fill-in line keeps its dots."""
    out = []
    for w in words:
        if w.conf >= JUNK_CONFIDENCE or w.conf < 0:
            out.append(w)
            continue
        m = _LEADER.match(w.text)
        if m:
            out.append(Word(m.group(0), w.conf, w.x0, w.top, w.x1, w.bottom, w.line))
    return out


def confidence(words: list[Word]) -> float | None:
    """Mean word confidence, weighted by word length (a long word misread matters more)."""
    scored = [(w.conf, len(w.text)) for w in words if w.conf >= 0]
    total = sum(n for _, n in scored)
    return sum(c * n for c, n in scored) / total if total else None


def orientation(img) -> int:
    """Degrees Tesseract's OSD says the page must be turned clockwise (0, 90, 180, 270)."""
    try:
        out = run_tesseract(img, "--psm", "0", "-l", "osd")
    except CorruptFile:  # too little text to decide
        return 0
    m = re.search(r"Rotate:\s*(\d+)", out)
    c = re.search(r"Orientation confidence:\s*([\d.]+)", out)
    if not m or not c or float(c.group(1)) < 2.0:
        return 0
    return int(m.group(1)) % 360
