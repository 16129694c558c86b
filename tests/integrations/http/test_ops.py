"""What operators rely on: /healthz, /readyz, Prometheus /metrics (route templates, never raw ids), an
``x-request-id`` on every response, and one JSON log line per request without question text or API keys."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant import __version__
from assistant.models import IngestSummary
from assistant.services import Services
from integrations.http.app import create_app
from tests.conftest import hash_settings

from .helpers import KEYRING, ROLE_KEYS, auth, kb_app, running

# Distinctive words that may only ever appear in a request body, never in a log record.
CANARY_QUESTION = "What is the refund window for tier B clients, asked by zebra-canary-7781?"


@pytest.fixture
def kb_client(kb_services: Services) -> Iterator[TestClient]:
    """A fresh app (fresh metrics) over the shared knowledge base."""
    with running(kb_app(kb_services)) as client:
        yield client


def metric_value(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, or 0.0 when absent."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            sample, value = line.rsplit(" ", 1)
            found = dict(re.findall(r'(\w+)="([^"]*)"', sample))
            if sample.split("{")[0] == name and found == labels:
                return float(value)
    return 0.0


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The JSON request lines the app logged on "playbook.http"."""
    lines = []
    for record in caplog.records:
        if record.name == "playbook.http":
            try:
                payload = json.loads(record.getMessage())
            except ValueError:
                continue
            if isinstance(payload, dict) and "request_id" in payload:
                lines.append(payload)
    return lines


# --- health --------------------------------------------------------------------------------------------------


def test_healthz_is_ok_without_an_index(tmp_path: Path) -> None:
    """A failure means liveness depends on the index or the database (a restart loop while ingesting)."""
    with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as client:
        response = client.get("/healthz")
        assert response.status_code == 200 and response.json() == {"status": "ok", "version": __version__}


def test_readyz_is_503_not_ready_on_an_empty_data_dir(tmp_path: Path) -> None:
    """A failure means a load balancer would route traffic to an instance that has no index to answer from."""
    with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as client:
        response = client.get("/readyz")
        assert response.status_code == 503
        data = response.json()
        assert data["status"] == "not_ready"
        assert data["checks"]["index"].startswith("unavailable") and data["checks"]["database"] == "ok"


@pytest.mark.slow
def test_readyz_is_200_ready_with_the_knowledge_base(kb_client: TestClient, kb_ingest_summary: IngestSummary) -> None:
    """A failure means a fully ingested instance reports itself not ready."""
    response = kb_client.get("/readyz")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["status"] == "ready" and data["checks"]["database"] == "ok"
    assert data["checks"]["index"] == f"ok ({kb_ingest_summary.chunks} chunks)"


def test_api_docs_and_console_are_served_without_a_key(tmp_path: Path) -> None:
    """A failure means the OpenAPI docs (/docs, /openapi.json) or the web console page (/) are gone or need a key."""
    with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as client:
        for path in ("/docs", "/"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert response.headers["content-type"].startswith("text/html"), path
        spec = client.get("/openapi.json").json()
        assert spec["info"]["title"] == "Playbook Assistant"


# --- metrics -------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_metrics_count_requests_by_route_template_answers_and_drafts(kb_client: TestClient) -> None:
    """A failure means /metrics lacks request/answer/draft counters or labels routes with raw ids (cardinality)."""
    for client_id in ("C-1001", "C-1002", "C-9999"):
        kb_client.get(f"/v1/clients/{client_id}", headers=auth("agent"))
    kb_client.get("/v1/clients/C-1001")
    kb_client.post("/v1/ask", json={"question": "What is the refund window for tier B clients?"}, headers=auth("agent"))
    kb_client.post("/v1/ask", json={"question": "How do I bake sourdough bread?"}, headers=auth("agent"))
    draft = kb_client.post("/v1/drafts", json={"kind": "refund", "client_id": "C-1001",
                                               "message": "Please refund the duplicate charge."}, headers=auth("agent"))
    assert draft.status_code == 200, draft.text
    kb_client.get("/no/such/route")

    response = kb_client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = "playbook_http_requests_total"
    route = "/v1/clients/{client_id}"
    assert metric_value(text, requests, method="GET", route=route, status="200") == 2
    assert metric_value(text, requests, method="GET", route=route, status="404") == 1
    assert metric_value(text, requests, method="GET", route=route, status="401") == 1
    assert metric_value(text, requests, method="POST", route="/v1/ask", status="200") == 2
    assert metric_value(text, requests, method="GET", route="unmatched", status="404") == 1
    assert "C-1001" not in text and "C-9999" not in text and "/no/such/route" not in text
    assert metric_value(text, "playbook_answers_total", abstained="false") == 1
    assert metric_value(text, "playbook_answers_total", abstained="true") == 1
    action = draft.json()["recommended_action"]
    assert metric_value(text, "playbook_drafts_total", kind="refund", action=action) == 1
    assert "playbook_http_request_seconds_bucket" in text


def test_metrics_are_per_app(tmp_path: Path) -> None:
    """A failure means two apps in one process share (or collide on) one metrics registry."""
    settings = hash_settings(tmp_path / "data")
    with running(create_app(settings, keys=KEYRING)) as first, running(create_app(settings, keys=KEYRING)) as second:
        first.get("/healthz")
        first.get("/healthz")
        second.get("/healthz")
        count = "playbook_http_requests_total"
        labels = {"method": "GET", "route": "/healthz", "status": "200"}
        assert metric_value(first.get("/metrics").text, count, **labels) == 2
        assert metric_value(second.get("/metrics").text, count, **labels) == 1


# --- request ids and logs ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_response_carries_a_fresh_request_id(kb_client: TestClient) -> None:
    """A failure means a response (success, error, 413, stream) cannot be correlated with its log line."""
    responses = [
        kb_client.get("/healthz"),
        kb_client.get("/metrics"),
        kb_client.get("/v1/clients/C-1001", headers=auth("agent")),
        kb_client.get("/v1/clients/C-9999", headers=auth("agent")),
        kb_client.get("/v1/clients/C-1001"),
        kb_client.post("/v1/drafts", json={"kind": "refund"}, headers=auth("trainer")),
        kb_client.post("/v1/ask", content=b"{", headers={**auth("agent"), "Content-Type": "application/json"}),
        kb_client.post("/v1/ask", content=b"x" * 2_000_000, headers=auth("agent")),
        kb_client.post("/v1/ask", json={"question": CANARY_QUESTION},
                       headers={**auth("agent"), "Accept": "text/event-stream"}),
        kb_client.get("/nowhere"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 401, 403, 400, 413, 200, 404]
    ids = [r.headers.get("x-request-id") for r in responses]
    assert all(i and re.fullmatch(r"[0-9a-f]{16}", i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.slow
def test_one_json_log_line_per_request_without_question_or_key(
    kb_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    """A failure means a request log line lacks its fields, or any log record leaks question text or an API key."""
    caplog.set_level(logging.INFO)
    caplog.clear()
    sent = [
        kb_client.post("/v1/ask", json={"question": CANARY_QUESTION}, headers=auth("agent")),
        kb_client.post("/v1/ask", json={"question": CANARY_QUESTION},
                       headers={**auth("qa"), "Accept": "text/event-stream"}),
        kb_client.post("/v1/ask", json={"question": CANARY_QUESTION + " " + "x" * 3000}, headers=auth("trainer")),
        kb_client.get("/v1/clients/C-1002", headers=auth("admin")),
        kb_client.get("/v1/clients/C-1002", headers={"Authorization": f"Bearer {ROLE_KEYS['admin']}-wrong"}),
        kb_client.post("/v1/drafts", json={"kind": "refund", "client_id": "C-1001", "message": CANARY_QUESTION},
                       headers=auth("trainer")),
    ]
    assert [r.status_code for r in sent] == [200, 200, 422, 200, 401, 403]

    lines = access_lines(caplog)
    assert len(lines) == len(sent), lines
    for response, line in zip(sent, lines, strict=True):
        assert {"request_id", "route", "status", "latency_ms", "role", "method"} <= set(line)
        assert line["request_id"] == response.headers["x-request-id"]
        assert line["status"] == response.status_code
        assert isinstance(line["latency_ms"], (int, float)) and line["latency_ms"] >= 0
    assert [line["route"] for line in lines] == ["/v1/ask"] * 3 + ["/v1/clients/{client_id}"] * 2 + ["/v1/drafts"]
    assert [line["role"] for line in lines] == ["agent", "qa", "trainer", "admin", None, "trainer"]

    for record in caplog.records:
        text = record.getMessage() + " " + str(record.exc_text or "")
        assert "zebra-canary" not in text, record
        for key in ROLE_KEYS.values():
            assert key not in text, record
