"""A supervised review process: loads the engine once, then reviews the files it is sent.

Parent side: `WorkerProcess` starts `python -m contract_review.audit.worker`, sends tasks, reads
results, and can kill it (time limit) or see it die (crash). Both the local pool and the Dask workers
use it, so a stuck or crashing file is handled the same way everywhere. It is started with
`subprocess` (not `multiprocessing`), which also works inside daemonic Dask worker processes.

Messages are length-prefixed pickles on a private pair of pipes (stdout stays free for stray prints):
parent -> child ("init", {...}), ("task", id, task), ("stop",); child -> parent ("ready", info),
("init_error", message), ("result", id, result).
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

_HEADER = struct.Struct(">Q")
# numeric libraries must not each start one thread per core inside every worker
_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def encode(msg: object) -> bytes:
    body = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(body)) + body


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class FrameReader:
    """Collects bytes read from a pipe and yields complete messages."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list:
        self._buf += data
        out = []
        while len(self._buf) >= _HEADER.size:
            (n,) = _HEADER.unpack_from(self._buf)
            if len(self._buf) < _HEADER.size + n:
                break
            out.append(pickle.loads(bytes(self._buf[_HEADER.size:_HEADER.size + n])))
            del self._buf[: _HEADER.size + n]
        return out


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _recv_blocking(fd: int):
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        return None
    body = _read_exact(fd, _HEADER.unpack(head)[0])
    return None if body is None else pickle.loads(body)


def wait_readable(fd: int, timeout: float) -> bool:
    """poll(), not select(): descriptors above 1024 are common inside a busy Dask worker."""
    p = select.poll()
    p.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(p.poll(max(0, int(timeout * 1000))))


def peak_rss_mb() -> float:
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


def current_rss_mb() -> float | None:
    """Resident memory now (Linux); a worker that stays large after a heavy file is recycled."""
    try:
        with open("/proc/self/statm") as fh:
            pages = int(fh.read().split()[1])
        return round(pages * os.sysconf("SC_PAGE_SIZE") / 1048576, 1)
    except (OSError, ValueError, IndexError):
        return None


def load_engine(init: dict):
    """The engine named by init["factory"] ("module:callable"; default the pipeline Engine)."""
    spec = init.get("factory") or "contract_review.pipeline:Engine"
    module, _, attr = spec.partition(":")
    import importlib

    factory = getattr(importlib.import_module(module), attr)
    return factory(profile=init.get("profile") or "business")


def child_main(read_fd: int, write_fd: int) -> int:
    # the parent handles Ctrl-C and stops us; a terminal's SIGINT must not kill a file half-way
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    msg = _recv_blocking(read_fd)
    if not msg or msg[0] != "init":
        return 2
    init = msg[1]
    t0 = time.perf_counter()
    try:
        engine = load_engine(init)
    except BaseException as e:  # noqa: BLE001 — reported to the parent, which stops the run
        write_all(write_fd, encode(("init_error", f"{type(e).__name__}: {e}")))
        return 1
    from contract_review.audit.review import review_file

    versions = dict(getattr(engine, "versions", {}) or {})
    write_all(write_fd, encode(("ready", {"pid": os.getpid(), "load_seconds": round(time.perf_counter() - t0, 3),
                                          "versions": versions, "rss_mb": peak_rss_mb()})))
    while True:
        msg = _recv_blocking(read_fd)
        if msg is None or msg[0] == "stop":  # parent gone (EOF) or done
            return 0
        _, task_id, task = msg
        result = review_file(engine, task)
        result["rss_mb"] = peak_rss_mb()
        result["rss_now_mb"] = current_rss_mb()
        result["pid"] = os.getpid()
        result["versions"] = versions
        try:
            write_all(write_fd, encode(("result", task_id, result)))
        except BrokenPipeError:
            return 0


class WorkerDied(Exception):
    pass


def describe_exit(code: int | None) -> str:
    if code is None:
        return "tiến trình không phản hồi"
    if code < 0:
        try:
            return f"tiến trình bị dừng bởi tín hiệu {signal.Signals(-code).name}"
        except ValueError:
            return f"tiến trình bị dừng bởi tín hiệu {-code}"
    return f"tiến trình thoát với mã {code}"


class WorkerProcess:
    """Parent-side handle of one review process."""

    def __init__(self, init: dict, log_path: Path | None = None) -> None:
        self.init = init
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.ready = False
        self.info: dict = {}
        self.init_error: str | None = None
        self.started_at = 0.0
        self._reader = FrameReader()
        self._rfd = self._wfd = -1

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        env = dict(os.environ)
        for k in _THREAD_ENV:
            env.setdefault(k, "1")
        env.setdefault("CONTRACT_REVIEW_OCR_WORKERS", "1")  # the pool already uses every core: one tesseract each
        pkg_root = str(Path(__file__).resolve().parents[2])  # the same contract_review as ours
        env["PYTHONPATH"] = os.pathsep.join([pkg_root, *filter(None, [env.get("PYTHONPATH")])])
        log = open(self.log_path, "ab") if self.log_path else None
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "contract_review.audit.worker", str(to_child_r), str(from_child_w)],
                pass_fds=(to_child_r, from_child_w), stdin=subprocess.DEVNULL,
                stdout=log or subprocess.DEVNULL, stderr=log or None, env=env,
                start_new_session=True,  # Ctrl-C reaches the parent only; it stops the workers itself
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
            if log:
                log.close()
        self._wfd, self._rfd = to_child_w, from_child_r
        self.ready = False
        self.init_error = None
        self._reader = FrameReader()
        self.started_at = time.monotonic()
        self.send(("init", self.init))

    def fileno(self) -> int:
        return self._rfd

    @property
    def started(self) -> bool:
        return self._rfd >= 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, msg: object) -> None:
        try:
            write_all(self._wfd, encode(msg))
        except (BrokenPipeError, OSError) as e:
            raise WorkerDied(str(e)) from e

    def read_available(self) -> list:
        """Messages now readable (call when select says so). Raises WorkerDied at end of stream."""
        try:
            data = os.read(self._rfd, 1 << 20)
        except OSError as e:
            raise WorkerDied(str(e)) from e
        if not data:
            raise WorkerDied("end of stream")
        msgs = self._reader.feed(data)
        for m in msgs:
            if m[0] == "ready":
                self.ready, self.info = True, m[1]
            elif m[0] == "init_error":
                self.init_error = m[1]
        return msgs

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: OCR children go too
            except OSError:
                self.proc.kill()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._close()

    def stop(self) -> None:
        """Ask politely, then kill."""
        if self.proc is None:
            return
        try:
            self.send(("stop",))
            self.proc.wait(timeout=5)
        except (WorkerDied, subprocess.TimeoutExpired):
            pass
        self.kill()

    def _close(self) -> None:
        for fd in (self._rfd, self._wfd):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._rfd = self._wfd = -1

    # ------------------------------------------------------------------ one task, blocking (Dask workers)
    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready:
            if self.init_error:
                raise RuntimeError(self.init_error)
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill()
                raise WorkerDied("engine did not load in time")
            if wait_readable(self._rfd, min(left, 1.0)):
                self.read_available()
        if self.init_error:
            raise RuntimeError(self.init_error)

    def run(self, task_id: object, task: dict, timeout: float) -> dict:
        """Send one task and wait for its result. Returns {"timeout": True} after killing a stuck process,
        {"crash": message} if the process died; the caller restarts it."""
        deadline = time.monotonic() + timeout
        try:
            self.send(("task", task_id, task))
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    return {"timeout": True}
                if not wait_readable(self._rfd, min(left, 1.0)):
                    continue
                for m in self.read_available():
                    if m[0] == "result" and m[1] == task_id:
                        return m[2]
        except WorkerDied:
            self.kill()
            return {"crash": describe_exit(self.proc.returncode if self.proc else None)}


def main() -> int:
    return child_main(int(sys.argv[1]), int(sys.argv[2]))


if __name__ == "__main__":
    sys.exit(main())
