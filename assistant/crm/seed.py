"""Load the CRM tables from the bundled CSV files: validated in full first, then upserted in one transaction.

Seeding is idempotent: a second run with the same files changes nothing, a changed row is updated in
place, and rows that only exist in the database (added through the app) are kept.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from assistant.crm.models import TABLES, ClientRow
from assistant.crm.schemas import Client, SeedReport
from assistant.errors import ConfigError, InvalidClientData
from assistant.storage.base import utcnow
from assistant.storage.engine import Database

CLIENTS_FILE = "clients.csv"
TYPIFICATION_FILE = "typification.csv"
_SHOWN = 40
_M = TypeVar("_M", bound=BaseModel)


def seed_from_data(db: Database, data_dir: Path) -> SeedReport:
    """Upsert ``clients.csv`` from ``data_dir``; the whole file is validated before any write.

    The SLA is not stored: it is read from ``sla.csv`` (:class:`~assistant.policy.sla.SlaTable`).

    Args:
        db: Target database (the CRM tables are created if missing).
        data_dir: Folder holding the CSV files (``Settings.policy_data_dir``).

    Returns:
        How many clients were added or updated.

    Raises:
        ConfigError: The CSV file is missing.
        InvalidClientData: A row is invalid; the message names the file, line and column.
    """
    return import_clients_csv(db, data_dir / CLIENTS_FILE)


def import_clients_csv(db: Database, path: Path) -> SeedReport:
    """Upsert the clients of one CSV file (same columns as the bundled ``clients.csv``).

    Every row is validated first; on the first bad row nothing is written.

    Args:
        db: Target database (the CRM tables are created if missing).
        path: The CSV file.

    Returns:
        How many clients were added or updated.

    Raises:
        ConfigError: The file does not exist.
        InvalidClientData: A row is invalid; the message names the file, line and column.
    """
    clients = _read_clients(path)
    db.ensure(TABLES)
    with db.session() as session:
        added, updated = _upsert_clients(session, clients)
    return SeedReport(clients_added=added, clients_updated=updated)


def ensure_seeded(db: Database, data_dir: Path) -> SeedReport | None:
    """Seed from ``data_dir`` when the clients table is empty; otherwise one cheap query and nothing else.

    Args:
        db: Target database (the CRM tables are created if missing).
        data_dir: Folder holding the CSV files.

    Returns:
        The seeding report, or ``None`` when the database already had clients.

    Raises:
        ConfigError: A CSV file is missing.
        InvalidClientData: A CSV row is invalid.
    """
    db.ensure(TABLES)
    if _has_clients(db):
        return None
    try:
        return seed_from_data(db, data_dir)
    except (IntegrityError, OperationalError):
        # Another process seeded at the same moment: its rows are as good as ours.
        if _has_clients(db):
            return None
        raise


def read_typification_codes(path: Path) -> frozenset[str]:
    """Return the interaction codes of ``typification.csv`` (its ``code`` column), upper-cased.

    Args:
        path: The typification CSV file.

    Returns:
        The set of allowed codes, for :class:`~assistant.crm.repository.InteractionRepository`.

    Raises:
        ConfigError: The file does not exist or has no ``code`` column.
    """
    rows = list(_csv_rows(path))
    if rows and "code" not in rows[0][1]:
        raise ConfigError(f"{path.name} has no 'code' column.")
    return frozenset(row["code"].strip().upper() for _, row in rows if (row.get("code") or "").strip())


def _has_clients(db: Database) -> bool:
    """Whether the clients table holds at least one row."""
    with db.session() as session:
        return session.execute(select(ClientRow.id).limit(1)).first() is not None


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, row) pairs; the header is line 1."""
    if not path.is_file():
        raise ConfigError(f"Data file not found: {path}")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def _read_clients(path: Path) -> list[Client]:
    """Validate every client row of ``path``."""
    return _read_csv(path, Client, key=lambda c: c.id)


def _read_csv(path: Path, model: type[_M], *, key: Any) -> list[_M]:
    """Validate every row of ``path`` as ``model``; refuse duplicate keys. Raise on the first bad row."""
    columns = list(model.model_fields)
    items: list[_M] = []
    seen: dict[Any, int] = {}
    for line, row in _csv_rows(path):
        missing = [c for c in columns if c not in row and model.model_fields[c].is_required()]
        if missing:
            raise InvalidClientData(f"{path.name} line 1: missing column {missing[0]!r}.", line=1, column=missing[0])
        if None in row:
            raise InvalidClientData(f"{path.name} line {line}: more fields than columns.", line=line)
        values = {c: (row[c] if row.get(c) not in ("", None) else None) for c in columns if c in row}
        try:
            item = model.model_validate(values)
        except ValidationError as exc:
            raise _row_error(path, line, exc) from None
        first = seen.setdefault(key(item), line)
        if first != line:
            column = columns[0]
            raise InvalidClientData(
                f"{path.name} line {line}, column {column!r}: duplicate of line {first}.", line=line, column=column
            )
        items.append(item)
    return items


def _row_error(path: Path, line: int, exc: ValidationError) -> InvalidClientData:
    """Turn pydantic's first error into one line naming the file, line, column and (shortened) value."""
    error = exc.errors(include_url=False)[0]
    column = str(error["loc"][0]) if error["loc"] else "?"
    value = error.get("input")
    shown = "empty" if value is None else repr(str(value)[:_SHOWN])
    return InvalidClientData(
        f"{path.name} line {line}, column {column!r}: {error['msg']} (got {shown}).", line=line, column=column
    )


def _upsert_clients(session: Session, clients: list[Client]) -> tuple[int, int]:
    """Insert new clients and update changed ones; return (added, updated)."""
    existing = {row.id: row for row in session.scalars(select(ClientRow))}
    added = updated = 0
    now = utcnow()
    for client in clients:
        values = client.model_dump()
        row = existing.get(client.id)
        if row is None:
            session.add(ClientRow(**values, updated_at=now))
            added += 1
        elif _apply(row, values):
            row.updated_at = now
            updated += 1
    return added, updated


def _apply(row: Any, values: dict[str, Any]) -> bool:
    """Copy the differing values onto ``row``; return whether anything changed."""
    changed = False
    for name, value in values.items():
        current = getattr(row, name)
        same = (
            round(float(current), 2) == round(float(value), 2)
            if isinstance(value, float) and current is not None
            else current == value
        )
        if not same:
            setattr(row, name, value)
            changed = True
    return changed
