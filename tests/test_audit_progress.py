"""The progress display: a live bar on a terminal, plain lines in a log, both with errors, duplicates
and the time left."""
from __future__ import annotations

import io

from contract_review.audit.progress import AuditProgress


def test_plain_lines_when_stderr_is_not_a_terminal():
    buf = io.StringIO()
    with AuditProgress(40, done=10, errors=1, stream=buf) as p:
        for status in ["ok"] * 10 + ["error", "duplicate"] * 10:
            p.advance(status)
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("[audit] 10/40 tệp, lỗi 1, trùng 0")  # where a resumed run starts
    assert lines[-1].startswith("[audit] 40/40 tệp, lỗi 11, trùng 10") and "còn" not in lines[-1]
    assert any("còn khoảng" in line for line in lines[1:-1])
    assert 5 <= len(lines) <= 22  # about one line per 5 %, not one per file


def test_live_bar_on_a_terminal(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    buf = io.StringIO()
    with AuditProgress(3, stream=buf) as p:
        assert p._progress is not None
        p.advance("ok")
        p.advance("error")
        p.advance("duplicate")
    out = buf.getvalue()
    assert "Rà soát" in out and "3/3" in out and "lỗi:" in out and "trùng: 1" in out


def test_silent_when_disabled():
    buf = io.StringIO()
    with AuditProgress(2, enabled=False, stream=buf) as p:
        p.advance("ok")
    assert buf.getvalue() == "" and p.done == 1
