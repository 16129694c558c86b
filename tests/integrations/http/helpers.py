"""Shared pieces of the HTTP API tests: fixed API keys per role, app builders, the error-shape check, SSE parsing."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.services import Services
from assistant.settings import Settings
from integrations.http.app import create_app
from integrations.http.auth import KeyRing
from tests.conftest import hash_settings
from tests.contract import ASK_KEYS, CITATION_KEYS, CLIENT_KEYS, DRAFT_KEYS, INGEST_KEYS, SLA_KEYS  # noqa: F401 - re-exported

AGENT_KEY = "agent-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"
TRAINER_KEY = "trainer-key-0123456789abcdef"
QA_KEY = "qa-key-0123456789abcdef-qa"
KEYRING = KeyRing(((AGENT_KEY, "agent"), (ADMIN_KEY, "admin"), (TRAINER_KEY, "trainer"), (QA_KEY, "qa")))
ROLE_KEYS = {"agent": AGENT_KEY, "admin": ADMIN_KEY, "trainer": TRAINER_KEY, "qa": QA_KEY}



def auth(role: str = "agent") -> dict[str, str]:
    """The Authorization header of ``role``'s key."""
    return {"Authorization": f"Bearer {ROLE_KEYS[role]}"}


def kb_app(kb_services: Services) -> FastAPI:
    """An app over the shared, read-only knowledge-base services, with one key per role."""
    return create_app(kb_services.settings, services=kb_services, keys=KEYRING)


def clean_hash_settings(data_dir: Path, **overrides: object) -> Settings:
    """``hash_settings`` built with no PLAYBOOK_* variable in sight (for module-scoped fixtures, which run
    before the per-test environment isolation)."""
    with pytest.MonkeyPatch.context() as mp:
        for key in list(os.environ):
            if key.startswith("PLAYBOOK_"):
                mp.delenv(key)
        return hash_settings(data_dir, **overrides)


@contextmanager
def running(app: FastAPI) -> Iterator[TestClient]:
    """A TestClient with the app's lifespan run (services built and warmed), server errors as 500 responses."""
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def write_corpus(root: Path) -> Path:
    """Three small Markdown documents under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "refunds.md").write_text(
        "# Refund Policy\n\n## Approval\n\nRefunds above 200 euros need approval from the team lead.\n"
    )
    (root / "crisis.md").write_text(
        "# Crisis Communication\n\n## Status updates\n\n"
        "During an outage the communications lead publishes a status page update every thirty minutes.\n"
    )
    (root / "vip.md").write_text("# VIP Handling\n\n## Greeting\n\nVIP customers are routed to the concierge queue.\n")
    return root


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """``status`` with exactly ``{"error": {"code": code, "message": str}}`` as JSON and a request id; returns it."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    assert "Traceback" not in response.text
    assert response.headers.get("x-request-id"), response.headers
    return body["error"]  # type: ignore[no-any-return]


def sse_events(text: str) -> list[tuple[str, Any]]:
    """Server-Sent Events as (event, decoded JSON data), in order."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((fields["event"], json.loads(fields["data"])))
    return events
