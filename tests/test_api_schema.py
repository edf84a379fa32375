"""Property-based API test: schemathesis generates requests (valid and invalid) from the OpenAPI schema
and checks that no response is a server error and that statuses and content types are documented.
Bounded: a few examples per operation."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from api_samples import make_app, small_txt

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.python import asgi  # noqa: E402
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance  # noqa: E402

pytestmark = pytest.mark.slow

STATE: dict = {}


# The schema comes from an app that is never started; the fixture starts the real one (sharing the
# session engine) and points the schema at it.
schema = schemathesis.openapi.from_dict(make_app(Path(tempfile.gettempdir()) / "cr-schema-unused").openapi())


@pytest.fixture(scope="module")
def started(engine, tmp_path_factory):
    """Start the app once through schemathesis' own ASGI client (schemathesis keeps that lifespan for the
    process, so every generated request sees the same state) and make one real review to aim at."""
    app = make_app(tmp_path_factory.mktemp("schema"), engine=engine, timeout=20)
    with asgi.get_client(app) as client:
        assert client.get("/readyz").status_code == 200
        r = client.post("/v1/reviews", files={"file": ("nuoc.txt", small_txt())})
        assert r.status_code == 201, r.text
        STATE["review_id"] = r.json()["id"]
        STATE["finding_id"] = r.json()["findings"][0]["id"]
        STATE["client"] = client
        yield


OPERATIONS = [(path, method.upper(), mode) for path, methods in schema.raw_schema["paths"].items()
              for method, spec in methods.items()
              for mode in (("positive", "negative") if spec.get("parameters") or spec.get("requestBody") else ("positive",))]


@pytest.mark.parametrize(("path", "method", "mode"), OPERATIONS, ids=[f"{m} {p} {g}" for p, m, g in OPERATIONS])
def test_no_server_errors(path, method, mode, started):
    """Positive (valid per schema) and negative (invalid) requests alike: never a 5xx."""
    operation = schema[path][method]

    @given(case=operation.as_strategy(GenerationMode(mode)))
    @settings(max_examples=int(os.environ.get("CR_SCHEMA_EXAMPLES", "8")), deadline=None,
              suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def check(case):
        params = case.path_parameters or {}
        # half of the generated ids are replaced by a real review / finding, so found paths are exercised too
        if "review_id" in params and hashlib.sha256(repr(case.body).encode() + repr(params).encode()).digest()[0] % 2:
            params["review_id"] = STATE["review_id"]
            if "finding_id" in params:
                params["finding_id"] = STATE["finding_id"]
        response = case.call(base_url="http://testserver", session=STATE["client"])
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance])
        assert b"Traceback" not in response.content

    check()
