"""Fixtures of the reliability suite: a real Chroma server (session-wide) and a ``backend`` parameter that runs a
test against the embedded store and against that server, each test in its own collection prefix and data dir."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from .chroma_server import ChromaServer, chroma_executable
from .helpers import Backend, pg_schema

PG_URL = os.environ.get("PLAYBOOK_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """A ``chroma run`` server on a free loopback port, stopped (terminate, then kill) after the session."""
    executable = chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` executable is not installed (pip install chromadb provides it)")
    server = ChromaServer(executable, tmp_path_factory.mktemp("chroma-server"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["embedded", pytest.param("server", marks=pytest.mark.integration)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """Embedded Chroma in the data dir, or the shared Chroma server; a fresh collection prefix per test."""
    url = request.getfixturevalue("chroma_server").url if request.param == "server" else None
    return Backend(name=request.param, chroma_url=url, prefix=f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=[
            pytest.mark.integration,
            pytest.mark.skipif(not PG_URL, reason="PLAYBOOK_TEST_DATABASE_URL is not set (PostgreSQL tests)"),
        ]),
    ]
)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make URLs of new, empty shared databases: SQLite files, or PostgreSQL schemas dropped afterwards."""
    with ExitStack() as stack:

        def make() -> str:
            if request.param == "sqlite":
                folder = tmp_path / f"shared-{uuid.uuid4().hex[:8]}"
                folder.mkdir()
                return f"sqlite:///{folder / 'crm.db'}"
            assert PG_URL
            return stack.enter_context(pg_schema(PG_URL))

        yield make
