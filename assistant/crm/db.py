"""Engine and sessions of the CRM database: PostgreSQL when ``database_url`` is set, else SQLite in data_dir.

Nothing connects at import; :class:`Database` is built by the composition root and closed by its owner.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from assistant.crm.models import Base
from assistant.errors import ConfigError
from assistant.settings import Settings

SQLITE_FILENAME = "playbook.db"
SQLITE_BUSY_TIMEOUT_MS = 5000
SCHEMA_ATTEMPTS = 5
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


def create_schema(engine: Engine) -> None:
    """Create the CRM tables that do not exist yet (existing tables are left alone).

    Several workers starting at once on a fresh shared database race to create the same tables; the loser's
    ``CREATE TABLE`` fails, so it looks again (``create_all`` skips what now exists).

    Args:
        engine: Engine of the target database.

    Raises:
        DBAPIError: The tables still cannot be created after a few attempts.
    """
    import assistant.quiz.store  # noqa: F401 - registers the quiz tables on Base

    for attempt in range(1, SCHEMA_ATTEMPTS + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except DBAPIError:
            if attempt == SCHEMA_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)


class Database:
    """An engine and its session factory; the one handle repositories and seeding receive."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, create: bool = True) -> Database:
        """Build the database the settings select.

        Args:
            settings: Effective settings.
            create: Also create missing tables.

        Returns:
            An open :class:`Database`; call :meth:`close` when done.

        Raises:
            ConfigError: The database URL is invalid.
        """
        db = cls(make_engine(settings))
        if create:
            create_schema(db.engine)
        return db

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
