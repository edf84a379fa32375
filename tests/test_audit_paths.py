"""Report names under OUTDIR: no input name escapes, names stay unique and short enough; the walk
honours --include / --exclude, skips hidden files and the output folder, and survives odd names."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_review.audit.paths import (ReportPaths, discover, display_path, ensure_inside, safe_component,
                                         write_atomic)

EXTS = [".json", ".md", ".html", ".docx", ".memo.docx"]


def _inside(root: Path, p: Path) -> bool:
    real_root = os.path.realpath(root)
    return os.path.commonpath([real_root, os.path.realpath(p)]) == real_root


@pytest.mark.parametrize("name", [
    "../../x.docx", "..\\..\\x.docx", "/etc/passwd", "//server/share/x.pdf", "C:\\Windows\\system32\\x.docx",
    "C:x.docx", "a/../../../b.txt", "..", ".", "", "...", " ../ x", "a\x00b.txt", "dòng\nmới.txt",
    "\u202etxt.exe", "CON", "con.txt", "LPT1.pdf", "a" * 400 + ".docx", "hợp đồng " * 60 + ".pdf",
    "~/x.txt", "$(rm -rf).txt",
])
def test_no_name_escapes_outdir(tmp_path, name):
    paths = ReportPaths(tmp_path / "reports", EXTS)
    base = paths.assign(name)
    assert not base.startswith("/") and ".." not in base.split("/") and "\\" not in base
    for ext in EXTS:
        target = paths.target(base, ext)
        assert _inside(tmp_path / "reports", target)
        assert all(len(part.encode("utf-8")) <= 255 for part in target.relative_to(tmp_path).parts)
        write_atomic(paths.root, target, b"x")  # the file system accepts it
        assert target.read_bytes() == b"x"
    assert [p.name for p in tmp_path.iterdir()] == ["reports"]


def test_unicode_is_kept_and_normalized():
    nfd = unicodedata.normalize("NFD", "Hợp đồng mua bán.docx")
    assert safe_component(nfd) == "Hợp đồng mua bán.docx"
    assert safe_component("CON.txt") == "_CON.txt"
    assert safe_component("a:b|c?.pdf") == "a_b_c_.pdf"


def test_long_names_keep_extension_and_stay_distinct():
    a, b = "Điều khoản " * 40 + "A.docx", "Điều khoản " * 40 + "B.docx"
    sa, sb = safe_component(a), safe_component(b)
    assert sa.endswith(".docx") and sb.endswith(".docx") and sa != sb
    assert len(sa.encode("utf-8")) <= 180


def test_names_equal_after_cleaning_get_distinct_reports(tmp_path):
    paths = ReportPaths(tmp_path, [".json", ".md", ".memo.docx", ".docx"])
    rels = ["a:b.txt", "a_b.txt", "A_B.TXT", "d:x/f.txt", "d_x/f.txt", "a", "a.memo",
            unicodedata.normalize("NFD", "hợp đồng.txt"), "hợp đồng.txt"]
    bases = [paths.assign(r, key=f"k{i}") for i, r in enumerate(rels)]
    outputs = [(b + e).casefold() for b in bases for e in paths.extensions]
    assert len(set(outputs)) == len(outputs)  # "a" + ".memo.docx" never meets "a.memo" + ".docx"
    assert bases[3].split("/")[0] != bases[4].split("/")[0]  # two input folders, two report folders


def test_same_input_order_same_names(tmp_path):
    rels = ["b/x.txt", "a:b.txt", "a_b.txt", "b/X.txt"]
    p1, p2 = ReportPaths(tmp_path, EXTS), ReportPaths(tmp_path, EXTS)
    first = [p1.assign(r) for r in rels]
    assert [p2.assign(r) for r in rels] == first
    assert len({b.casefold() for b in first}) == len(rels)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=80),
                min_size=1, max_size=8))
def test_any_names_inside_and_unique(tmp_path_factory, names):
    root = tmp_path_factory.mktemp("r")
    paths = ReportPaths(root, EXTS)
    seen = set()
    for i, n in enumerate(names):
        base = paths.assign(n, key=f"{i}:{n}")
        for e in EXTS:
            t = paths.target(base, e)
            assert _inside(root, t)
            key = str(t.relative_to(root)).casefold()
            assert key not in seen
            seen.add(key)


def test_symlink_planted_in_outdir_is_refused(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", root / "reports")
    with pytest.raises(ValueError):
        ensure_inside(root, root / "reports" / "a.json")
    with pytest.raises(ValueError):
        write_atomic(root, root / "reports" / "a.json", b"x")
    assert not list((tmp_path / "elsewhere").iterdir())


# ----------------------------------------------------------------------------- walking


def _tree(root: Path) -> None:
    for rel in ["a.docx", "b.PDF", "sub/c.txt", "sub/deep/d.docx", "archive/old.docx", ".hidden.docx",
                ".git/config", "~$lock.docx", "Thumbs.db", "sub/.DS_Store"]:
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("x", "utf-8")


def _rels(d) -> list[str]:
    return [f.rel for f in d.files]


def test_walk_include_exclude_and_skips(tmp_path):
    _tree(tmp_path / "in")
    (tmp_path / "in" / "out").mkdir()
    (tmp_path / "in" / "out" / "summary.csv").write_text("x")
    root = tmp_path / "in"
    assert _rels(discover(root, skip=[root / "out"])) == ["a.docx", "archive/old.docx", "b.PDF", "sub/c.txt",
                                                          "sub/deep/d.docx"]
    assert _rels(discover(root, include=["*.pdf"])) == ["b.PDF"]  # case-insensitive, any depth
    assert _rels(discover(root, include=["*.docx"], exclude=["archive"], skip=[root / "out"])) == [
        "a.docx", "sub/deep/d.docx"]
    assert _rels(discover(root, include=["sub/*"])) == ["sub/c.txt", "sub/deep/d.docx"]
    assert _rels(discover(root, exclude=["**/deep/*", "*.txt"], skip=[root / "out"])) == [
        "a.docx", "archive/old.docx", "b.PDF"]


def test_walk_odd_names_and_links(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    raw = os.fsencode(root) + b"/bad-\xff-name.txt"  # not UTF-8
    with open(raw, "wb") as fh:
        fh.write(b"x")
    (root / "dòng\nmới.txt").write_text("x")
    (root / "loop").mkdir()
    os.symlink(root, root / "loop" / "back")  # a directory loop: not followed
    os.symlink(root / "missing.txt", root / "broken.txt")
    d = discover(root)
    by_display = {f.display: f for f in d.files}
    assert "bad-\ufffd-name.txt" in by_display and by_display["bad-\ufffd-name.txt"].size == 1
    assert "dòng\ufffdmới.txt" in by_display
    assert by_display["broken.txt"].size == -1  # listed, becomes an error row
    assert not any("back" in f.rel for f in d.files)
    assert display_path("a/b") == "a/b"
