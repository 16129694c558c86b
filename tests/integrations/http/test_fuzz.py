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

# The imports below (E402) come after importorskip, so a missing schemathesis skips instead of failing.
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.python.asgi import shutdown_lifespans  # noqa: E402

from assistant.services import Services  # noqa: E402
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


# Strings that are not text: lone surrogates (JSON may spell them), control characters, U+FFFD, NUL, a BOM.
NOT_TEXT = ("refund \ud800", "\udcff\udcfe refund window", "refund\x00window", "\x1b[31mrefund\x07", "\ufffd\ufeff?")
BODIES: dict[str, dict[str, Any]] = {
    "/v1/ask": {"question": "What is the refund window?", "thread": [{"role": "user", "text": "Hello"}]},
    "/v1/drafts": {"kind": "refund", "client_id": "C-1001", "message": "I was charged twice."},
    "/v1/feedback": {"answer_id": "ans-1", "rating": "down", "comment": "Outdated."},
    "/v1/quiz": {"topic": "refunds", "users": ["ana"]},
}


def _string_fields(body: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(body, str):
        yield path
    elif isinstance(body, dict):
        for key, value in body.items():
            yield from _string_fields(value, (*path, key))
    elif isinstance(body, list):
        for n, value in enumerate(body):
            yield from _string_fields(value, (*path, n))


def _with(body: dict[str, Any], path: tuple[Any, ...], value: str) -> dict[str, Any]:
    import copy

    out = copy.deepcopy(body)
    target: Any = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


@pytest.mark.parametrize("route", sorted(BODIES))
def test_strings_that_are_not_text_are_cleaned_or_refused_never_a_500(route: str, fuzz_app: FastAPI) -> None:
    """A failure means a lone surrogate, a control character or invalid UTF-8 in some field makes a 5xx (POST
    /v1/ask with a lone surrogate answered 500) or an error that is not the JSON error shape."""
    import json

    headers = {**auth("admin"), "content-type": "application/json"}
    with TestClient(fuzz_app, raise_server_exceptions=False) as client:
        for path in _string_fields(BODIES[route]):
            for value in NOT_TEXT:
                body = json.dumps(_with(BODIES[route], path, value))  # ASCII JSON: surrogates as \ud800 escapes
                response = client.post(route, content=body, headers=headers)
                assert response.status_code < 500, (route, path, value, response.text)
                if response.status_code >= 400:
                    assert set(response.json()) == {"error"}, response.text
                else:
                    response.json()  # a success is valid JSON, with nothing unencodable in it
            raw = json.dumps(BODIES[route]).replace("What is", "What \\u00e9s").encode()
            invalid = raw.replace(b"\\u00e9", b"\xff\xfe")  # invalid UTF-8 bytes in the body itself
            response = client.post(route, content=invalid, headers=headers)
            assert response.status_code < 500 and (response.status_code < 400 or set(response.json()) == {"error"})


def test_a_question_with_a_lone_surrogate_is_answered_from_its_clean_text(fuzz_app: FastAPI) -> None:
    """A failure means the cleaned question is not the one answered (POST /v1/ask with a lone surrogate gave 500)."""
    with TestClient(fuzz_app) as client:
        body = '{"question": "What is the refund window for tier B clients? \\ud800"}'
        response = client.post("/v1/ask", content=body, headers={**auth("agent"), "content-type": "application/json"})
        assert response.status_code == 200, response.text
        assert response.json()["citations"]
