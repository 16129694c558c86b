"""The shared declarative base and column types of every table in the application database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Table, TypeDecorator
from sqlalchemy.orm import DeclarativeBase


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        stamp: datetime = value
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table; each feature declares its own ``TABLES`` and creates only those."""


def tables_of(*models: type[Base]) -> tuple[Table, ...]:
    """Return the tables of ``models``, in order: what a feature declares as its ``TABLES``.

    Args:
        models: Mapped classes of one feature.

    Returns:
        Their :class:`~sqlalchemy.Table` objects, for :meth:`~assistant.storage.engine.Database.ensure`.
    """
    return tuple(Base.metadata.tables[m.__tablename__] for m in models)
