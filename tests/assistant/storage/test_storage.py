"""The application database: engine settings, and schema creation from each feature's declared tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Table, inspect

from assistant import crm
from assistant.errors import ConfigError
from assistant.quiz import store as quiz_store
from assistant.settings import Settings
from assistant.storage import Database, make_engine
from assistant.storage import feedback as feedback_store
from assistant.storage import jobs as job_store
from assistant.storage.feedback import FeedbackIn, FeedbackRepository
from assistant.storage.jobs import IngestJobRepository


def table_names(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def names(tables: tuple[Table, ...]) -> set[str]:
    return {t.name for t in tables}


def test_sqlite_file_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    """The default SQLite DB is not in data_dir, or lacks WAL / foreign keys / busy timeout."""
    settings = Settings(data_dir=tmp_path / "fresh" / "dir")
    with Database.from_settings(settings) as db, db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
    assert (tmp_path / "fresh" / "dir" / "playbook.db").is_file()


def test_make_engine_picks_psycopg_and_rejects_bad_urls(tmp_path: Path) -> None:
    """A driverless postgresql:// URL does not get psycopg 3, or a malformed URL escapes as a raw error."""
    for raw in ("postgresql://u:secret@127.0.0.1:5432/x", "postgres://u@127.0.0.1/x"):
        engine = make_engine(Settings(data_dir=tmp_path, database_url=SecretStr(raw)))
        assert engine.url.drivername == "postgresql+psycopg"
        engine.dispose()
    with pytest.raises(ConfigError) as info:
        make_engine(Settings(data_dir=tmp_path, database_url=SecretStr("not a url :secret")))
    assert "secret" not in info.value.message


def test_a_feature_creates_exactly_its_own_tables(db: Database) -> None:
    """A failure means which tables exist depends on what else was imported (or the SLA table came back)."""
    assert table_names(db) == set()
    FeedbackRepository(db).record(FeedbackIn(answer_id="a-1", rating="up"))
    assert table_names(db) == names(feedback_store.TABLES)
    IngestJobRepository(db)
    quiz_store.QuizRepository(db)
    crm.ClientRepository(db)
    expected = names(feedback_store.TABLES + job_store.TABLES + quiz_store.TABLES + crm.TABLES)
    assert table_names(db) == expected
    assert "sla_policies" not in expected


def test_ensure_is_idempotent_and_keeps_rows(db: Database) -> None:
    """A failure means a second repository (another request, another worker) recreates or empties a table."""
    FeedbackRepository(db).record(FeedbackIn(answer_id="a-1", rating="down"))
    db.ensure(feedback_store.TABLES)
    again = Database(db.engine)  # a second handle on the same database, as another worker would have
    assert FeedbackRepository(again).count() == 1


def test_storage_imports_no_feature() -> None:
    """A failure means storage imports a feature (a cycle in the making: features import storage)."""
    code = (
        "import sys, assistant.storage, assistant.storage.feedback, assistant.storage.jobs; "
        "print(sorted(m for m in sys.modules if m.startswith(('assistant.crm', 'assistant.quiz', 'integrations'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
