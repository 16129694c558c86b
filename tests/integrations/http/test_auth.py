"""Authentication and roles of the HTTP API: ``Authorization: Bearer <key>`` on every /v1 route, 401 for a
missing, malformed or unknown key (with ``WWW-Authenticate: Bearer``), 403 for a role the route does not allow;
and how keys are loaded (``PLAYBOOK_API_KEYS``, the local admin key file)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.errors import ConfigError
from assistant.settings import Settings
from integrations.http.app import create_app
from integrations.http.auth import LOCAL_KEY_FILE, KeyRing, load_keys
from tests.conftest import hash_settings

from .helpers import ADMIN_KEY, AGENT_KEY, KEYRING, assert_error, auth, clean_hash_settings, running

# One valid request per /v1 route: (method, path, JSON body or None, query params or None).
ROUTES: list[tuple[str, str, Any, Any]] = [
    ("POST", "/v1/ask", {"question": "What is the refund window?"}, None),
    ("POST", "/v1/drafts", {"kind": "refund", "client_id": "C-1001", "message": "Please refund me."}, None),
    ("GET", "/v1/clients/C-1001", None, None),
    ("GET", "/v1/sla", None, {"tier": "A", "channel": "email"}),
    ("POST", "/v1/feedback", {"answer_id": "a1", "rating": "up"}, None),
    ("POST", "/v1/ingest", {"paths": ["/nonexistent"]}, None),
    ("GET", "/v1/ingest/0123456789abcdef", None, None),
]
ROUTE_IDS = [f"{m} {p}" for m, p, _, _ in ROUTES]
UNKNOWN_KEY = "not-a-known-key-0123456789"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """An app on an empty throwaway data dir (auth is checked before any index is needed)."""
    settings = clean_hash_settings(tmp_path_factory.mktemp("auth") / "data")
    with running(create_app(settings, keys=KEYRING)) as c:
        yield c


def call(client: TestClient, route: tuple[str, str, Any, Any], headers: dict[str, str]) -> Any:
    """Send one of ROUTES with ``headers``."""
    method, path, body, params = route
    return client.request(method, path, json=body, params=params, headers=headers)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": f"Basic {ADMIN_KEY}"},
        {"Authorization": f"Token {ADMIN_KEY}"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": ADMIN_KEY},
        {"Authorization": f"Bearer {UNKNOWN_KEY}"},
        {"Authorization": f"Bearer {ADMIN_KEY}x"},
        {"Authorization": f"Bearer {ADMIN_KEY[:-1]}"},
    ],
    ids=["missing", "basic", "token", "bearer-empty", "bearer-blank", "no-scheme", "unknown", "longer", "shorter"],
)
def test_every_v1_route_refuses_a_missing_malformed_or_unknown_key(
    client: TestClient, route: tuple[str, str, Any, Any], headers: dict[str, str]
) -> None:
    """A failure means a /v1 route answers (or fails differently than 401 + WWW-Authenticate) without a valid key."""
    response = call(client, route, headers)
    error = assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert ADMIN_KEY not in error["message"] and UNKNOWN_KEY not in error["message"]


@pytest.mark.parametrize(
    ("role", "route"),
    [
        ("trainer", ROUTES[1]),
        ("agent", ROUTES[5]),
        ("trainer", ROUTES[5]),
        ("qa", ROUTES[5]),
        ("agent", ROUTES[6]),
        ("trainer", ROUTES[6]),
        ("qa", ROUTES[6]),
    ],
    ids=["trainer-drafts", "agent-ingest", "trainer-ingest", "qa-ingest", "agent-job", "trainer-job", "qa-job"],
)
def test_a_role_the_route_does_not_allow_gets_403(
    client: TestClient, role: str, route: tuple[str, str, Any, Any]
) -> None:
    """A failure means a role reaches a route PRODUCT.md keeps from it (drafts: agent/qa/admin; ingest: admin)."""
    response = call(client, route, auth(role))
    error = assert_error(response, 403, "forbidden")
    assert role in error["message"]
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize(
    ("role", "route"),
    [(role, ROUTES[i]) for role in ("agent", "trainer", "qa", "admin") for i in (0, 2, 3, 4)]
    + [(role, ROUTES[1]) for role in ("agent", "qa", "admin")]
    + [("admin", ROUTES[5]), ("admin", ROUTES[6])],
    ids=[f"{role}-{ROUTE_IDS[i]}" for role in ("agent", "trainer", "qa", "admin") for i in (0, 2, 3, 4)]
    + [f"{role}-{ROUTE_IDS[1]}" for role in ("agent", "qa", "admin")]
    + ["admin-ingest", "admin-job"],
)
def test_an_allowed_role_gets_past_authentication(
    client: TestClient, role: str, route: tuple[str, str, Any, Any]
) -> None:
    """A failure means a role is refused a route it is allowed (any role for ask/clients/sla/feedback)."""
    response = call(client, route, auth(role))
    assert response.status_code not in (401, 403, 500), response.text


def test_scheme_is_case_insensitive(client: TestClient) -> None:
    """A failure means `authorization: bearer <key>` (lower-case scheme, as RFC 7235 allows) is refused."""
    response = client.get("/v1/clients/C-1001", headers={"authorization": f"bearer {AGENT_KEY}"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/openapi.json"])
def test_operational_endpoints_need_no_key(client: TestClient, path: str) -> None:
    """A failure means health checks or Prometheus scrapes would need an API key."""
    assert client.get(path).status_code == 200


def test_readyz_needs_no_key(client: TestClient) -> None:
    """A failure means a readiness probe without a key gets 401 instead of the readiness state."""
    assert client.get("/readyz").status_code in (200, 503)


def test_openapi_declares_bearer_auth_on_v1_routes(client: TestClient) -> None:
    """A failure means /docs does not tell integrators which routes need `Authorization: Bearer`."""
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            secured = bool(operation.get("security"))
            assert secured == path.startswith("/v1/"), (method, path)


# --- loading keys --------------------------------------------------------------------------------------------


def test_local_admin_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    """A failure means the local admin key is world-readable, or a restart invalidates the key the operator saved."""
    settings = hash_settings(tmp_path / "data")
    first = load_keys(settings)
    path = settings.data_dir / LOCAL_KEY_FILE
    assert path.is_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.local_only and first.created_local_key is not None and len(first.created_local_key) >= 32
    assert first.keys == ((first.created_local_key, "admin"),)
    assert path.read_text().strip() == first.created_local_key

    second = load_keys(settings)
    assert second.created_local_key is None and second.local_only
    assert second.keys == first.keys
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_app_without_configured_keys_accepts_the_local_admin_key(tmp_path: Path) -> None:
    """A failure means `playbook serve` with no PLAYBOOK_API_KEYS cannot be used with the key it printed."""
    settings = hash_settings(tmp_path / "data")
    app = create_app(settings)
    key = (settings.data_dir / LOCAL_KEY_FILE).read_text().strip()
    with running(app) as client:
        assert client.get("/v1/clients/C-1001", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.get("/v1/ingest/nope", headers={"Authorization": f"Bearer {key}"}).status_code == 404
        assert_error(client.get("/v1/clients/C-1001", headers={"Authorization": f"Bearer {AGENT_KEY}"}),
                     401, "unauthorized")


def test_configured_keys_are_parsed_with_their_roles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A failure means PLAYBOOK_API_KEYS entries (comma or newline separated, blank and # lines) map to wrong roles."""
    value = f" {AGENT_KEY}:agent ,\n# a comment\n,{ADMIN_KEY}:admin,weird:key:0123456789abc:qa"
    monkeypatch.setenv("PLAYBOOK_API_KEYS", value)
    keys = load_keys(Settings(data_dir=tmp_path / "data", embedding_model="hash"))
    assert not keys.local_only and keys.created_local_key is None
    assert keys.role_of(AGENT_KEY) == "agent"
    assert keys.role_of(ADMIN_KEY) == "admin"
    assert keys.role_of("weird:key:0123456789abc") == "qa"
    assert keys.role_of("nope") is None
    assert not (tmp_path / "data" / LOCAL_KEY_FILE).exists()


def test_keys_file_is_read(tmp_path: Path) -> None:
    """A failure means PLAYBOOK_API_KEYS_FILE is ignored or its lines are mis-parsed."""
    file = tmp_path / "keys.txt"
    file.write_text(f"# keys\n{AGENT_KEY}:agent\n\n{ADMIN_KEY}:admin\n")
    keys = load_keys(hash_settings(tmp_path / "data", api_keys_file=file))
    assert keys.keys == ((AGENT_KEY, "agent"), (ADMIN_KEY, "admin"))


SECRET = "s3cr3t-key-material-9f8e7d6c"


@pytest.mark.parametrize(
    "value",
    [
        f"{SECRET}:superuser",
        f"{SECRET}",
        f"{SECRET}:",
        f"{AGENT_KEY}:agent,{SECRET}:root",
        "short:agent",
        f"{SECRET}:Admin",
        f":{'agent'}",
    ],
    ids=["unknown-role", "no-role", "empty-role", "second-entry", "short-key", "role-case", "empty-key"],
)
def test_malformed_api_keys_raise_config_error_without_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture, value: str
) -> None:
    """A failure means a malformed PLAYBOOK_API_KEYS starts a server anyway, or echoes a secret into logs/errors."""
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PLAYBOOK_API_KEYS", value)
    settings = Settings(data_dir=tmp_path / "data", embedding_model="hash")
    with pytest.raises(ConfigError) as excinfo:
        load_keys(settings)
    with pytest.raises(ConfigError):
        create_app(settings)
    message = str(excinfo.value)
    assert "PLAYBOOK_API_KEYS" in message
    for secret in (SECRET, AGENT_KEY, "short"):
        assert secret not in message
        assert all(secret not in r.getMessage() for r in caplog.records)
    assert excinfo.value.to_dict()["error"]["code"] == "config_error"
    assert not (tmp_path / "data" / LOCAL_KEY_FILE).exists()


def test_unreadable_keys_file_is_a_config_error(tmp_path: Path) -> None:
    """A failure means a wrong PLAYBOOK_API_KEYS_FILE path silently falls back to the local admin key."""
    with pytest.raises(ConfigError, match="PLAYBOOK_API_KEYS_FILE"):
        load_keys(hash_settings(tmp_path / "data", api_keys_file=tmp_path / "missing.txt"))


def test_keyring_compares_every_key() -> None:
    """A failure means a key that is a prefix or extension of a real key is accepted."""
    ring = KeyRing(((AGENT_KEY, "agent"), (ADMIN_KEY, "admin")))
    assert ring.role_of(ADMIN_KEY) == "admin"
    assert ring.role_of(ADMIN_KEY[:-1]) is None
    assert ring.role_of(ADMIN_KEY + "0") is None
    assert ring.role_of("") is None
    assert ring.role_of("ümlaut-key-0123456789") is None
