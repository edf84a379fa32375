"""The cluster audit engine: the same per-file function on a Dask distributed cluster.

The client (the machine running `contract-review audit`) walks the folder, hashes, reads each file and
sends its bytes; a Dask task hands them to a supervised review process kept by that Dask worker
(`worker.WorkerProcess`, started by a worker plugin and cached: the engine loads once per worker
thread, not per file). The task returns the summary row and the rendered reports; the client writes
them and the durable state, exactly as with the local pool. So the cluster needs no shared file
system, and the time limit and crash handling are the same as on one machine.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Callable, Iterator

from distributed.diagnostics.plugin import WorkerPlugin

from contract_review.audit.pool import (MAX_ATTEMPTS, RECYCLE_MB, AuditAbort, PoolStats, Task, crash_row, timeout_row,
                                        too_big)
from contract_review.audit.worker import WorkerDied, WorkerProcess

PLUGIN_NAME = "contract-review-audit-engine"
STARTUP_TIMEOUT = 600.0
SCATTER_BYTES = 1 << 20  # larger files travel on their own, not inside the task graph

# ----------------------------------------------------------------------------- worker side

_FREE: dict[str, list[WorkerProcess]] = {}  # init key -> idle review processes of this Dask worker
_LOCK = threading.Lock()


def _key(init: dict) -> str:
    return repr(sorted(init.items()))


def _acquire(init: dict) -> WorkerProcess:
    with _LOCK:
        free = _FREE.setdefault(_key(init), [])
        w = free.pop() if free else None
    if w is None or not w.alive():
        if w is not None:
            w.kill()
        w = WorkerProcess(init)
        w.start()
    return w


def _release(init: dict, w: WorkerProcess) -> None:
    with _LOCK:
        _FREE.setdefault(_key(init), []).append(w)


def stop_all(init: dict | None = None) -> None:
    with _LOCK:
        keys = [_key(init)] if init is not None else list(_FREE)
        procs = [w for k in keys for w in _FREE.pop(k, [])]
    for w in procs:
        w.stop()


def review_task(init: dict, payload: dict, timeout: float) -> dict:
    """Runs on a Dask worker: one file through this worker's cached review process."""
    w = _acquire(init)
    try:
        try:
            w.wait_ready(STARTUP_TIMEOUT)
        except RuntimeError as e:  # the engine does not load here: the client stops the run
            w.kill()
            return {"init_error": str(e)}
        except WorkerDied as e:
            w.kill()
            return {"crash": str(e)}
        result = w.run(uuid.uuid4().hex, payload, timeout)
        result["worker_host"] = _worker_address()
        if too_big(result, init.get("recycle_mb", RECYCLE_MB)):
            w.stop()  # not handed back: the next task starts a fresh review process
        return result
    finally:
        if w.alive():
            _release(init, w)
        else:
            w.kill()


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except Exception:  # noqa: BLE001 — only informative
        return ""


class EnginePlugin(WorkerPlugin):
    """Starts one review process when a worker joins (its engine loads while the client is still
    reading the first files) and stops them when the worker leaves or the audit ends."""

    name = PLUGIN_NAME

    def __init__(self, init: dict) -> None:
        self.init = init

    def setup(self, worker) -> None:
        _release(self.init, _acquire(self.init))

    def teardown(self, worker) -> None:
        stop_all(self.init)


# ----------------------------------------------------------------------------- client side


class DaskPool:
    def __init__(self, workers: int, init: dict, timeout: float, scheduler: str | None = None) -> None:
        self.n = max(1, workers)
        self.init = init
        self.timeout = timeout
        self.scheduler = scheduler
        self.stats = PoolStats(workers=self.n)
        self.cluster = None
        self.client = None

    def _connect(self) -> None:
        from distributed import Client, LocalCluster

        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="20s")
            else:
                self.cluster = LocalCluster(n_workers=self.n, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster)
        except ValueError as e:  # "nonsense", "tcp://" ...
            raise AuditAbort(f"địa chỉ Dask scheduler không hợp lệ '{self.scheduler}' (dạng tcp://HOST:PORT): {e}") from e
        except (OSError, TimeoutError) as e:
            raise AuditAbort(f"không kết nối được tới Dask scheduler {self.scheduler}: {e}") from e
        threads = sum(self.client.nthreads().values())
        if threads == 0:
            raise AuditAbort(f"cụm Dask {self.scheduler or ''} không có worker nào")
        self.stats.workers = threads
        self.client.register_plugin(EnginePlugin(self.init), name=PLUGIN_NAME)

    def run(self, tasks: Iterator[Task], on_result: Callable[[Task, dict], None]) -> None:
        from distributed import as_completed

        self._connect()
        window = 2 * self.stats.workers  # enough queued to keep every worker busy, no more in memory
        running: dict = {}  # future -> task
        exhausted = False

        def submit(task: Task) -> None:
            payload = task.payload
            data = payload.get("data")
            if isinstance(data, bytes) and len(data) > SCATTER_BYTES:
                payload = {**payload, "data": self.client.scatter(data, hash=False)}
            fut = self.client.submit(review_task, self.init, payload, self.timeout, pure=False,
                                     key=f"contract-review-audit-{uuid.uuid4().hex}", retries=0)
            running[fut] = task
            ac.add(fut)

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and len(running) < window:
                try:
                    submit(next(tasks))
                except StopIteration:
                    exhausted = True

        ac = as_completed([])
        try:
            fill()
            while running:
                fut = next(ac)
                task = running.pop(fut)
                try:
                    result = fut.result()
                except Exception as e:  # noqa: BLE001 — KilledWorker, lost connection...: like a crash
                    result = {"crash": f"{type(e).__name__}: {e}"}
                if "init_error" in result:
                    raise AuditAbort(f"không nạp được bộ rà soát trên worker Dask: {result['init_error']}")
                if result.get("timeout"):
                    on_result(task, {"row": timeout_row(self.timeout)})
                elif "crash" in result:
                    if task.attempt < MAX_ATTEMPTS:
                        submit(Task(task.key, task.payload, task.attempt + 1))
                    else:
                        on_result(task, {"row": crash_row(result["crash"])})
                else:
                    self.stats.note(result)
                    on_result(task, result)
                fill()
        finally:
            for fut in list(running):
                fut.cancel()
            self.close()

    def close(self) -> None:
        if self.client is not None:
            try:
                self.client.unregister_worker_plugin(PLUGIN_NAME)
            except Exception:  # noqa: BLE001 — the cluster may already be gone
                pass
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None
