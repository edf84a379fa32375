"""PostgreSQL storage (CONTRACT_REVIEW_DATABASE_URL): schema migration, reviews, feedback, restart,
DELETE. Uses CONTRACT_REVIEW_TEST_DATABASE_URL if set; otherwise starts a throwaway cluster when the
Debian postgresql package and psycopg are installed; skipped otherwise."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest
from fastapi.testclient import TestClient

from api_samples import make_app, small_txt

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def pg_url():
    if os.environ.get("CONTRACT_REVIEW_TEST_DATABASE_URL"):
        yield os.environ["CONTRACT_REVIEW_TEST_DATABASE_URL"]
        return
    pytest.importorskip("psycopg")
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("PostgreSQL server not installed")
    bindir = os.path.dirname(bins[-1])
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as and not shutil.which("runuser"):
        pytest.skip("cannot run PostgreSQL as root without runuser")
    tmp = tempfile.mkdtemp(prefix="cr-pg-")
    if run_as:
        shutil.chown(tmp, "postgres")
    port = _free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": tmp}
    subprocess.run([*run_as, f"{bindir}/initdb", "-D", f"{tmp}/data", "-A", "trust", "-U", "postgres"], check=True, **quiet)
    subprocess.run([*run_as, f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-o", f"-p {port} -k {tmp} -c listen_addresses=''",
                    "-l", f"{tmp}/log", "-w", "start"], check=True, **quiet)
    try:
        subprocess.run([*run_as, f"{bindir}/createdb", "-h", tmp, "-p", str(port), "crtest"], check=True, **quiet)
        yield f"postgresql+psycopg://postgres@/crtest?host={tmp}&port={port}"
    finally:
        subprocess.run([*run_as, f"{bindir}/pg_ctl", "-D", f"{tmp}/data", "-m", "fast", "stop"], **quiet)
        shutil.rmtree(tmp, ignore_errors=True)


def test_postgres_roundtrip(engine, tmp_path, pg_url):
    with TestClient(make_app(tmp_path, engine=engine, database_url=pg_url, keep_uploads=True)) as c:
        assert c.get("/readyz").json()["storage"] == "postgresql"
        r = c.post("/v1/reviews", files={"file": ("nuoc.txt", small_txt())}, data={"sector": "water"})
        assert r.status_code == 201, r.text
        rid, fid = r.json()["id"], r.json()["findings"][0]["id"]
        assert c.post(f"/v1/reviews/{rid}/findings/{fid}/feedback", json={"verdict": "confirmed"}).status_code == 200
    assert not (tmp_path / "contract-review.db").exists()  # nothing written to SQLite
    with TestClient(make_app(tmp_path, engine=engine, database_url=pg_url)) as c:
        assert c.get("/v1/reviews", params={"sector": "water"}).json()["items"][0]["id"] == rid
        assert c.get(f"/v1/reviews/{rid}").json()["findings"][0]["feedback"] == "confirmed"
        assert c.app.state.store.get_upload(rid) == small_txt()
        from api.storage import export_feedback

        assert export_feedback(tmp_path / "fb.jsonl", pg_url) == 1
        assert c.delete(f"/v1/reviews/{rid}").status_code == 204
        assert c.get(f"/v1/reviews/{rid}").status_code == 404
        assert c.app.state.store.feedback_for(rid) == [] and c.app.state.store.get_upload(rid) is None
