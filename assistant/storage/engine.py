"""Engine and sessions of the application database: PostgreSQL when ``database_url`` is set, else SQLite.

Nothing connects at import; :class:`Database` is built by the composition root and closed by its owner. The
CRM, feedback, ingest jobs, quizzes and Slack's memory share it; each creates its own tables on first use.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Engine, Table, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import ConfigError
from assistant.settings import Settings
from assistant.storage.schema import create_schema

SQLITE_FILENAME = "playbook.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
# URLs without a driver get the one we ship: psycopg 3 (SQLAlchemy would otherwise pick psycopg2).
_DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "postgres": "postgresql+psycopg"}


def database_url(settings: Settings) -> URL:
    """Return the SQLAlchemy URL the settings select.

    Args:
        settings: Effective settings; ``database_url`` wins, else SQLite at ``data_dir / "playbook.db"``.

    Returns:
        The URL, with ``postgresql://`` turned into ``postgresql+psycopg://``.

    Raises:
        ConfigError: ``database_url`` is not a valid SQLAlchemy URL.
    """
    if settings.database_url is None:
        return URL.create("sqlite+pysqlite", database=str(settings.data_dir / SQLITE_FILENAME))
    try:
        url = make_url(settings.database_url.get_secret_value())
    except ArgumentError:
        # The URL may hold a password: do not echo it.
        raise ConfigError("PLAYBOOK_DATABASE_URL is not a valid database URL (dialect+driver://...).") from None
    return url.set(drivername=_DEFAULT_DRIVERS.get(url.drivername, url.drivername))


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database (nothing connects yet).

    For SQLite the data dir is created, and every connection gets WAL journaling, foreign keys and a
    busy timeout, so a CLI and a server can share the file.

    Args:
        settings: Effective settings.

    Returns:
        A SQLAlchemy engine; dispose of it (or close the owning :class:`Database`) when done.

    Raises:
        ConfigError: ``database_url`` is invalid or names a driver that is not installed.
    """
    url = database_url(settings)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise ConfigError(f"Cannot use database driver {url.drivername!r}: {exc.__class__.__name__}.") from None


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Per-connection SQLite settings: WAL for concurrent readers, FK enforcement, wait instead of failing."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


class Database:
    """An engine and its session factory; the one handle repositories and seeding receive."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._ensured: set[str] = set()
        self._ensure_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """Build the database the settings select (no table is created until a feature asks).

        Args:
            settings: Effective settings.

        Returns:
            An open :class:`Database`; call :meth:`close` when done.

        Raises:
            ConfigError: The database URL is invalid.
        """
        return cls(make_engine(settings))

    def ensure(self, tables: Iterable[Table]) -> None:
        """Create the tables of a feature that are missing; once per table and :class:`Database`.

        Repositories call this in their constructor with their feature's ``TABLES``, so a feature's tables
        exist before it is used, whatever else was imported or created.

        Args:
            tables: The feature's declared tables.

        Raises:
            DBAPIError: The tables cannot be created.
        """
        wanted = [t for t in tables if t.name not in self._ensured]
        if not wanted:
            return
        with self._ensure_lock:
            wanted = [t for t in wanted if t.name not in self._ensured]
            if wanted:
                create_schema(self.engine, wanted)
                self._ensured.update(t.name for t in wanted)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a session that commits when the block ends and rolls back if it raises.

        Yields:
            The session; one block is one transaction.
        """
        with self._sessions() as session, session.begin():
            yield session

    @property
    def shared_across_hosts(self) -> bool:
        """True for a server database (PostgreSQL) that API workers on several hosts share."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def advisory_lock(self, name: str) -> Iterator[bool]:
        """Try to hold a lock named ``name`` for the block, across every host sharing this database.

        PostgreSQL's session advisory lock, on a connection held for the block: if the holder dies (kill -9,
        a lost host), the server ends its session and the lock is free again, so a crash never blocks the next
        holder. On SQLite (one host) it yields True: the file lock of the data dir already serialises.

        Yields:
            Whether the lock was taken (False: someone else holds it; do not proceed).
        """
        if not self.shared_across_hosts:
            yield True
            return
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        with self.engine.connect() as conn:
            taken = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield taken
            finally:
                if taken:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
