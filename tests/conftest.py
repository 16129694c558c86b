"""Shared fixtures: tests cannot reach the network, never see the developer's PLAYBOOK_* settings,
and share one read-only ingest of the bundled knowledge base (real model, real embedded Chroma)."""

from __future__ import annotations

import dataclasses
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from assistant.factory import build_services
from assistant.models import IngestSummary
from assistant.services import Services
from assistant.settings import BUNDLED_KNOWLEDGE_DIR, Settings
from ingest.pipeline import IngestPipeline, pipeline_for

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
KEEP_ENV = {"PLAYBOOK_TEST_DATABASE_URL"}
pytest_plugins = ["tests.integrations.slack.fake_slack"]  # the `fake` Slack Web API fixture (Slack, red-team suites)
F = TypeVar("F", bound=Callable[..., object])
SLOW_FIXTURES: set[str] = set()  # fixtures registered by @slow_fixture: every test that uses one is marked `slow`


def slow_fixture(function: F) -> F:
    """Mark ``slow`` every test that uses this fixture (put it under ``@pytest.fixture``): for fixtures that load the
    real embedding model or ingest the bundled knowledge base. Pytest ignores marks on fixtures, hence this."""
    SLOW_FIXTURES.add(function.__name__)
    return function


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clear PLAYBOOK_* variables and point the data dir at a temp folder."""
    for key in list(os.environ):
        if key.startswith("PLAYBOOK_") and key not in KEEP_ENV:
            monkeypatch.delenv(key)
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """Refuse connections to anything but loopback, so a test cannot phone home by accident."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in ("127.0.0.1", "::1", "localhost"):
            raise OSError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


def hash_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings with the deterministic hash embedder: fast plumbing tests, no model."""
    return Settings(data_dir=data_dir, embedding_model="hash", **overrides)  # type: ignore[arg-type]


def make_pipeline(services: Services) -> IngestPipeline:
    """The ingest pipeline the CLI and the API would use for these services (same locks)."""
    return pipeline_for(services)


@pytest.fixture(scope="session")
@slow_fixture
def kb_ingest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, IngestSummary]]:
    """The bundled knowledge base ingested once with the real embedding model, and the ingest's summary."""
    data_dir = tmp_path_factory.mktemp("kb")
    services = build_services(Settings(data_dir=data_dir))
    summary = make_pipeline(services).run([BUNDLED_KNOWLEDGE_DIR])
    assert summary.chunks > 100, summary
    services.warm_up()
    yield services, summary
    services.close()


@pytest.fixture(scope="session")
def kb_services(kb_ingest: tuple[Services, IngestSummary]) -> Services:
    """The services over the shared ingest of the bundled knowledge base (read-only: do not ingest)."""
    return kb_ingest[0]


@pytest.fixture(scope="session")
def kb_ingest_summary(kb_services: Services, kb_ingest: tuple[Services, IngestSummary]) -> IngestSummary:
    """What the shared ingest of the bundled knowledge base reported (chunks, warnings...)."""
    return kb_ingest[1]


@pytest.fixture
def own_crm(kb_services: Services, tmp_path: Path) -> Iterator[Services]:
    """The shared services with a CRM of their own (SQLite in tmp_path, seeded on first use): for tests that write.

    Only the database differs: the index, model and policy tables are the shared read-only ones.
    """
    settings = kb_services.settings.model_copy(update={"data_dir": tmp_path / "own-crm", "database_url": None})
    services = dataclasses.replace(kb_services, settings=settings, _crm=None, _crm_lock=threading.Lock())
    yield services
    if services._crm is not None:  # close only the CRM: the index and model belong to kb_services
        services._crm.db.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a :func:`slow_fixture` (the shared ingests), directly or through another."""
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
