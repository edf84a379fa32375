"""Running the analysis off the event loop, with a per-document time limit.

`ProcessAnalyzer` (the server default): N worker processes, each loading the Engine once at start-up
and reviewing one document at a time. Analysis is CPU-bound Python, so processes are what uses the
cores; and a document that exceeds the time limit is stopped for real: its worker is killed and a fresh
one started, while the other workers go on.

`ThreadAnalyzer` (CONTRACT_REVIEW_WORKERS=0, and the tests): one Engine in this process, analysis in
threads. The event loop stays free, but a timed-out analysis can only be abandoned, not stopped; its
slot is freed when the thread ends.
"""
from __future__ import annotations

import asyncio
import logging
import multiprocessing as mp
import signal
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from contract_review.errors import ProcessingTimeout, ReviewError
from contract_review.ingest.limits import Limits
from contract_review.model import Report

log = logging.getLogger("contract_review.api")


class ProcessingFailed(ReviewError):
    code = "processing_failed"
    status = 422
    default_message = ("Không rà soát được tài liệu này: bộ đọc gặp lỗi khi xử lý tệp. Tệp có thể bị hỏng hoặc có "
                       "cấu trúc bất thường; vui lòng lưu lại tệp (ví dụ Save As DOCX/PDF) rồi gửi lại.")


class ServerBusy(ReviewError):
    code = "server_busy"
    status = 503
    default_message = "Máy chủ đang bận xử lý nhiều tài liệu. Vui lòng gửi lại sau ít phút."


class NotReady(ReviewError):
    code = "not_ready"
    status = 503
    default_message = "Máy chủ đang khởi động bộ phân tích. Vui lòng thử lại sau ít giây."


def timeout_error(seconds: float) -> ProcessingTimeout:
    return ProcessingTimeout(
        f"Tài liệu cần quá {seconds:g} giây để rà soát (giới hạn cho mỗi tài liệu) nên đã dừng. Tài liệu có thể "
        "quá dài hoặc gồm nhiều trang quét; hãy tách thành các tệp nhỏ hơn, hoặc gửi bản có lớp văn bản thay cho "
        "bản quét.")


def rebuild_error(code: str, status: int, message: str) -> ReviewError:
    err = ReviewError(message)
    err.code, err.status = code, status
    return err


@dataclass
class Result:
    report: Report
    seconds: float


@dataclass
class Job:
    data: bytes
    name: str
    profile: str
    sector: str | None


@dataclass
class Status:
    mode: str
    workers: int
    ready_workers: int
    busy: int
    pending: int
    versions: dict[str, str] = field(default_factory=dict)
    error: str | None = None


# ----------------------------------------------------------------------------- threads


class ThreadAnalyzer:
    mode = "thread"

    def __init__(self, limits: Limits, timeout: float, profile: str = "business", engine=None,
                 threads: int = 1, max_pending: int = 64) -> None:
        # one analysis at a time by default: the Engine's lazily built matchers are not known to be thread-safe
        self.limits, self.timeout, self.profile = limits, timeout, profile
        self.engine = engine
        self.threads, self.max_pending = threads, max_pending
        self.ready = asyncio.Event()
        self.error: str | None = None
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="review")
        self._slots = asyncio.Semaphore(threads)
        self._pending = 0

    async def start(self) -> None:
        if self.engine is None:
            from contract_review.pipeline import Engine

            try:
                self.engine = await asyncio.get_running_loop().run_in_executor(
                    self._executor, lambda: Engine(profile=self.profile, limits=self.limits))
            except Exception as e:  # a broken rule file or model: say so on /readyz instead of dying
                self.error = f"{type(e).__name__}: {e}"
                log.exception("engine failed to load")
                return
        self.ready.set()

    def _run(self, job: Job) -> Result:
        t = time.perf_counter()
        report = self.engine.review_bytes(job.data, job.name, profile=job.profile, sector_hint=job.sector)
        return Result(report, time.perf_counter() - t)

    async def review(self, job: Job) -> Result:
        if not self.ready.is_set():
            raise NotReady(f"Bộ phân tích không khởi động được ({self.error})." if self.error else None)
        if self._pending >= self.max_pending:
            raise ServerBusy()
        self._pending += 1
        try:
            await self._slots.acquire()
        finally:
            self._pending -= 1
        loop = asyncio.get_running_loop()
        fut = loop.run_in_executor(self._executor, self._run, job)
        fut.add_done_callback(lambda _: self._slots.release())  # the slot is busy until the thread ends
        try:
            return await asyncio.wait_for(asyncio.shield(fut), self.timeout)
        except asyncio.TimeoutError:
            fut.add_done_callback(lambda f: f.exception())  # silence "exception never retrieved"
            raise timeout_error(self.timeout) from None
        except ReviewError:
            raise
        except Exception as e:
            log.exception("analysis failed on %s", job.name)
            raise ProcessingFailed() from e

    def status(self) -> Status:
        busy = self.threads - self._slots._value  # noqa: SLF001 (asyncio has no public accessor)
        versions = self.engine.versions if self.engine is not None else {}
        return Status(self.mode, self.threads, self.threads if self.ready.is_set() else 0, busy, self._pending,
                      versions, self.error)

    async def close(self) -> None:
        # let a running analysis finish (it cannot be interrupted) so no thread outlives the app
        await asyncio.to_thread(self._executor.shutdown, True, cancel_futures=True)


# ----------------------------------------------------------------------------- processes


def _worker_main(conn, limits: Limits, profile: str) -> None:
    """Worker process: load the engine once, then review documents sent over the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    try:
        from contract_review.pipeline import Engine

        engine = Engine(profile=profile, limits=limits)
    except Exception as e:
        conn.send(("fatal", f"{type(e).__name__}: {e}"))
        return
    conn.send(("ready", engine.versions))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        job: Job = msg
        t = time.perf_counter()
        try:
            report = engine.review_bytes(job.data, job.name, profile=job.profile, sector_hint=job.sector)
            conn.send(("ok", report.model_dump_json(), time.perf_counter() - t))
        except ReviewError as e:
            conn.send(("error", e.code, e.status, e.message))
        except Exception as e:  # a reader bug on a strange file: reported, the worker lives on
            traceback.print_exc()
            conn.send(("crash", f"{type(e).__name__}: {e}"))


class _Worker:
    def __init__(self, ctx, limits: Limits, profile: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, limits, profile), daemon=True,
                                   name="contract-review-worker")
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> tuple:
        if not self.conn.poll(timeout):
            return ("fatal", f"engine did not load within {timeout:.0f} s")
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            return ("fatal", f"worker exited with code {self.process.exitcode}")

    def exchange(self, job: Job, timeout: float) -> tuple:
        """Send a job and wait for its answer; ("timeout",) or ("died",) when there is none."""
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout):
                return ("timeout",)
            return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            return ("died",)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(2)
        self.kill()


class ProcessAnalyzer:
    mode = "process"
    LOAD_TIMEOUT = 300.0

    def __init__(self, limits: Limits, timeout: float, profile: str = "business", workers: int = 2,
                 max_pending: int = 64) -> None:
        self.limits, self.timeout, self.profile = limits, timeout, profile
        self.size, self.max_pending = workers, max_pending
        self.ready = asyncio.Event()
        self.error: str | None = None
        self.versions: dict[str, str] = {}
        self._ctx = mp.get_context("spawn")  # a clean interpreter: no inherited threads or event loop
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._busy = 0
        self._pending = 0
        self._closing = False
        self._executor = ThreadPoolExecutor(max_workers=workers * 2 + 2, thread_name_prefix="worker-io")

    async def start(self) -> None:
        await asyncio.gather(*(self._spawn() for _ in range(self.size)))

    async def _spawn(self) -> None:
        loop = asyncio.get_running_loop()
        w = await loop.run_in_executor(self._executor, _Worker, self._ctx, self.limits, self.profile)
        msg = await loop.run_in_executor(self._executor, w.wait_ready, self.LOAD_TIMEOUT)
        if msg[0] != "ready" or self._closing:
            if msg[0] != "ready":
                self.error = msg[1]
                log.error("analysis worker failed to start: %s", msg[1])
            await loop.run_in_executor(self._executor, w.kill)
            return
        self.versions = msg[1]
        self._all.add(w)
        self._idle.put_nowait(w)
        self.error = None
        self.ready.set()

    async def _replace(self, w: _Worker) -> None:
        self._all.discard(w)
        await asyncio.get_running_loop().run_in_executor(self._executor, w.kill)
        if not self._closing:
            await self._spawn()

    async def review(self, job: Job) -> Result:
        if not self.ready.is_set():
            raise NotReady(f"Bộ phân tích không khởi động được ({self.error})." if self.error else None)
        if self._pending >= self.max_pending:
            raise ServerBusy()
        self._pending += 1
        try:  # bounded wait: if every worker died and none could be restarted, say so
            w = await asyncio.wait_for(self._idle.get(), max(120.0, 4 * self.timeout))
        except asyncio.TimeoutError:
            raise ServerBusy() from None
        finally:
            self._pending -= 1
        self._busy += 1
        loop = asyncio.get_running_loop()
        try:
            msg = await loop.run_in_executor(self._executor, w.exchange, job, self.timeout)
        except asyncio.CancelledError:  # client went away: the worker's state is unknown, replace it
            asyncio.ensure_future(self._replace(w))
            raise
        finally:
            self._busy -= 1
        kind = msg[0]
        if kind in ("ok", "error", "crash"):
            self._idle.put_nowait(w)
        else:
            asyncio.ensure_future(self._replace(w))
        if kind == "ok":
            return Result(Report.model_validate_json(msg[1]), msg[2])
        if kind == "error":
            raise rebuild_error(msg[1], msg[2], msg[3])
        if kind == "timeout":
            raise timeout_error(self.timeout)
        log.error("analysis of %s failed: %s", job.name, msg[1] if len(msg) > 1 else "worker died")
        raise ProcessingFailed()

    def status(self) -> Status:
        return Status(self.mode, self.size, len(self._all), self._busy, self._pending, self.versions, self.error)

    async def close(self) -> None:
        self._closing = True
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, w.stop) for w in list(self._all)))
        self._all.clear()
        self._executor.shutdown(wait=False, cancel_futures=True)


def make_analyzer(settings, engine=None):
    if engine is not None or settings.workers <= 0:
        return ThreadAnalyzer(settings.limits, settings.timeout, settings.profile, engine=engine,
                              max_pending=settings.max_pending)
    return ProcessAnalyzer(settings.limits, settings.timeout, settings.profile, workers=settings.workers,
                           max_pending=settings.max_pending)


