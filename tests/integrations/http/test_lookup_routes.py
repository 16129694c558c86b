"""``GET /v1/clients/{id}`` and ``GET /v1/sla``: their OpenAPI response schemas, and their JSON, field for field.

The JSON expected here is what the routes answered before they declared response models (the ``client`` and
``sla`` shapes of PRODUCT.md, in the same key order, due times written with ``+00:00``, clock fields absent
without ``received_at``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.models import CHANNELS, CLIENT_ID_PATTERN, PRIORITIES, TIERS
from assistant.services import Services
from integrations.http.app import create_app

from .helpers import CLIENT_KEYS, KEYRING, SLA_KEYS, auth, clean_hash_settings, kb_app, running

TARGET_KEYS = ["tier", "channel", "priority", "first_response_target", "resolution_target", "business_hours"]
CLOCK_KEYS = ["first_response_due", "resolution_due", "state", "resolution_state", "first_response_left_seconds"]
TIER_B_CITATION = {
    "n": 1, "doc_id": "sla-targets", "title": "SLA targets", "section": "Tier B targets",
    "source": "knowledge/en/sla-targets.md", "chunk_id": "sla-targets#tier-b-targets/0",
    "owner": "Subdirector de Experiencia del Cliente (SEC)", "effective_date": "2026-09-01",
}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The OpenAPI document of an app that is never started (given keys, create_app touches nothing)."""
    return create_app(clean_hash_settings(tmp_path_factory.mktemp("openapi")), keys=KEYRING).openapi()


def _response_schema(spec: dict[str, Any], path: str) -> dict[str, Any]:
    ref = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return schema


def test_openapi_declares_the_client_response_schema(spec: dict[str, Any]) -> None:
    """A failure means /v1/clients/{id} is an untyped object in OpenAPI again, or its id rule is not the one rule."""
    schema = _response_schema(spec, "/v1/clients/{client_id}")
    assert schema["title"] == "Client"
    assert CLIENT_KEYS <= set(schema["properties"])
    assert schema["properties"]["id"]["pattern"] == CLIENT_ID_PATTERN
    assert schema["properties"]["tier"]["enum"] == list(TIERS)


def test_openapi_declares_the_sla_response_schema_and_vocabularies(spec: dict[str, Any]) -> None:
    """A failure means /v1/sla is an untyped object in OpenAPI again, or its query vocabularies drifted."""
    schema = _response_schema(spec, "/v1/sla")
    assert schema["title"] == "SlaLookup"
    assert list(schema["properties"]) == [*TARGET_KEYS, *CLOCK_KEYS, "citation"]
    assert set(schema["required"]) == set(TARGET_KEYS)
    assert {"type": "string", "format": "date-time"} in schema["properties"]["first_response_due"]["anyOf"]
    assert schema["properties"]["citation"]["anyOf"][0] == {"$ref": "#/components/schemas/Citation"}
    params = {p["name"]: p["schema"] for p in spec["paths"]["/v1/sla"]["get"]["parameters"]}
    assert (params["tier"]["enum"], params["channel"]["enum"], params["priority"]["enum"]) == (
        list(TIERS), list(CHANNELS), list(PRIORITIES))


@pytest.fixture(scope="module")
def client(kb_services: Services) -> Iterator[TestClient]:
    with running(kb_app(kb_services)) as c:
        yield c


@pytest.mark.slow
def test_client_json_is_unchanged(client: TestClient) -> None:
    """A failure means the response model changed the `client` JSON: a field renamed, added, dropped or retyped."""
    response = client.get("/v1/clients/c-1001", headers=auth("agent"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "id": "C-1001", "name": "Altavista Hospitality Group", "tier": "A", "plan": "Enterprise",
        "tenure_months": 48, "monthly_value": 18500.0, "churn_risk": "low", "account_owner": "Valeria Montes",
        "language": "en", "prior_refunds_12m": 0, "status": "active", "timezone": "America/New_York",
        "email": "altavista-hospitality@example.com",
    }
    assert response.text.startswith('{"id":"C-1001","name":"Altavista Hospitality Group","tier":"A",')


@pytest.mark.slow
def test_sla_json_without_received_at_is_unchanged(client: TestClient) -> None:
    """A failure means the response model changed the `sla` JSON: clock fields written as null, keys reordered..."""
    response = client.get("/v1/sla", params={"tier": "B", "channel": "chat", "priority": "urgent"},
                          headers=auth("agent"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert list(data) == [*TARGET_KEYS, "citation"] and SLA_KEYS <= set(data)
    assert [data[key] for key in TARGET_KEYS] == ["B", "chat", "urgent", "PT1M", "PT8H", "daily 08:00-20:00"]
    citation = dict(data["citation"])
    assert isinstance(citation.pop("score"), float)
    assert citation == TIER_B_CITATION


@pytest.mark.slow
def test_sla_json_with_received_at_is_unchanged(client: TestClient) -> None:
    """A failure means the due times lost their `+00:00` form (pydantic writes `Z`) or a clock field changed."""
    response = client.get(
        "/v1/sla", params={"tier": "B", "channel": "chat", "priority": "urgent",
                           "received_at": "2025-01-06T19:59:30", "timezone": "America/Mexico_City"},
        headers=auth("agent"))
    assert response.status_code == 200, response.text
    data = response.json()
    assert list(data) == [*TARGET_KEYS, *CLOCK_KEYS, "citation"]
    # Monday 19:59:30 in Mexico City: 30 s before closing, 30 s after Tuesday's 08:00 opening (UTC-6).
    assert (data["first_response_due"], data["resolution_due"]) == (
        "2025-01-07T14:00:30+00:00", "2025-01-07T09:59:30+00:00")
    assert (data["state"], data["resolution_state"]) == ("breached", "breached")  # long past
    assert isinstance(data["first_response_left_seconds"], float) and data["first_response_left_seconds"] < 0
    assert data["citation"]["chunk_id"] == TIER_B_CITATION["chunk_id"]


def test_no_index_means_no_citation_not_an_error(tmp_path: Path) -> None:
    """A failure means an SLA lookup before any ingest fails instead of answering from sla.csv with no citation."""
    with running(create_app(clean_hash_settings(tmp_path), keys=KEYRING)) as c:
        data = c.get("/v1/sla", params={"tier": "A", "channel": "email"}, headers=auth("agent")).json()
    assert list(data) == [*TARGET_KEYS, "citation"] and data["citation"] is None
