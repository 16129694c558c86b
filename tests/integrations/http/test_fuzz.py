"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (schemathesis): whatever the input, the answer
is never a 5xx, and every 4xx is the JSON error shape ("Bad input is a 4xx with a JSON error, never a 500").

Generated requests carry an admin key and go to an app over the shared knowledge base (``kb_services``).
``POST /v1/ingest`` is excluded: it would re-index that read-only data dir (ingest is tested on throwaway dirs).
``POST /v1/feedback`` does store rows in kb_services' database; that is harmless, since nothing reads feedback there
(feedback persistence is tested on throwaway data dirs) and fuzzed answer ids are never real answer ids.

The schema is the app's own ``app.openapi()`` (what ``GET /openapi.json`` serves, which a test below checks), taken
at collection time from an app that is never started; each call passes the kb app as ``app=``. Loading it lazily
with ``schemathesis.pytest.from_fixture`` + ``openapi.from_asgi`` is not an option: schemathesis 4.32's lazy loader
sets ``request.node._nodeid``, which pytest 9 no longer has.

CI runs PLAYBOOK_FUZZ_EXAMPLES (default 15) examples per operation, derandomized; ``make fuzz`` runs 300, random.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from tempfile import gettempdir
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

schemathesis = pytest.importorskip("schemathesis", reason="the API fuzz test needs schemathesis (in .[dev])")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.python.asgi import shutdown_lifespans  # noqa: E402

from assistant.factory import Services  # noqa: E402
from integrations.http.app import create_app  # noqa: E402

from .helpers import KEYRING, auth, clean_hash_settings, kb_app  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PLAYBOOK_FUZZ_EXAMPLES", "15"))
BASE_URL = "http://testserver"

# Given keys, create_app touches nothing on disk; its lifespan (which would) never runs for this instance.
SPEC = create_app(clean_hash_settings(Path(gettempdir()) / "playbook-openapi-only"), keys=KEYRING).openapi()
schema = schemathesis.openapi.from_dict(SPEC).exclude(method="POST", path="/v1/ingest")


@schemathesis.check
def error_is_the_json_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx body is exactly ``{"error": {"code": str, "message": str}}``."""
    if response.status_code < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"{response.status_code} without a JSON body: {response.text[:200]!r}") from None
    ok = isinstance(body, dict) and set(body) == {"error"} and isinstance(body["error"], dict)
    ok = ok and set(body["error"]) == {"code", "message"} and all(isinstance(v, str) for v in body["error"].values())
    if not ok:
        raise AssertionError(f"{response.status_code} is not the JSON error shape: {response.text[:200]!r}")
    return None


@pytest.fixture(scope="module")
def fuzz_app(kb_services: Services) -> Iterator[FastAPI]:
    """The app over the shared knowledge base that every generated request goes to."""
    yield kb_app(kb_services)
    shutdown_lifespans()  # schemathesis keeps started lifespans until exit; this one owns nothing to close


def test_fuzzed_schema_is_the_served_one(fuzz_app: FastAPI) -> None:
    """A failure means the fuzz test explores a different API than the app serves at /openapi.json."""
    with TestClient(fuzz_app) as client:
        assert client.get("/openapi.json").json() == SPEC
    assert {"/v1/ask", "/v1/drafts", "/v1/feedback", "/v1/sla", "/v1/ingest"} <= set(SPEC["paths"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # the bounded CI run is reproducible; `make fuzz` explores new inputs every time
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
def test_no_input_makes_the_api_fail_with_a_server_error(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    """A failure means some input (printed as a reproducible call) gets a 5xx, or an error that is not JSON."""
    case.call_and_validate(
        app=fuzz_app, base_url=BASE_URL, headers=auth("admin"),
        checks=[not_a_server_error, error_is_the_json_error_shape],
    )
