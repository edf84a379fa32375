"""Durable progress of a batch audit: an append-only JSONL file in OUTDIR, one line per finished file,
written through to the operating system as each file finishes (a killed run loses at most the files in
flight) and fsync'ed at least once a second (a power cut loses at most the last second, redone on
resume). `--resume` reads it back and skips the files already done (unless they changed on disk since).

Line kinds: {"type": "run", ...} (parameters of the first run), {"type": "resume", ...},
{"type": "engine", "versions": ...} (tool, rules and model versions reviewing the files that follow),
{"type": "file", "rel": ..., ...} (one finished file; the last line for a path wins).
A line cut short by a kill is ignored.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

STATE_NAME = "audit-state.jsonl"
STATE_FORMAT = 1


@dataclass
class LoadedState:
    header: dict | None = None
    records: dict[str, dict] = field(default_factory=dict)  # rel -> last file record
    damaged_lines: int = 0
    engines: list[dict] = field(default_factory=list)  # distinct engine versions that produced records


def load_state(path: Path) -> LoadedState:
    state = LoadedState()
    if not path.exists():
        return state
    with open(path, "rb") as fh:
        for raw in fh:
            try:
                rec = json.loads(raw)
            except ValueError:  # a line cut short by a kill (or garbage): that file is redone
                state.damaged_lines += 1
                continue
            if not isinstance(rec, dict):
                state.damaged_lines += 1
                continue
            kind = rec.get("type")
            if kind == "run" and state.header is None:
                state.header = rec
            elif kind == "engine" and rec.get("versions") not in state.engines:
                state.engines.append(rec.get("versions"))
            elif kind == "file" and isinstance(rec.get("rel"), str):
                state.records[rec["rel"]] = rec
    return state


class StateWriter:
    """Appends records; each one reaches the OS before its file counts as done, the disk within a second."""

    def __init__(self, path: Path, fresh: bool, sync_every: float = 1.0) -> None:
        self.path = path
        self.sync_every = sync_every
        self._synced = time.monotonic()
        if fresh:
            self._fh = open(path, "wb")
        else:
            self._fh = open(path, "ab")
            # a kill in the middle of a line leaves no newline: start ours on a fresh line
            if path.stat().st_size and not _ends_with_newline(path):
                self._fh.write(b"\n")

    def append(self, record: dict) -> None:
        # readable UTF-8; an undecodable file name's surrogate escapes become JSON "\\udcXX" escapes
        line = json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8", "backslashreplace")
        self._fh.write(line + b"\n")
        self._fh.flush()
        if time.monotonic() - self._synced >= self.sync_every:  # fsync costs ~10 ms: not for every file
            self.sync()

    def sync(self) -> None:
        os.fsync(self._fh.fileno())
        self._synced = time.monotonic()

    def close(self) -> None:
        if not self._fh.closed:
            self.sync()
            self._fh.close()

    def __enter__(self) -> "StateWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def still_valid(record: dict, size: int, mtime_ns: int) -> bool:
    """A finished record counts on resume only if the file is unchanged (size and modification time)."""
    return record.get("size") == size and record.get("mtime_ns") == mtime_ns
