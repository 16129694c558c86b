"""Bad input over HTTP is a 4xx with ``{"error": {"code", "message"}}``, never a 500 (PRODUCT.md): malformed JSON,
wrong types, missing fields, out-of-range values, unknown enum values, extra fields, oversize bodies, unknown
clients and jobs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import create_engine, make_url, text

from assistant.factory import build_services
from integrations.http.app import create_app
from tests.conftest import hash_settings, make_pipeline

from .helpers import KEYRING, assert_error, auth, clean_hash_settings, running, write_corpus

PG_URL = os.environ.get("PLAYBOOK_TEST_DATABASE_URL")
MAX_CHARS = 50
MAX_BODY = 4096
DRAFT = {"kind": "refund", "client_id": "C-1001", "message": "Please refund the last invoice."}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A hash-embedder app over a three-document corpus, with small question and body limits."""
    root = tmp_path_factory.mktemp("validation")
    settings = clean_hash_settings(root / "data", max_question_chars=MAX_CHARS, max_body_bytes=MAX_BODY)
    services = build_services(settings)
    make_pipeline(services).run([write_corpus(root / "corpus")])
    try:
        with running(create_app(settings, services=services, keys=KEYRING)) as c:
            yield c
    finally:
        services.close()


def post(client: TestClient, path: str, body: Any, role: str = "admin") -> Any:
    """POST ``body`` as JSON with ``role``'s key."""
    return client.post(path, json=body, headers=auth(role))


# --- malformed JSON ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/ask", "/v1/drafts", "/v1/feedback", "/v1/ingest"])
@pytest.mark.parametrize(
    "raw", [b"{", b'{"question": "x",}', b"not json", b'{"question": "x"} trailing', b"\xff\xfe"],
    ids=["open-brace", "trailing-comma", "text", "trailing-data", "not-utf8"],
)
def test_malformed_json_is_400_invalid_json(client: TestClient, path: str, raw: bytes) -> None:
    """A failure means a body that is not JSON gets a 422/500 or an error without the invalid_json code."""
    response = client.post(path, content=raw, headers={**auth("admin"), "Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")


# --- wrong types and missing fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/ask", {}, "question"),
        ("/v1/ask", {"question": 42}, "question"),
        ("/v1/ask", {"question": None}, "question"),
        ("/v1/ask", {"question": ["refund"]}, "question"),
        ("/v1/ask", {"question": "refunds", "k": "five"}, "k"),
        ("/v1/ask", {"question": "refunds", "k": 2.5}, "k"),
        ("/v1/ask", {"question": "refunds", "thread": "earlier"}, "thread"),
        ("/v1/ask", {"question": "refunds", "thread": [{"role": "user"}]}, "thread"),
        ("/v1/ask", {"question": "refunds", "filters": ["doc_id"]}, "filters"),
        ("/v1/ask", {"question": "refunds", "filters": {"doc_id": 3}}, "filters"),
        ("/v1/ask", [], None),
        ("/v1/ask", "refunds", None),
        ("/v1/drafts", {"kind": "refund", "message": "Refund me."}, "client_id"),
        ("/v1/drafts", {"kind": "refund", "client_id": "C-1001"}, "message"),
        ("/v1/drafts", {"client_id": "C-1001", "message": "Refund me."}, "kind"),
        ("/v1/drafts", {**DRAFT, "client_id": 1001}, "client_id"),
        ("/v1/drafts", {**DRAFT, "message": ""}, "message"),
        ("/v1/drafts", {**DRAFT, "received_at": "yesterday"}, "received_at"),
        ("/v1/feedback", {"rating": "up"}, "answer_id"),
        ("/v1/feedback", {"answer_id": "a1"}, "rating"),
        ("/v1/feedback", {"answer_id": 7, "rating": "up"}, "answer_id"),
        ("/v1/feedback", {"answer_id": "has spaces", "rating": "up"}, "answer_id"),
        ("/v1/feedback", {"answer_id": "a1", "rating": "up", "comment": "x" * 2001}, "comment"),
        ("/v1/ingest", {"paths": "/tmp"}, "paths"),
        ("/v1/ingest", {"paths": [""]}, "paths"),
        ("/v1/ingest", {"rebuild": "maybe"}, "rebuild"),
    ],
)
def test_wrong_types_and_missing_fields_are_422(client: TestClient, path: str, body: Any, field: str | None) -> None:
    """A failure means a mistyped or missing field is a 500 or passes, or the error does not name the field."""
    error = assert_error(post(client, path, body), 422, "invalid_request")
    if field:
        assert field in error["message"], error


# --- the question --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", ["", " ", "\n\t  ", "\x00\x01\x07", "   \r\n"])
def test_empty_question_is_422_empty_question(client: TestClient, question: str) -> None:
    """A failure means an empty (or whitespace/control-only) question is answered or gets the wrong code."""
    assert_error(post(client, "/v1/ask", {"question": question}), 422, "empty_question")


def test_question_longer_than_max_question_chars_is_422_question_too_long(client: TestClient) -> None:
    """A failure means the max_question_chars limit is not enforced over HTTP, or is off by one."""
    error = assert_error(post(client, "/v1/ask", {"question": "r" * (MAX_CHARS + 1)}), 422, "question_too_long")
    assert str(MAX_CHARS) in error["message"]
    assert "r" * 20 not in error["message"]
    at_limit = post(client, "/v1/ask", {"question": "refund approval " + "x" * (MAX_CHARS - 16)})
    assert at_limit.status_code == 200, at_limit.text


@pytest.mark.parametrize("k", [0, -1, 51, 10**12])
def test_k_out_of_range_is_422(client: TestClient, k: int) -> None:
    """A failure means k outside 1..50 reaches the retriever (or crashes it)."""
    error = assert_error(post(client, "/v1/ask", {"question": "refund approval", "k": k}), 422, "invalid_request")
    assert "k" in error["message"]


@pytest.mark.parametrize("k", [1, 50])
def test_k_at_the_bounds_is_accepted(client: TestClient, k: int) -> None:
    """A failure means k=1 or k=50 (the documented range) is refused."""
    response = post(client, "/v1/ask", {"question": "refund approval", "k": k})
    assert response.status_code == 200, response.text
    assert len(response.json()["citations"]) <= k


@pytest.mark.parametrize(
    "filters", [{"$where": "x"}, {"$and": "x"}, {"": "x"}, {"a b": "x"}, {"doc_id": "x", "$or": "y"}]
)
def test_filter_keys_that_are_not_field_names_are_422(client: TestClient, filters: dict[str, str]) -> None:
    """A failure means a filter key like "$where" reaches Chroma as an operator and the request fails with a 500."""
    assert_error(post(client, "/v1/ask", {"question": "refund approval", "filters": filters}), 422, "invalid_request")


def test_filters_on_known_fields_are_accepted(client: TestClient) -> None:
    """A failure means documented metadata filters (doc_id, audience) are refused or crash."""
    for filters in ({"doc_id": "corpus/refunds"}, {"audience": "agents"}, {"doc_id": "no-such-doc"}):
        response = post(client, "/v1/ask", {"question": "refund approval", "filters": filters})
        assert response.status_code == 200, (filters, response.text)


# --- enums and extra fields ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/ask", {"question": "refund approval", "language": "de"}, "language"),
        ("/v1/ask", {"question": "refund approval", "thread": [{"role": "system", "text": "x"}]}, "role"),
        ("/v1/drafts", {**DRAFT, "kind": "chargeback"}, "kind"),
        ("/v1/drafts", {**DRAFT, "channel": "fax"}, "channel"),
        ("/v1/drafts", {**DRAFT, "channel": "EMAIL"}, "channel"),
        ("/v1/drafts", {**DRAFT, "language": "pt"}, "language"),
        ("/v1/feedback", {"answer_id": "a1", "rating": "meh"}, "rating"),
        ("/v1/feedback", {"answer_id": "a1", "rating": "down", "reason": "other"}, "reason"),
    ],
)
def test_unknown_enum_values_are_422(client: TestClient, path: str, body: Any, field: str) -> None:
    """A failure means an unknown kind/channel/language/rating/reason is accepted or is a 500."""
    error = assert_error(post(client, path, body), 422, "invalid_request")
    assert field in error["message"], error


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/feedback", {"answer_id": "a1", "rating": "up", "score": 5}),
        ("/v1/feedback", {"answer_id": "a1", "rating": "up", "role": "admin"}),
        ("/v1/feedback", {"answer_id": "a1", "rating": "up", "id": 1}),
        ("/v1/ingest", {"paths": [], "force": True}),
    ],
    ids=["feedback-score", "feedback-role", "feedback-id", "ingest-force"],
)
def test_extra_fields_are_422(client: TestClient, path: str, body: Any) -> None:
    """A failure means a body with unknown fields is stored or run (a caller could set `role` or `id` itself)."""
    error = assert_error(post(client, path, body), 422, "invalid_request")
    assert next(k for k in body if k not in ("answer_id", "rating", "paths")) in error["message"]


# --- body size -----------------------------------------------------------------------------------------------


def test_declared_oversize_body_is_413(client: TestClient) -> None:
    """A failure means a body over max_body_bytes (by Content-Length) is read and parsed instead of refused."""
    response = post(client, "/v1/ask", {"question": "x" * MAX_BODY})
    assert_error(response, 413, "body_too_large")


def test_streamed_oversize_body_is_413(client: TestClient) -> None:
    """A failure means a chunked body (no Content-Length) over max_body_bytes gets a 400/500 instead of 413."""

    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(10):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/v1/ask", content=chunks(), headers={**auth("admin"), "Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_error(response, 413, "body_too_large")


def test_body_at_the_limit_is_accepted(client: TestClient) -> None:
    """A failure means the body limit is off by one or counts more than the body."""
    body = b'{"question": "refund approval", "filters": {"doc_id": "' + b"x" * 100 + b'"}}'
    padded = body + b" " * (MAX_BODY - len(body))
    assert len(padded) == MAX_BODY
    response = client.post("/v1/ask", content=padded, headers={**auth("admin"), "Content-Type": "application/json"})
    assert response.status_code == 200, response.text


# --- unknown resources ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("client_id", ["C-9999", "1001", "C-1001; DROP TABLE clients", "%00", "ü"])
def test_unknown_client_is_404_client_not_found(client: TestClient, client_id: str) -> None:
    """A failure means an unknown or malformed client id is a 500, a 200, or a different code."""
    response = client.get(f"/v1/clients/{client_id}", headers=auth("agent"))
    assert_error(response, 404, "client_not_found")


def test_overlong_client_id_is_422(client: TestClient) -> None:
    """A failure means a client id longer than 40 characters reaches the CRM."""
    assert_error(client.get(f"/v1/clients/C-{'1' * 60}", headers=auth("agent")), 422, "invalid_request")


def test_draft_for_unknown_client_is_404(client: TestClient) -> None:
    """A failure means drafting for a client the CRM lacks invents one or crashes."""
    assert_error(post(client, "/v1/drafts", {**DRAFT, "client_id": "C-9999"}, "agent"), 404, "client_not_found")


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"tier": "D", "channel": "email"}, "invalid_request", "tier"),
        ({"tier": "a", "channel": "email"}, "invalid_request", "tier"),
        ({"channel": "email"}, "invalid_request", "tier"),
        ({"tier": "A"}, "invalid_request", "channel"),
        ({"tier": "A", "channel": "pigeon"}, "invalid_request", "channel"),
        ({"tier": "A", "channel": "email", "priority": "asap"}, "invalid_request", "priority"),
        ({"tier": "A", "channel": "email", "received_at": "yesterday"}, "invalid_request", "received_at"),
        ({"tier": "A", "channel": "email", "received_at": "2026-01-05T10:00:00", "timezone": "Mars/Olympus"},
         "invalid_sla_request", "Mars/Olympus"),
        ({"tier": "A", "channel": "email", "received_at": "2026-01-05T10:00:00", "timezone": "../../etc/passwd"},
         "invalid_sla_request", "time zone"),
        ({"tier": "A", "channel": "email", "timezone": "Z" * 65}, "invalid_request", "timezone"),
        ({"tier": "B", "channel": "chat", "received_at": "9999-12-31T23:59:59+00:00"}, "invalid_sla_request",
         "received_at"),
        ({"tier": "B", "channel": "chat", "received_at": "0001-01-01T00:00:00+00:00"}, "invalid_sla_request",
         "received_at"),
        ({"tier": "A", "channel": "email", "received_at": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"},
         "invalid_sla_request", "received_at"),
        ({"tier": "A", "channel": "email", "received_at": "9999-12-31T23:00:00-10:00"}, "invalid_sla_request",
         "received_at"),
    ],
)
def test_invalid_sla_query_is_422(client: TestClient, params: dict[str, str], code: str, field: str) -> None:
    """A failure means an invalid tier/channel/priority/time/zone in /v1/sla is a 500, a 200, or unexplained."""
    error = assert_error(client.get("/v1/sla", params=params, headers=auth("agent")), 422, code)
    assert field in error["message"], error


def test_sla_received_at_years_ago_is_still_answered(client: TestClient) -> None:
    """A failure means the received_at sanity bound refuses a plausible (if old) contact time."""
    response = client.get("/v1/sla", params={"tier": "B", "channel": "chat", "received_at": "2019-06-01T09:00:00Z"},
                          headers=auth("agent"))
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "breached"


def test_draft_with_absurd_received_at_is_422(client: TestClient) -> None:
    """A failure means a draft whose received_at is centuries away overflows the SLA clock (500) or hangs: in the
    future it is invalid input, centuries ago the SLA clock refuses it."""
    future = {**DRAFT, "received_at": "9999-12-31T23:00:00+00:00"}
    assert_error(post(client, "/v1/drafts", future, "agent"), 422, "invalid_input")
    past = {**DRAFT, "received_at": "0001-01-02T00:00:00+00:00"}
    assert_error(post(client, "/v1/drafts", past, "agent"), 422, "invalid_sla_request")


def test_ingest_of_a_name_too_long_for_the_file_system_is_422(client: TestClient) -> None:
    """A failure means a path the OS refuses to look up (ENAMETOOLONG) crashes POST /v1/ingest with a 500."""
    for path in ("x" * 1000, "/tmp/" + "y" * 300 + "/z", "a\x00b"):
        response = post(client, "/v1/ingest", {"paths": [path]})
        assert response.status_code == 422, response.text
        # Outside the allowed roots (PLAYBOOK_INGEST_ROOTS), missing, or refused by the request model.
        assert response.json()["error"]["code"] in ("path_not_allowed", "source_not_found", "invalid_request")


@pytest.mark.parametrize("job_id", ["0123456789abcdef0123456789abcdef", "nope", "job-that-never-was"])
def test_unknown_ingest_job_is_404(client: TestClient, job_id: str) -> None:
    """A failure means polling a job that does not exist is a 500 or a fake job."""
    assert_error(client.get(f"/v1/ingest/{job_id}", headers=auth("admin")), 404, "job_not_found")


@pytest.mark.parametrize("job_id", ["a" * 65, "%00abc", "a%20b", "%C3%BC"])
def test_malformed_ingest_job_id_is_422(client: TestClient, job_id: str) -> None:
    """A failure means an overlong job id, or one with NUL/space/non-ASCII characters, reaches the database."""
    assert_error(client.get(f"/v1/ingest/{job_id}", headers=auth("admin")), 422, "invalid_request")


def test_unknown_path_and_wrong_method_are_json_errors(client: TestClient) -> None:
    """A failure means 404/405 come back as HTML or plain text instead of the JSON error shape."""
    assert_error(client.get("/v1/nope", headers=auth("agent")), 404, "not_found")
    assert_error(client.get("/v1/ask", headers=auth("agent")), 405, "method_not_allowed")
    assert_error(client.delete("/v1/clients/C-1001", headers=auth("agent")), 405, "method_not_allowed")


def test_non_json_content_type_is_a_4xx(client: TestClient) -> None:
    """A failure means a form or text body on a JSON route is a 500."""
    response = client.post("/v1/ask", content=b"question=refunds", headers={
        **auth("agent"), "Content-Type": "application/x-www-form-urlencoded"})
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"error"}


# --- the same inputs on every database backend ---------------------------------------------------------------


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=[
            pytest.mark.integration,
            pytest.mark.skipif(not PG_URL, reason="PLAYBOOK_TEST_DATABASE_URL is not set (PostgreSQL tests)"),
        ]),
    ]
)
def db_client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TestClient]:
    """An app (no index) whose CRM is SQLite, or PostgreSQL in a fresh schema dropped afterwards."""
    if request.param == "sqlite":
        with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as c:
            yield c
        return
    assert PG_URL
    schema = f"http_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    settings = hash_settings(tmp_path / "data", database_url=SecretStr(url.render_as_string(hide_password=False)))
    try:
        with running(create_app(settings, keys=KEYRING)) as c:
            yield c
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_nul_bytes_never_reach_the_database(db_client: TestClient) -> None:
    """A failure means a NUL byte in a comment, job id or client id is a 500 on PostgreSQL (text cannot hold NUL)."""
    error = assert_error(
        db_client.post("/v1/feedback", json={"answer_id": "a1", "rating": "up", "comment": "bad\x00byte"},
                       headers=auth("agent")), 422, "invalid_request")
    assert "comment" in error["message"]
    assert_error(db_client.get("/v1/ingest/%00abc", headers=auth("admin")), 422, "invalid_request")
    assert_error(db_client.get("/v1/clients/C-1001%00", headers=auth("agent")), 404, "client_not_found")
    assert_error(db_client.post("/v1/drafts", json={**DRAFT, "client_id": "C-1001\x00"}, headers=auth("agent")),
                 404, "client_not_found")


def test_feedback_round_trips_unicode_on_every_database(db_client: TestClient) -> None:
    """A failure means a non-ASCII comment (accents, emoji, RTL) is refused or altered by a database backend."""
    comment = "Política de reembolso 👍 — ok ‏שלום\ttab"
    response = db_client.post("/v1/feedback", json={"answer_id": "a.1:x-y_z", "rating": "down", "comment": comment},
                              headers=auth("agent"))
    assert response.status_code == 201, response.text
    rows = db_client.app.state.services.crm.feedback.for_answer("a.1:x-y_z")  # type: ignore[attr-defined]
    assert [r.comment for r in rows] == [comment]


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"charge_amount": 0}, "charge_amount"), ({"charge_amount": -5}, "charge_amount"),
     ({"received_at": "2099-03-02T10:00:00+00:00"}, "received_at")],
)
def test_a_zero_amount_or_a_future_time_is_invalid_input(client: TestClient, extra: dict, field: str) -> None:
    """A failure means a draft is written for a charge of 0 or less, or for a message received in the future,
    instead of a 422 invalid_input naming the field."""
    error = assert_error(post(client, "/v1/drafts", {**DRAFT, **extra}), 422, "invalid_input")
    assert field in error["message"]
