"""Where a batch audit reads and writes.

`discover` walks the input tree (include / exclude globs, junk and hidden entries skipped, the output
folder never read back). `ReportPaths` gives every input file a report name inside OUTDIR that no input
name can push outside: "..", absolute paths, drive letters, backslashes, control and bidi characters,
Windows-reserved names, very long or unicode names, and names that become equal once cleaned.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

# operating-system litter that is never a contract
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}
# characters Windows refuses in names (the reports are often copied to a Windows share)
_BAD_CHARS = set('<>:"/\\|?*')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
MAX_COMPONENT_BYTES = 180  # ext4 allows 255; room is left for "~hash" and ".memo.docx"
MAX_PATH_BYTES = 3000  # PATH_MAX is 4096; deeper trees are flattened under "_long/"


@dataclass(frozen=True)
class InputFile:
    path: Path  # absolute path, to read
    rel: str  # relative path as on disk ("/"-separated; may hold surrogate escapes): the state key
    display: str  # NFC, printable: what the summary shows
    size: int
    mtime_ns: int


@dataclass
class Discovery:
    files: list[InputFile]
    unreadable: list[tuple[str, str]]  # (display path, reason): directories and entries that could not be read


def display_path(rel: str) -> str:
    """A printable, NFC form of a relative path (undecodable bytes become U+FFFD)."""
    text = os.fsencode(rel).decode("utf-8", "replace")
    text = "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in text)
    return unicodedata.normalize("NFC", text)


def _matches(patterns: list[str], rel: str) -> bool:
    """Glob against the relative path or the bare name, case-insensitively ("*.pdf" finds "A/B.PDF")."""
    rel_f, name_f = rel.casefold(), rel.rsplit("/", 1)[-1].casefold()
    for p in patterns:
        pf = p.casefold().replace("\\", "/")
        cands = [pf, pf[3:]] if pf.startswith("**/") else [pf]
        if any(fnmatch.fnmatchcase(rel_f, c) or fnmatch.fnmatchcase(name_f, c) for c in cands):
            return True
    return False


def _skipped_name(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$") or name.casefold() in JUNK_NAMES


def discover(root: Path, include: list[str] | None = None, exclude: list[str] | None = None,
             skip: list[Path] | None = None) -> Discovery:
    """All files under `root` (recursively, sorted by relative path), filtered by the globs.

    Hidden entries (".name"), Office lock files ("~$name") and OS litter are skipped; directories in
    `skip` (the output folder) are never entered; symbolic links to directories are not followed
    (no loops), links to files are read.
    """
    include, exclude = list(include or []), list(exclude or [])
    root = Path(os.path.abspath(root))
    skip_real = {os.path.realpath(s) for s in (skip or [])}
    files: list[InputFile] = []
    unreadable: list[tuple[str, str]] = []

    def onerror(err: OSError) -> None:
        where = os.path.relpath(err.filename, root) if err.filename else "."
        unreadable.append((display_path(where.replace(os.sep, "/")), err.strerror or str(err)))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=False):
        rel_dir = os.path.relpath(dirpath, root)
        rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/") + "/"
        keep = []
        for d in sorted(dirnames):
            full = os.path.join(dirpath, d)
            if _skipped_name(d) or os.path.realpath(full) in skip_real:
                continue
            if exclude and _matches(exclude, rel_dir + d):
                continue
            keep.append(d)
        dirnames[:] = keep
        for f in filenames:
            if _skipped_name(f):
                continue
            rel = rel_dir + f
            if include and not _matches(include, rel):
                continue
            if exclude and _matches(exclude, rel):
                continue
            full = Path(dirpath) / f
            try:
                st = full.stat()
            except OSError:  # broken link, vanished file: still listed, as an error row later
                files.append(InputFile(full, rel, display_path(rel), -1, 0))
                continue
            if not full.is_file():  # sockets, fifos, devices
                continue
            files.append(InputFile(full, rel, display_path(rel), st.st_size, st.st_mtime_ns))
    files.sort(key=lambda x: x.rel)
    return Discovery(files, unreadable)


# ----------------------------------------------------------------------------- report names


def _short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _truncate_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def safe_component(name: str, limit: int = MAX_COMPONENT_BYTES) -> str:
    """One path component that is a plain name on every common file system."""
    s = unicodedata.normalize("NFC", name)
    s = "".join("_" if (c in _BAD_CHARS or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")) else c
                for c in s)
    s = s.strip(" .")  # no "..", no hidden files, no trailing dot or space (Windows drops them)
    if not s:
        s = "_"
    if s.split(".", 1)[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    if len(s.encode("utf-8")) > limit:
        stem, dot, ext = s.rpartition(".")
        if not dot or len(ext) > 10 or not stem:
            stem, ext = s, ""
        else:
            ext = "." + ext
        tag = "~" + _short_hash(name)
        s = _truncate_utf8(stem, limit - len(ext.encode("utf-8")) - len(tag)) + tag + ext
    return s


def split_parts(rel: str) -> list[str]:
    """Components of a relative path as written by anyone: "/" and "\\" separate, "." and "" vanish."""
    return [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]


class ReportPaths:
    """Assigns each input a unique report base path under `root` mirroring the input tree.

    Call `assign` in a stable order (sorted relative paths) so a resumed run gets the same names.
    Names are compared case-insensitively, so the tree also works on Windows and macOS shares.
    """

    def __init__(self, root: Path, extensions: list[str]) -> None:
        self.root = Path(os.path.abspath(root))
        self.extensions = list(extensions) or [""]
        self._used: set[str] = set()  # casefolded relative paths of assigned directories and files
        self._dirs: dict[str, str] = {}  # input directory (as given) -> assigned directory

    def _key(self, rel: str) -> str:
        return unicodedata.normalize("NFC", rel).casefold()

    def _dir(self, parts: list[str]) -> str:
        assigned = ""
        for i in range(len(parts)):
            orig = "/".join(parts[: i + 1])
            if orig in self._dirs:
                assigned = self._dirs[orig]
                continue
            comp = safe_component(parts[i])
            cand = f"{assigned}{comp}/"
            if self._key(cand) in self._used:  # another input dir cleaned to the same name
                cand = f"{assigned}{comp}~{_short_hash(orig)}/"
            self._used.add(self._key(cand))
            self._used.add(self._key(cand.rstrip("/")))  # a file may not take a directory's name
            self._dirs[orig] = assigned = cand
        return assigned

    def assign(self, rel: str, key: str | None = None) -> str:
        """Relative base path (no report extension) for the input `rel`; always inside root.

        `key` (default `rel`) tells apart inputs whose names clean to the same text."""
        key = rel if key is None else key
        parts = split_parts(rel) or ["_"]
        directory = self._dir(parts[:-1])
        name = safe_component(parts[-1])
        if len((str(self.root) + "/" + directory + name).encode("utf-8")) > MAX_PATH_BYTES:
            directory, name = "_long/", f"{_truncate_utf8(name, 60)}~{_short_hash(key)}"
        base, n = directory + name, 0
        while self._key(base) in self._used or any(self._key(base + e) in self._used for e in self.extensions):
            n += 1
            tag = f"~{_short_hash(key)}" + (f"-{n}" if n > 1 else "")
            stem, dot, ext = name.rpartition(".")
            base = directory + (f"{stem}{tag}.{ext}" if dot and stem and len(ext) <= 10 else name + tag)
        for e in self.extensions:
            self._used.add(self._key(base + e))
        self._used.add(self._key(base))
        return base

    def target(self, base: str, extension: str) -> Path:
        path = self.root / (base + extension)
        ensure_inside(self.root, path)
        return path


def ensure_inside(root: Path, path: Path) -> None:
    """Refuse a path that resolves outside root (also through a symbolic link planted in OUTDIR)."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        raise ValueError(f"đường dẫn báo cáo nằm ngoài thư mục kết quả: {path}")


def write_atomic(root: Path, path: Path, data: bytes) -> None:
    """Write under root through a temporary file, so a killed run never leaves half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ensure_inside(root, path.parent / "x")
    ensure_inside(root, path)
    tmp = path.parent / f".{path.name[:100]}.{os.getpid()}.tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
