"""Database fixtures shared by the CRM and storage tests: each test gets its own empty database, a SQLite
file in tmp_path and, when PLAYBOOK_TEST_DATABASE_URL is set, a fresh PostgreSQL schema dropped at teardown."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, make_url, text

from assistant.settings import Settings
from assistant.storage import Database

PG_URL = os.environ.get("PLAYBOOK_TEST_DATABASE_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.integration,
            pytest.mark.skipif(not PG_URL, reason="PLAYBOOK_TEST_DATABASE_URL is not set (PostgreSQL tests)"),
        ],
    ),
]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    assert PG_URL
    schema = f"db_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # No driver on purpose: make_engine must pick psycopg 3.
    yield (
        make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    )
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables yet: each feature creates its own) on each backend."""
    url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    settings = Settings(data_dir=tmp_path / "data", database_url=SecretStr(url) if url else None)
    database = Database.from_settings(settings)
    assert database.engine.dialect.name == request.param
    yield database
    database.close()


