"""`contract-review audit DIR --out OUTDIR`: review a whole folder tree of contracts.

The parent process walks the folder, hashes every file (same SHA-256 -> reviewed once, the others are
duplicates of the first in path order), hands the rest to a pool of review processes (this machine, or
a Dask cluster), writes each file's reports under OUTDIR/reports/ (mirroring the input tree with safe
names), records every finished file durably (OUTDIR/audit-state.jsonl), and at the end writes
summary.csv, summary.xlsx and summary.md from those records. `--resume` skips what is recorded.

OUTDIR layout: reports/..., summary.csv, summary.xlsx, summary.md, audit-state.jsonl (progress),
audit-stats.json (throughput, memory), audit-workers.log (what the review processes printed).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Iterator

from contract_review.audit.paths import Discovery, InputFile, ReportPaths, discover, write_atomic
from contract_review.audit.pool import RECYCLE_MB, AuditAbort, LocalPool, Task
from contract_review.audit.progress import AuditProgress
from contract_review.audit.review import error_row
from contract_review.audit.state import STATE_FORMAT, STATE_NAME, LoadedState, StateWriter, load_state, still_valid
from contract_review.audit.summary import write_summary
from contract_review.errors import EmptyDocument, FileTooLarge
from contract_review.ingest.limits import DEFAULT_LIMITS
from contract_review.render import EXTENSIONS, FORMATS

STATS_NAME = "audit-stats.json"
LOG_NAME = "audit-workers.log"
LEVELS = ("high", "medium", "low")
_RANK = {"high": 3, "medium": 2, "low": 1}


class AuditUsageError(Exception):
    """Bad arguments or folders: exit code 2."""


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def run_audit(directory, out, workers: int = 0, formats=("json", "md"), profile: str = "business",
              resume: bool = False, include=(), exclude=(), fail_on: str | None = None, timeout: float = 120.0,
              engine: str = "process", scheduler: str | None = None, *, engine_factory: str | None = None,
              worker_memory_mb: float | None = RECYCLE_MB, progress: bool = True, stream=None) -> int:
    """Run a batch audit; returns the exit code (0 done; 1 findings at --fail-on or above; 2 usage error;
    3 the run could not go on; 130 interrupted — rerun with resume=True to continue).

    `engine_factory` ("module:callable", called with profile=...) replaces the pipeline Engine in the
    review processes (tests, custom rule sets); it must be importable there. A review process still
    using more than `worker_memory_mb` after a file is replaced by a fresh one (None: never).
    """
    err = stream or sys.stderr
    audit = _Audit(Path(directory), Path(out), workers, list(formats), profile, resume, list(include or []),
                   list(exclude or []), fail_on, timeout, engine, scheduler, engine_factory, worker_memory_mb,
                   progress, err)
    restore = _sigterm_as_interrupt()
    try:
        return audit.run()
    except AuditUsageError as e:
        print(f"contract-review: {e}", file=err)
        return 2
    except AuditAbort as e:
        print(f"contract-review: dừng rà soát hàng loạt: {e}. Các tệp đã xong được giữ lại; "
              "chạy lại với --resume để tiếp tục.", file=err)
        return 3
    except KeyboardInterrupt:
        print(f"contract-review: đã dừng; {audit.done_count()} tệp đã xong được ghi lại trong {audit.out / STATE_NAME}. "
              "Chạy lại cùng lệnh với --resume để tiếp tục.", file=err)
        return 130
    finally:
        restore()


def _sigterm_as_interrupt():
    """`kill PID` stops the run the way Ctrl-C does (workers stopped, progress kept)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    return lambda: signal.signal(signal.SIGTERM, previous)


class _Audit:
    def __init__(self, directory: Path, out: Path, workers: int, formats: list[str], profile: str, resume: bool,
                 include: list[str], exclude: list[str], fail_on: str | None, timeout: float, engine: str,
                 scheduler: str | None, engine_factory: str | None, recycle_mb: float | None, progress: bool,
                 err) -> None:
        self.directory, self.out = directory, out
        self.workers, self.formats, self.profile, self.resume = workers, formats, profile, resume
        self.include, self.exclude, self.fail_on, self.timeout = include, exclude, fail_on, timeout
        self.engine, self.scheduler, self.factory = engine, scheduler, engine_factory
        self.recycle_mb = recycle_mb
        self.show_progress, self.err = progress, err
        self.records: dict[str, dict] = {}
        self.warnings: list[str] = []
        self.versions: dict = {}
        self._writer: StateWriter | None = None
        self._progress: AuditProgress | None = None
        self._first_result = self._last_result = 0.0  # when review results came in (steady-state speed)
        self._results = 0

    def done_count(self) -> int:
        return len(self.records)

    # ------------------------------------------------------------------ checks
    def _validate(self) -> None:
        if not self.directory.is_dir():
            raise AuditUsageError(f"không phải thư mục: {self.directory}")
        bad = [f for f in self.formats if f not in FORMATS]
        if bad:
            raise AuditUsageError(f"định dạng không hỗ trợ: {', '.join(bad)} (chọn trong {', '.join(FORMATS)})")
        if self.engine not in ("process", "dask"):
            raise AuditUsageError(f"--engine phải là process hoặc dask, không phải '{self.engine}'")
        if self.scheduler and self.engine != "dask":
            raise AuditUsageError("--scheduler chỉ dùng với --engine dask")
        if self.scheduler and not re.fullmatch(r"[a-z]+://\S+:\d+", self.scheduler):
            raise AuditUsageError(f"địa chỉ Dask scheduler không hợp lệ: '{self.scheduler}' (dạng tcp://HOST:PORT)")
        if self.workers < 0:
            raise AuditUsageError("--workers phải ≥ 0 (0 = số lõi CPU)")
        if not self.timeout or self.timeout <= 0:
            raise AuditUsageError("--timeout phải là số giây dương")
        if self.fail_on is not None and self.fail_on not in LEVELS:
            raise AuditUsageError(f"--fail-on phải là một trong {', '.join(LEVELS)}")
        src, dst = os.path.realpath(self.directory), os.path.realpath(self.out)
        if src == dst:
            raise AuditUsageError("thư mục kết quả (--out) phải khác thư mục cần rà soát")
        if self.out.exists() and not self.out.is_dir():
            raise AuditUsageError(f"--out phải là thư mục: {self.out} là một tệp")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AuditUsageError(f"không tạo được thư mục kết quả {self.out}: {e.strerror or e}") from e

    # ------------------------------------------------------------------ main
    def run(self) -> int:
        t0 = time.monotonic()
        self._validate()
        state_path = self.out / STATE_NAME
        loaded = load_state(state_path) if self.resume else LoadedState()
        self._check_resume(loaded)
        found = discover(self.directory, self.include, self.exclude, skip=[self.out])
        for where, why in found.unreadable:
            self.warnings.append(f"Không đọc được thư mục/tệp '{where}': {why} — các tệp bên trong không được rà soát.")
        if not found.files:
            raise AuditUsageError(self._nothing_found(found))
        self.paths = ReportPaths(self.out / "reports", [EXTENSIONS[f] for f in self.formats])
        self.bases = {f.rel: self.paths.assign(f.display, key=f.rel) for f in found.files}
        for f in found.files:
            rec = loaded.records.get(f.rel)
            if rec is not None and rec.get("status") in ("ok", "error", "duplicate") and still_valid(rec, f.size, f.mtime_ns):
                self.records[f.rel] = rec
        skipped = len(self.records)
        fresh = not (self.resume and state_path.exists() and loaded.header is not None)
        if not self.resume and state_path.exists():
            print("contract-review: thư mục kết quả đã có một lượt chạy trước; bắt đầu lại từ đầu "
                  "(dùng --resume để chạy tiếp).", file=self.err)
        self._engines = list(loaded.engines)
        with StateWriter(state_path, fresh=fresh) as writer:
            self._writer = writer
            now = datetime.now().isoformat(timespec="seconds")
            if fresh:
                writer.append({"type": "run", "format": STATE_FORMAT, "profile": self.profile, "formats": self.formats,
                               "directory": str(self.directory), "started": now})
            else:
                writer.append({"type": "resume", "started": now, "formats": self.formats})
                print(f"contract-review: chạy tiếp — bỏ qua {skipped} tệp đã xong, còn {len(found.files) - skipped} tệp.",
                      file=self.err)
            stats = self._process(found, skipped)
        records = [self.records[f.rel] for f in found.files if f.rel in self.records]
        missing = [f for f in found.files if f.rel not in self.records]
        if missing:  # never happens unless a pool lost a file: say so rather than hide it
            raise AuditAbort(f"{len(missing)} tệp chưa được xử lý (ví dụ: {missing[0].display})")
        if len([e for e in self._engines if e]) > 1:
            self.warnings.append("Các tệp được rà soát bằng nhiều phiên bản quy tắc/mô hình khác nhau (giữa các lần chạy "
                                 "tiếp): " + " | ".join(", ".join(f"{k} {v}" for k, v in sorted(e.items()))
                                                         for e in self._engines if e))
        versions = self.versions or (self._engines[-1] if self._engines else {})
        meta = {"directory": str(self.directory), "profile": self.profile, "versions": versions,
                "warnings": self.warnings}
        write_summary(self.out, records, meta)
        wall = time.monotonic() - t0
        self._write_stats(stats, wall, len(found.files), skipped, records)
        return self._finish(records, wall)

    def _check_resume(self, loaded: LoadedState) -> None:
        h = loaded.header
        if not self.resume or h is None:
            return
        if h.get("profile") != self.profile:
            raise AuditUsageError(
                f"thư mục kết quả được tạo với --profile {h.get('profile')}; chạy tiếp phải dùng cùng hồ sơ "
                "(hoặc chọn thư mục kết quả khác)")
        if h.get("formats") and sorted(h["formats"]) != sorted(self.formats):
            self.warnings.append(f"Lần chạy đầu xuất báo cáo dạng {', '.join(h['formats'])}; lần chạy tiếp xuất "
                                 f"{', '.join(self.formats)} — các tệp đã xong trước đó giữ định dạng cũ.")
        if loaded.damaged_lines:
            self.warnings.append(f"{loaded.damaged_lines} dòng tiến độ bị cắt dở (lần chạy trước bị dừng đột ngột); "
                                 "các tệp tương ứng đã được rà soát lại.")

    def _nothing_found(self, found: Discovery) -> str:
        msg = f"không tìm thấy tệp nào để rà soát trong {self.directory}"
        if self.include or self.exclude:
            msg += " (khớp " + " ".join([*(f"--include {p}" for p in self.include),
                                        *(f"--exclude {p}" for p in self.exclude)]) + ")"
        return msg

    # ------------------------------------------------------------------ the run
    def _process(self, found: Discovery, skipped: int):
        total = len(found.files)
        counts = {"error": 0, "duplicate": 0}
        for r in self.records.values():
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        self._inflight: dict[str, tuple[InputFile, str]] = {}
        with AuditProgress(total, done=skipped, errors=counts["error"], duplicates=counts["duplicate"],
                           enabled=self.show_progress, stream=self.err) as progress:
            self._progress = progress
            tasks = self._tasks(found.files)
            first = next(tasks, None)
            if first is None:
                return None
            pending = total - len(self.records)
            n = self.workers or cpu_count()
            init = {"profile": self.profile, "factory": self.factory, "recycle_mb": self.recycle_mb}
            if self.engine == "dask":
                from contract_review.audit.dask_engine import DaskPool

                pool = DaskPool(self.workers or cpu_count(), init, self.timeout, self.scheduler)
            else:
                pool = LocalPool(min(n, max(pending, 1)), init, self.timeout, self.out / LOG_NAME, self.recycle_mb)
            pool.run(itertools.chain([first], tasks), self._on_result)
            return pool.stats

    def _tasks(self, files: list[InputFile]) -> Iterator[Task]:
        """Tasks for the files not done yet, in path order; duplicates and files refused without reading
        (empty, too large, unreadable) are recorded here directly."""
        seen: dict[str, str] = {}  # sha256 -> display path of the first file with it
        for f in files:
            rec = self.records.get(f.rel)
            if rec is not None:
                if rec["status"] == "duplicate":
                    if seen.get(rec.get("sha256")) == rec.get("duplicate_of"):
                        continue
                    del self.records[f.rel]  # its original changed since: look at it again
                    self._progress.done -= 1
                    self._progress.duplicates -= 1
                else:
                    if rec.get("sha256") and f.size > 0:
                        seen.setdefault(rec["sha256"], rec["path"])
                    continue
            if f.size < 0:
                self._record(f, "", {"row": error_row("unreadable", "Không đọc được tệp (liên kết hỏng hoặc tệp đã bị xóa).")})
                continue
            if f.size == 0:
                self._record(f, "", {"row": error_row(EmptyDocument.code, EmptyDocument.default_message)})
                continue
            if f.size > DEFAULT_LIMITS.max_bytes:
                self._record(f, "", {"row": error_row(FileTooLarge.code, (
                    f"Tệp có dung lượng {f.size / 1048576:.1f} MB, vượt giới hạn "
                    f"{DEFAULT_LIMITS.max_bytes / 1048576:.0f} MB."))})
                continue
            try:
                sha = sha256_file(f.path)
                data = f.path.read_bytes() if self.engine == "dask" else None
            except OSError as e:
                self._record(f, "", {"row": error_row("unreadable", f"Không đọc được tệp ({e.strerror or e}).")})
                continue
            if sha in seen:
                self._record(f, sha, {"row": {"status": "duplicate", "duplicate_of": seen[sha], "seconds": 0.0}})
                continue
            seen[sha] = f.display
            payload = {"name": f.path.name, "formats": self.formats, "profile": self.profile}
            if data is None:
                payload["path"] = str(f.path)
            else:
                payload["data"] = data
            self._inflight[f.rel] = (f, sha)
            yield Task(f.rel, payload)

    def _on_result(self, task: Task, result: dict) -> None:
        f, sha = self._inflight.pop(task.key)
        now = time.monotonic()
        self._first_result = self._first_result or now
        self._last_result, self._results = now, self._results + 1
        versions = result.get("versions")
        if versions and versions != self.versions:
            self.versions = versions
            if versions not in self._engines:
                self._engines.append(versions)
            self._writer.append({"type": "engine", "versions": versions})
        self._record(f, sha, result, attempts=task.attempt)

    def _record(self, f: InputFile, sha: str, result: dict, attempts: int = 1) -> None:
        row = dict(result["row"])
        reports = []
        try:
            for fmt, data in (result.get("outputs") or {}).items():
                target = self.paths.target(self.bases[f.rel], EXTENSIONS[fmt])
                write_atomic(self.paths.root, target, data)
                reports.append(target.relative_to(self.out).as_posix())
        except (OSError, ValueError) as e:
            raise AuditAbort(f"không ghi được báo cáo của {f.display}: {e}") from e
        record = {"type": "file", "rel": f.rel, "path": f.display, "size": f.size, "mtime_ns": f.mtime_ns,
                  "size_bytes": f.size if f.size >= 0 else None, "sha256": sha or None, **row, "reports": reports,
                  "attempts": attempts}
        record["status"] = row.get("status", "error")
        self._writer.append(record)  # on disk before the file counts as done
        self.records[f.rel] = record
        self._progress.advance(record["status"])

    # ------------------------------------------------------------------ the end
    def _write_stats(self, stats, wall: float, total: int, skipped: int, records: list[dict]) -> None:
        processed = [r for r in records if r.get("status") != "duplicate"]
        new = total - skipped
        pages = sum(r.get("pages") or 0 for r in records if r.get("status") == "ok")
        data = {
            "engine": self.engine, "workers": stats.workers if stats else 0, "files": total,
            "files_this_run": new, "reviewed": sum(1 for r in records if r.get("status") == "ok"),
            "wall_seconds": round(wall, 2),
            "files_per_minute": round(new / wall * 60, 2) if wall > 0 and new else None,
            # once the engines are loaded: what a long run sustains (first to last review result)
            "steady_files_per_minute": round((self._results - 1) / (self._last_result - self._first_result) * 60, 2)
            if self._results > 1 and self._last_result > self._first_result else None,
            "pages_reviewed": pages,
            "worker_seconds": round(sum(r.get("seconds") or 0 for r in processed), 2),
            "worker_load_seconds": stats.load_seconds if stats else [],
            "worker_peak_rss_mb": sorted(stats.peak_rss_mb.values()) if stats else [],
            "worker_restarts": max(0, stats.restarts) if stats else 0,
            "workers_recycled_for_memory": stats.recycled if stats else 0,
            "versions": self.versions,
        }
        write_atomic(self.out, self.out / STATS_NAME, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))

    def _finish(self, records: list[dict], wall: float) -> int:
        status = {s: sum(1 for r in records if r.get("status") == s) for s in ("ok", "error", "duplicate")}
        findings = sum(r.get("findings") or 0 for r in records if r.get("status") == "ok")
        for w in self.warnings:
            print(f"contract-review: cảnh báo: {w}", file=self.err)
        print(f"Xong {len(records)} tệp trong {wall:.0f} giây: {status['ok']} đã rà soát, {status['error']} lỗi, "
              f"{status['duplicate']} trùng lặp; {findings} phát hiện. Tổng hợp: {self.out / 'summary.xlsx'}",
              file=self.err)
        if self.fail_on:
            want = _RANK[self.fail_on]
            if any(r.get("status") == "ok" and _RANK.get(r.get("max_severity") or "", 0) >= want for r in records):
                return 1
        return 0
