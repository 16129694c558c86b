"""The /v1 routes over the bundled knowledge base (shared, read-only ``kb_services``): the PRODUCT.md JSON shapes of
ask, drafts, clients and SLA, and ask streamed as Server-Sent Events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from assistant.services import Services

from .helpers import (
    ASK_KEYS,
    CITATION_KEYS,
    CLIENT_KEYS,
    DRAFT_KEYS,
    SLA_KEYS,
    auth,
    kb_app,
    running,
    sse_events,
)

pytestmark = pytest.mark.slow

ANSWERABLE = "What is the refund window for tier B clients?"
OUT_OF_SCOPE = "How do I bake sourdough bread?"


@pytest.fixture(scope="module")
def client(kb_services: Services) -> Iterator[TestClient]:
    """The app over the shared knowledge base, one key per role."""
    with running(kb_app(kb_services)) as c:
        yield c


def test_ask_returns_the_answer_json_with_citations(client: TestClient) -> None:
    """A failure means POST /v1/ask breaks the `ask` JSON shape or stops citing the playbook section it used."""
    response = client.post("/v1/ask", json={"question": ANSWERABLE}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert ASK_KEYS <= set(data)
    assert data["abstained"] is False and 0 < data["confidence"] <= 1
    assert "30 days" in data["answer"]
    assert data["citations"], data
    for n, citation in enumerate(data["citations"], start=1):
        assert CITATION_KEYS <= set(citation)
        assert citation["n"] == n
    assert {c["doc_id"] for c in data["citations"]} & {"refund-policy", "refund-procedure-r1"}
    assert isinstance(data["latency_ms"], float)


def test_ask_abstains_on_an_out_of_scope_question(client: TestClient) -> None:
    """A failure means the API invents an answer the playbook does not hold."""
    data = client.post("/v1/ask", json={"question": OUT_OF_SCOPE}, headers=auth("trainer")).json()
    assert data["abstained"] is True and data["citations"] == []


def test_ask_in_spanish_with_k_and_thread(client: TestClient) -> None:
    """A failure means the optional ask fields (language, k, thread) are refused or ignored."""
    body = {
        "question": "¿y para el nivel C?",
        "language": "es",
        "k": 3,
        "thread": [{"role": "user", "text": "¿Cuál es la ventana de reembolso para clientes de nivel B?"},
                   {"role": "assistant", "text": "30 días."}],
    }
    response = client.post("/v1/ask", json=body, headers=auth("qa"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["language"] == "es"
    assert not data["abstained"] and len(data["citations"]) <= 3


def test_ask_streams_server_sent_events_ending_with_the_answer_json(client: TestClient) -> None:
    """A failure means SSE does not stream meta, delta…, citations, done, or `done` differs from the JSON answer."""
    plain = client.post("/v1/ask", json={"question": ANSWERABLE}, headers=auth("agent")).json()
    with client.stream(
        "POST", "/v1/ask", json={"question": ANSWERABLE}, headers={**auth("agent"), "Accept": "text/event-stream"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-request-id"]
        text = response.read().decode()
    events = sse_events(text)
    names = [name for name, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"]
    assert set(names[1:-2]) == {"delta"} and len(names) > 3
    meta, citations, done = events[0][1], events[-2][1], events[-1][1]

    assert set(done) == set(plain)
    assert ASK_KEYS <= set(done)
    ignore = {"id", "latency_ms"}
    assert {k: v for k, v in done.items() if k not in ignore} == {k: v for k, v in plain.items() if k not in ignore}
    assert meta == {"id": done["id"], "abstained": done["abstained"], "confidence": done["confidence"]}
    assert citations == done["citations"]
    assert "".join(data["text"] for name, data in events if name == "delta") == "".join(
        line + "\n" for line in done["answer"].splitlines()
    )


def test_ask_stream_of_an_abstention(client: TestClient) -> None:
    """A failure means an abstained answer streams citations or a different done payload."""
    response = client.post(
        "/v1/ask", json={"question": OUT_OF_SCOPE}, headers={**auth("agent"), "Accept": "text/event-stream"}
    )
    events = dict(sse_events(response.text))
    assert events["meta"]["abstained"] is True
    assert events["citations"] == [] and events["done"]["citations"] == []
    assert events["done"]["abstained"] is True


def test_ask_without_event_stream_accept_is_json(client: TestClient) -> None:
    """A failure means a client asking for JSON (or anything) gets SSE instead."""
    response = client.post("/v1/ask", json={"question": ANSWERABLE}, headers={**auth("agent"), "Accept": "*/*"})
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("role", "body", "language"),
    [
        ("agent", {"kind": "refund", "client_id": "C-1001",
                   "message": "We were charged twice this month, please refund the duplicate charge."}, "en"),
        ("qa", {"kind": "rescue", "client_id": "C-1002", "channel": "chat",
                "message": "Queremos cancelar el servicio el próximo mes."}, "es"),
        ("admin", {"kind": "refund", "client_id": "c-1001", "channel": "phone", "language": "es",
                   "message": "Please refund the last invoice.", "received_at": "2026-03-02T10:00:00+00:00"}, "es"),
    ],
    ids=["refund-en", "rescue-es", "refund-phone-es"],
)
def test_drafts_return_the_draft_json(client: TestClient, role: str, body: dict, language: str) -> None:
    """A failure means POST /v1/drafts breaks the `draft` JSON shape or ignores the client, channel or language."""
    response = client.post("/v1/drafts", json=body, headers=auth(role))
    assert response.status_code == 200, response.text
    data = response.json()
    assert DRAFT_KEYS <= set(data)
    assert data["kind"] == body["kind"] and data["language"] == language
    assert data["client"]["id"] == body["client_id"].upper() and data["client"]["tier"] in ("A", "B", "C")
    assert data["sla"]["channel"] == body.get("channel", "email")
    for key in ("first_response_due", "resolution_due"):
        datetime.fromisoformat(data["sla"][key])
    assert data["policy_citations"] and all(CITATION_KEYS <= set(c) for c in data["policy_citations"])
    assert data["draft"].strip() and data["recommended_action"] and data["typification"]
    assert isinstance(data["requires_approval"], bool)
    assert data["escalate_to"] is None or isinstance(data["escalate_to"], str)


def test_get_client_returns_the_client_json(client: TestClient) -> None:
    """A failure means GET /v1/clients/{id} disagrees with clients.csv or the `client` JSON shape."""
    response = client.get("/v1/clients/C-1001", headers=auth("trainer"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert CLIENT_KEYS <= set(data)
    assert (data["id"], data["name"], data["tier"], data["plan"]) == (
        "C-1001", "Altavista Hospitality Group", "A", "Enterprise")
    assert (data["tenure_months"], data["monthly_value"], data["account_owner"]) == (48, 18500.0, "Valeria Montes")


def test_get_sla_targets(client: TestClient) -> None:
    """A failure means GET /v1/sla disagrees with sla.csv (B, chat, urgent: PT1M / PT8H) or its JSON shape."""
    response = client.get("/v1/sla", params={"tier": "B", "channel": "chat", "priority": "urgent"},
                          headers=auth("agent"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert SLA_KEYS <= set(data)
    assert (data["first_response_target"], data["resolution_target"]) == ("PT1M", "PT8H")
    assert data["business_hours"] == "daily 08:00-20:00"
    assert data["citation"]["doc_id"] == "sla-targets"
    assert "state" not in data


def test_get_sla_with_received_at_gives_due_times_and_state(client: TestClient) -> None:
    """A failure means due times from received_at are wrong (A, email, high: PT30M / PT8H round the clock)."""
    response = client.get(
        "/v1/sla", params={"tier": "A", "channel": "email", "priority": "high",
                           "received_at": "2026-11-20T10:00:00+00:00"}, headers=auth("agent"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert datetime.fromisoformat(data["first_response_due"]) == datetime.fromisoformat("2026-11-20T10:30:00+00:00")
    assert datetime.fromisoformat(data["resolution_due"]) == datetime.fromisoformat("2026-11-20T18:00:00+00:00")
    assert data["state"] in ("ok", "at_risk", "breached")


def test_get_sla_naive_received_at_is_read_in_timezone(client: TestClient) -> None:
    """A failure means a naive received_at ignores the `timezone` parameter."""
    response = client.get(
        "/v1/sla", params={"tier": "A", "channel": "email", "priority": "high",
                           "received_at": "2026-11-20T10:00:00", "timezone": "America/Mexico_City"},
        headers=auth("agent"))
    assert response.status_code == 200, response.text
    due = datetime.fromisoformat(response.json()["first_response_due"])
    assert due == datetime.fromisoformat("2026-11-20T16:30:00+00:00")
