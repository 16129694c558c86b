"""Fixtures of the red-team tests: two knowledge bases over the bundled playbook, with the hash embedder.

``clean_kb`` is the bundled playbook alone; ``planted_kb`` is the same playbook plus ``corpus/planted/`` (documents
with instructions aimed at an AI, hidden text and encoded payloads). Both are ingested once per session into
throwaway data dirs and are read-only for the tests: a test that ingests builds its own corpus. Both ingest the
whole bundled knowledge base, so the tests that use them are marked ``slow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.factory import build_services
from assistant.models import IngestSummary
from assistant.services import Services
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from tests.conftest import make_pipeline, slow_fixture
from tests.integrations.http.helpers import clean_hash_settings

CORPUS = Path(__file__).parent / "corpus"
PLANTED = CORPUS / "planted"
NOW = datetime(2025, 3, 4, 15, 0, tzinfo=UTC)  # a Tuesday afternoon: every SLA clock is running


def _kb(data_dir: Path, paths: list[Path]) -> tuple[Services, IngestSummary]:
    services = build_services(clean_hash_settings(data_dir))
    summary = make_pipeline(services).run(paths)
    services.warm_up()
    return services, summary


@pytest.fixture(scope="session")
@slow_fixture
def clean_ingest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, IngestSummary]]:
    """The bundled playbook (hash embedder), and its ingest summary."""
    services, summary = _kb(tmp_path_factory.mktemp("clean-kb"), [BUNDLED_KNOWLEDGE_DIR])
    yield services, summary
    services.close()


@pytest.fixture(scope="session")
@slow_fixture
def planted_ingest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Services, IngestSummary]]:
    """The bundled playbook plus the planted documents, and its ingest summary."""
    services, summary = _kb(tmp_path_factory.mktemp("planted-kb"), [BUNDLED_KNOWLEDGE_DIR, PLANTED])
    yield services, summary
    services.close()


@pytest.fixture(scope="session")
def clean_kb(clean_ingest: tuple[Services, IngestSummary]) -> Services:
    """The services over the bundled playbook alone."""
    return clean_ingest[0]


@pytest.fixture(scope="session")
def planted_kb(planted_ingest: tuple[Services, IngestSummary]) -> Services:
    """The services over the bundled playbook plus the planted documents."""
    return planted_ingest[0]
