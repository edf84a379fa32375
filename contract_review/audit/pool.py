"""The default audit engine: N supervised review processes on this machine.

Each process loads the engine once and reviews one file at a time. A file that runs past the time
limit gets its process killed (error row "timeout", no retry: it would hang again); a process that dies
on a file (segfault in a reader, out-of-memory kill) is replaced and the file retried once on a fresh
process, then recorded as error "worker_crash". Results go to `on_result` in the parent, which writes
the reports and the durable state.
"""
from __future__ import annotations

import select
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from contract_review.audit.review import error_row
from contract_review.audit.worker import WorkerDied, WorkerProcess, describe_exit
from contract_review.errors import ProcessingTimeout

MAX_ATTEMPTS = 2  # a crash is retried once
STARTUP_TIMEOUT = 600.0  # loading the engine on a loaded machine can be slow, but not this slow
MAX_STARTUP_FAILURES = 3
# a review process still holding this much memory after a file is replaced by a fresh one (a few very
# long clauses can make the rule matcher grow to ~1.3 GB, and the memory is not given back)
RECYCLE_MB = 1536.0


class AuditAbort(Exception):
    """The run cannot go on (the engine does not load, the cluster is unreachable)."""


@dataclass
class Task:
    key: str  # the input's relative path (state key)
    payload: dict  # what review_file receives
    attempt: int = 1


@dataclass
class PoolStats:
    workers: int = 0
    load_seconds: list[float] = field(default_factory=list)
    peak_rss_mb: dict[int, float] = field(default_factory=dict)  # worker pid -> peak RSS
    restarts: int = 0
    recycled: int = 0
    versions: dict = field(default_factory=dict)

    def note(self, result: dict) -> None:
        pid, rss = result.get("pid"), result.get("rss_mb")
        if pid is not None and rss is not None:
            self.peak_rss_mb[pid] = max(rss, self.peak_rss_mb.get(pid, 0.0))


def too_big(result: dict, limit: float | None) -> bool:
    now = result.get("rss_now_mb")
    return bool(limit and now and now > limit)


def timeout_row(timeout: float) -> dict:
    row = error_row("timeout", f"{ProcessingTimeout.default_message} (giới hạn {timeout:g} giây; tiến trình đã bị dừng)")
    row["seconds"] = round(timeout, 3)
    return row


def crash_row(why: str) -> dict:
    return error_row("worker_crash", f"Tiến trình rà soát bị dừng đột ngột khi xử lý tệp này ({why}), "
                                     "đã thử lại một lần trên tiến trình mới. Tệp có thể làm hỏng thư viện đọc tệp "
                                     "hoặc máy không đủ bộ nhớ.")


class LocalPool:
    def __init__(self, workers: int, init: dict, timeout: float, log_path: Path | None = None,
                 recycle_mb: float | None = RECYCLE_MB) -> None:
        self.n = max(1, workers)
        self.init = init
        self.timeout = timeout
        self.log_path = log_path
        self.recycle_mb = recycle_mb
        self.stats = PoolStats(workers=self.n)
        self._slots: list[WorkerProcess] = []

    def run(self, tasks: Iterator[Task], on_result: Callable[[Task, dict], None]) -> None:
        retry: deque[Task] = deque()
        busy: dict[int, tuple[Task, float]] = {}  # slot index -> (task, started)
        exhausted = False
        startup_failures = 0
        task_ids = 0

        def next_task() -> Task | None:
            nonlocal exhausted
            if retry:
                return retry.popleft()
            if exhausted:
                return None
            try:
                return next(tasks)
            except StopIteration:
                exhausted = True
                return None

        def retire(i: int, graceful: bool = False) -> None:
            """Stop slot i's process; a fresh one starts only when there is work for it."""
            if graceful:
                self._slots[i].stop()
            else:
                self._slots[i].kill()
            self._slots[i] = WorkerProcess(self.init, self.log_path)

        def work_left() -> bool:
            task = next_task()
            if task is None:
                return False
            retry.appendleft(task)
            return True

        def died(i: int) -> None:
            nonlocal startup_failures
            w = self._slots[i]
            if w.init_error:
                raise AuditAbort(f"không nạp được bộ rà soát trong tiến trình con: {w.init_error}")
            w.kill()
            why = describe_exit(w.proc.returncode if w.proc else None)
            if i in busy:
                task, _ = busy.pop(i)
                if task.attempt < MAX_ATTEMPTS:
                    retry.appendleft(Task(task.key, task.payload, task.attempt + 1))
                else:
                    on_result(task, {"row": crash_row(why)})
            elif not w.ready:
                startup_failures += 1
                if startup_failures >= MAX_STARTUP_FAILURES:
                    raise AuditAbort(f"tiến trình rà soát không khởi động được ({why}); xem nhật ký {self.log_path}")
            retire(i)
            self.stats.restarts += 1

        self._slots = [WorkerProcess(self.init, self.log_path) for _ in range(self.n)]
        try:
            while True:
                for i, w in enumerate(self._slots):
                    if not w.started and work_left():
                        w.start()
                    if w.ready and i not in busy:
                        task = next_task()
                        if task is None:
                            break
                        task_ids += 1
                        busy[i] = (task, time.monotonic())
                        try:
                            w.send(("task", task_ids, task.payload))
                        except WorkerDied:
                            died(i)
                if exhausted and not retry and not busy:
                    return
                poller = select.poll()
                for w in self._slots:
                    if w.fileno() >= 0:
                        poller.register(w.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
                readable = {fd for fd, _ in poller.poll(500)}
                for i, w in enumerate(self._slots):
                    if w.fileno() not in readable:
                        continue
                    try:
                        msgs = w.read_available()
                    except WorkerDied:
                        died(i)
                        continue
                    for m in msgs:
                        if m[0] == "ready":
                            startup_failures = 0
                            self.stats.load_seconds.append(m[1].get("load_seconds", 0.0))
                            self.stats.versions = m[1].get("versions", {}) or self.stats.versions
                            self.stats.note(m[1])
                        elif m[0] == "result" and i in busy:
                            task, _ = busy.pop(i)
                            self.stats.note(m[2])
                            on_result(task, m[2])
                            if too_big(m[2], self.recycle_mb):
                                retire(i, graceful=True)
                                self.stats.recycled += 1
                                break
                    if w.init_error:
                        died(i)
                now = time.monotonic()
                for i, (task, started) in list(busy.items()):
                    if now - started > self.timeout:
                        busy.pop(i)
                        retire(i)  # kills the stuck process
                        self.stats.restarts += 1
                        on_result(task, {"row": timeout_row(self.timeout)})
                for i, w in enumerate(self._slots):
                    if w.started and not w.ready and now - w.started_at > STARTUP_TIMEOUT:
                        died(i)
        finally:
            self.close()

    def close(self) -> None:
        for w in self._slots:
            if not w.started:
                continue
            if w.ready:
                w.stop()
            else:
                w.kill()
        self._slots = []
