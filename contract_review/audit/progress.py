"""Progress of a batch audit on stderr: a live bar (files done / total, errors, duplicates, elapsed,
time left) on a terminal; a plain line every few percent when stderr is a log file or a pipe."""
from __future__ import annotations

import sys
import time


class AuditProgress:
    def __init__(self, total: int, done: int = 0, errors: int = 0, duplicates: int = 0, enabled: bool = True,
                 stream=None) -> None:
        self.total, self.done, self.errors, self.duplicates = total, done, errors, duplicates
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self._start = time.monotonic()
        self._done_at_start = done
        self._progress = None
        self._task = None
        self._last_line = 0.0
        self._last_pct = -1

    def __enter__(self) -> "AuditProgress":
        if not self.enabled:
            return self
        from rich.console import Console

        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        if console.is_terminal:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self._progress = Progress(
                TextColumn("[bold]Rà soát"), BarColumn(), MofNCompleteColumn(),
                TextColumn("lỗi: [red]{task.fields[errors]}[/] · trùng: {task.fields[duplicates]}"),
                TextColumn("· đã chạy"), TimeElapsedColumn(), TextColumn("· còn lại"), TimeRemainingColumn(),
                console=console, transient=False, refresh_per_second=4,
            )
            self._progress.start()
            self._task = self._progress.add_task("audit", total=self.total, completed=self.done,
                                                 errors=self.errors, duplicates=self.duplicates)
        elif self.done:
            self._line()
        return self

    def advance(self, status: str) -> None:
        self.done += 1
        self.errors += status == "error"
        self.duplicates += status == "duplicate"
        if not self.enabled:
            return
        if self._progress is not None:
            self._progress.update(self._task, advance=1, errors=self.errors, duplicates=self.duplicates)
            return
        pct = self.done * 20 // max(self.total, 1)  # a line every 5 %, or every 30 s
        now = time.monotonic()
        if pct != self._last_pct or now - self._last_line > 30 or self.done == self.total:
            self._line()

    def eta_seconds(self) -> float | None:
        new = self.done - self._done_at_start
        if new <= 0:
            return None
        rate = new / max(time.monotonic() - self._start, 1e-9)
        return (self.total - self.done) / rate

    def _line(self) -> None:
        eta = self.eta_seconds()
        left = f", còn khoảng {_fmt(eta)}" if eta is not None and self.done < self.total else ""
        print(f"[audit] {self.done}/{self.total} tệp, lỗi {self.errors}, trùng {self.duplicates}, "
              f"đã chạy {_fmt(time.monotonic() - self._start)}{left}", file=self.stream, flush=True)
        self._last_line = time.monotonic()
        self._last_pct = self.done * 20 // max(self.total, 1)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()


def _fmt(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
