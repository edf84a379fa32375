"""A scanned page made ready for Tesseract: straightened, ruling lines and dotted leaders found
and erased.

Why: Tesseract's page layout treats a ruled table as a picture and silently drops the text inside
it (a fee table vanished from a 300-dpi render in our trials), a tilted scan fragments its lines,
and the dotted fill-in lines of a form ("Ông/Bà ..........") come back as garbage that spills
into the words beside them ("BỀN A VIÊN) mg Hà... acc G7."). So the page is deskewed (projection
profile on a thumbnail), long horizontal and vertical strokes are erased (where they form a grid,
the cell boundaries are kept, so the caller can rebuild table rows "cell | cell" as the PDF text
reader does), and runs of evenly spaced dots are erased and reported with their dot count, so the
caller puts them back as text.

numpy, PIL and scipy.ndimage (connected components); pixel coordinates throughout.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_SKEW = 2.0  # degrees searched either way; a worse tilt is a badly fed page, left to Tesseract
SKEW_STEP = 0.1
MIN_ROTATION = 0.3  # below this Tesseract copes and rules still give long runs; rotating costs time


@dataclass
class Grid:
    """A ruled table: y of its horizontal rules and x of its vertical rules, sorted."""

    rows: list[float]
    cols: list[float]

    def cell(self, x: float, y: float) -> tuple[int, int] | None:
        if not (self.cols[0] <= x <= self.cols[-1] and self.rows[0] <= y <= self.rows[-1]):
            return None
        r = int(np.searchsorted(self.rows, y)) - 1
        c = int(np.searchsorted(self.cols, x)) - 1
        return max(r, 0), max(c, 0)


@dataclass
class Leader:
    """A dotted fill-in line: its extent, the dots' centre line, the count and the gap between dots."""

    x0: int
    x1: int
    top: int
    bottom: int
    y: float
    count: int
    gap: float


def otsu(gray: np.ndarray) -> int:
    """Threshold t that best splits the histogram into ink (<= t) and paper (> t)."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if total == 0:
        return 128
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def skew_angle(img) -> float:
    """Degrees to rotate (counter-clockwise, PIL's sense) so that text lines run horizontal.

    Projection profile on a quarter-size thumbnail: the angle whose row sums are most uneven
    (lines of ink separated by white gaps) wins."""
    from PIL import Image

    w, h = img.size
    small = img.convert("L").resize((max(1, w // 4), max(1, h // 4)), Image.BILINEAR)
    arr = np.asarray(small)
    ys, xs = np.nonzero(arr <= otsu(arr))
    if ys.size < 200:  # blank page
        return 0.0
    # a small rotation is a shear of the rows: row of (x, y) moves by x * tan(angle)
    xs = xs - xs.mean()

    def score(angle: float) -> float:
        rows = np.round(ys - xs * np.tan(np.radians(angle))).astype(np.int64)
        hist = np.bincount(rows - rows.min())
        return float(np.square(np.diff(hist).astype(np.float64)).sum())

    angles = np.arange(-MAX_SKEW, MAX_SKEW + 1e-9, SKEW_STEP)
    scores = [score(a) for a in angles]
    best = float(angles[int(np.argmax(scores))])
    return 0.0 if abs(best) < SKEW_STEP / 2 else round(best, 2)


def long_runs(dark: np.ndarray, length: int, axis: int = 1) -> np.ndarray:
    """Pixels belonging to a run of at least `length` dark pixels along `axis` (a 1 x length
    opening, done with two cumulative sums and slices instead of a loop)."""
    d = np.moveaxis(dark, axis, 1)
    h, w = d.shape
    if w < length:
        return np.zeros_like(dark)
    c = np.zeros((h, w + 1), dtype=np.int32)
    np.cumsum(d, axis=1, dtype=np.int32, out=c[:, 1:])
    starts = np.zeros((h, w + 1), dtype=np.int32)  # starts[:, j + 1]: a full run begins at j
    starts[:, 1:w - length + 2] = (c[:, length:] - c[:, :-length]) == length
    np.cumsum(starts, axis=1, out=starts)
    covered = np.empty((h, w), dtype=bool)  # some run start in [j - length + 1, j]
    covered[:, :length - 1] = starts[:, 1:length] > 0
    covered[:, length - 1:] = (starts[:, length:] - starts[:, :w - length + 1]) > 0
    return np.moveaxis(covered, 1, axis)


def _segments(mask: np.ndarray, max_gap: int = 12) -> list[tuple[float, int, int]]:
    """Horizontal segments of a run mask: (y centre, x0, x1), rows of one rule merged."""
    rows = np.flatnonzero(mask.any(axis=1))
    out: list[tuple[float, int, int]] = []
    if rows.size == 0:
        return out
    bands = np.split(rows, np.flatnonzero(np.diff(rows) > 2) + 1)
    for band in bands:
        cols = np.flatnonzero(mask[band[0]:band[-1] + 1].any(axis=0))
        for run in np.split(cols, np.flatnonzero(np.diff(cols) > max_gap) + 1):
            out.append(((band[0] + band[-1]) / 2, int(run[0]), int(run[-1])))
    return out


def grids(hsegs: list[tuple[float, int, int]], vsegs: list[tuple[float, int, int]], tol: float) -> list[Grid]:
    """Tables: groups of vertical rules whose spans overlap, with the horizontal rules across them.

    `vsegs` are (x, y0, y1). A lone box (one cell) is not a table: it is a framed paragraph."""
    out = []
    groups: list[list[tuple[float, int, int]]] = []
    for seg in sorted(vsegs, key=lambda s: s[1]):
        if groups and seg[1] <= max(s[2] for s in groups[-1]) + tol:
            groups[-1].append(seg)
        else:
            groups.append([seg])
    for g in groups:
        xs = _dedupe(sorted(s[0] for s in g), tol)
        if len(xs) < 2:
            continue
        y0, y1 = min(s[1] for s in g), max(s[2] for s in g)
        width = xs[-1] - xs[0]
        ys = _dedupe(sorted(y for y, a, b in hsegs
                            if y0 - tol <= y <= y1 + tol and min(b, xs[-1]) - max(a, xs[0]) >= 0.6 * width), tol)
        if len(ys) < 2 or (len(ys) == 2 and len(xs) == 2):
            continue
        out.append(Grid(rows=ys, cols=xs))
    return out


def _dedupe(values: list[float], tol: float) -> list[float]:
    out: list[float] = []
    for v in values:
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def leaders(dark: np.ndarray, dpi: int = 300, erase: np.ndarray | None = None) -> list[Leader]:
    """Runs of at least 4 small, evenly spaced dots on one baseline. Dots below letters (ạ, ệ) are a
    syllable apart at least, colons stack vertically, an ellipsis has 3: none of them qualify.
    When `erase` (a grayscale array) is given, the dots are painted white in it."""
    from scipy import ndimage

    labels, n = ndimage.label(dark)
    if n == 0:
        return []
    boxes = ndimage.find_objects(labels)
    areas = np.bincount(labels.ravel(), minlength=n + 1)
    small = max(3, int(dpi * 0.035))
    dots = []  # (cx, cy, w, h, label)
    for i, sl in enumerate(boxes, 1):
        if sl is None:
            continue
        h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if not (2 <= w <= small and 2 <= h <= small) or max(w, h) > 2.2 * min(w, h) or areas[i] < 0.45 * w * h:
            continue
        dots.append(((sl[1].start + sl[1].stop) / 2, (sl[0].start + sl[0].stop) / 2, w, h, i))
    if len(dots) < 4:
        return []
    max_pitch = dpi * 0.1
    dy_tol = max(2.0, dpi * 0.01)
    buckets: dict[int, list[int]] = {}
    for k, d in enumerate(dots):
        buckets.setdefault(int(d[1] // dy_tol), []).append(k)
    nxt: dict[int, int] = {}
    prev: dict[int, int] = {}
    for k, (cx, cy, w, _, _) in enumerate(dots):
        b = int(cy // dy_tol)
        best, best_dx = None, max_pitch
        for j in buckets.get(b - 1, []) + buckets.get(b, []) + buckets.get(b + 1, []):
            dx = dots[j][0] - cx
            if 0 < dx <= best_dx and abs(dots[j][1] - cy) <= dy_tol:
                best, best_dx = j, dx
        if best is not None:
            if best in prev and dots[best][0] - dots[prev[best]][0] <= best_dx:
                continue  # a nearer dot already leads to it
            if best in prev:
                del nxt[prev[best]]
            nxt[k], prev[best] = best, k
    out = []
    for k in range(len(dots)):
        if k in prev:
            continue
        chain = [k]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        if len(chain) < 4:
            continue
        cs = [dots[j] for j in chain]
        xs = np.array([d[0] for d in cs])
        pitches = np.diff(xs)
        med = float(np.median(pitches))
        widths = np.array([d[2] for d in cs])
        heights = np.array([d[3] for d in cs])
        if (pitches.min() < 0.6 * med or pitches.max() > 1.6 * med or med < 1.8 * np.median(widths)
                or heights.max() > 2 * heights.min() + 1):
            continue
        x0 = int(min(d[0] - d[2] / 2 for d in cs))
        x1 = int(max(d[0] + d[2] / 2 for d in cs))
        top = int(min(d[1] - d[3] / 2 for d in cs))
        bottom = int(max(d[1] + d[3] / 2 for d in cs))
        out.append(Leader(x0, x1, top, bottom, float(np.mean([d[1] for d in cs])), len(cs),
                          med - float(np.median(widths))))
        if erase is not None:
            for d in cs:
                sl = boxes[d[4] - 1]
                region = erase[sl]
                region[labels[sl] == d[4]] = 255
    return out


def prepare(img, dpi: int = 300):
    """(image for Tesseract, ruled tables, dotted leaders). The image is grayscale, deskewed, with
    long rules and dotted leaders painted white."""
    from PIL import Image

    img = img.convert("L")
    angle = skew_angle(img)
    if abs(angle) >= MIN_ROTATION:
        img = img.rotate(angle, resample=Image.BILINEAR, expand=False, fillcolor=255)
    gray = np.asarray(img)
    dark = gray <= min(otsu(gray), 200)
    cleaned = gray.copy()
    hmask = long_runs(dark, max(40, int(dpi * 0.5)))
    vmask = long_runs(dark, max(30, int(dpi * 0.33)), axis=0)
    tables: list[Grid] = []
    if hmask.any() or vmask.any():
        tables = grids(_segments(hmask), [(x, a, b) for x, a, b in _segments(vmask.T)], tol=dpi * 0.03)
        # erase the rules with a pixel of margin for their anti-aliased edges
        rules = hmask | vmask
        rules[1:, :] |= rules[:-1, :].copy()
        rules[:-1, :] |= rules[1:, :].copy()
        rules[:, 1:] |= rules[:, :-1].copy()
        rules[:, :-1] |= rules[:, 1:].copy()
        cleaned[rules] = 255
        dark &= ~rules
    dots = leaders(dark, dpi, erase=cleaned)
    return Image.fromarray(cleaned, mode="L"), tables, dots
