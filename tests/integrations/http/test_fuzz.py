"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (schemathesis): whatever the input, the answer
is never a 5xx ("Bad input is a 4xx with a JSON error, never a 500").

The schema is the app's own ``app.openapi()`` (what ``GET /openapi.json`` serves), read at collection time from an
app that is never started; every generated request then goes to an app over ``kb_services``, passed as ``app=`` to
the call. (``schemathesis.pytest.from_fixture`` + ``from_asgi`` would load it lazily from that app, but schemathesis
4.32's lazy loader sets ``request.node._nodeid``, which pytest 9 no longer has.)

Runs against the shared knowledge base (``kb_services``) with an admin key. ``POST /v1/ingest`` is excluded: it would
re-index that read-only data dir. ``POST /v1/feedback`` does write rows into kb_services' database; that is harmless,
since no test counts feedback there (feedback persistence is tested on throwaway data dirs).

CI runs a bounded number of examples per operation; ``make fuzz`` sets ``PLAYBOOK_FUZZ_EXAMPLES`` much higher.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from tempfile import gettempdir

import pytest
from fastapi import FastAPI

schemathesis = pytest.importorskip("schemathesis", reason="the API fuzz test needs schemathesis (pip install schemathesis)")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.python.asgi import shutdown_lifespans  # noqa: E402

from assistant.factory import Services  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from integrations.http.app import create_app  # noqa: E402

from .helpers import KEYRING, auth, kb_app  # noqa: E402

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("PLAYBOOK_FUZZ_EXAMPLES", "15"))


BASE_URL = "http://testserver"

# Building the app reads nothing from the data dir (keys are given) and nothing runs until its lifespan starts.
_SPEC = create_app(Settings(data_dir=Path(gettempdir()) / "playbook-openapi-only", embedding_model="hash"),
                   keys=KEYRING).openapi()
schema = schemathesis.openapi.from_dict(_SPEC).exclude(method="POST", path="/v1/ingest")


@pytest.fixture(scope="module")
def fuzz_app(kb_services: Services) -> Iterator[FastAPI]:
    """The app over the shared knowledge base that the generated requests go to."""
    yield kb_app(kb_services)
    shutdown_lifespans()  # schemathesis keeps started lifespans until exit; this one closes nothing shared


def test_openapi_schema_is_the_served_one(fuzz_app: FastAPI) -> None:
    """A failure means the fuzz test explores a different API than the app serves at /openapi.json."""
    from fastapi.testclient import TestClient

    with TestClient(fuzz_app) as client:
        assert client.get("/openapi.json").json() == _SPEC
    assert "/v1/ingest" in _SPEC["paths"]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # the bounded CI run is reproducible; `make fuzz` explores new inputs each time
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
def test_no_input_makes_the_api_fail_with_a_server_error(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    """A failure means some input (printed as a reproducible call) makes this operation answer 5xx."""
    case.call_and_validate(app=fuzz_app, base_url=BASE_URL, headers=auth("admin"), checks=[not_a_server_error])
