"""Schema creation: each feature declares its tables, and they are created when the feature is first used.

No module is imported for the side effect of registering tables, and which tables exist never depends on
what happened to be imported: a repository passes its feature's ``TABLES`` to :func:`create_schema` (through
:meth:`~assistant.storage.engine.Database.ensure`), which creates exactly those that are missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from sqlalchemy import Engine, Table
from sqlalchemy.exc import DBAPIError

from assistant.storage.base import Base

SCHEMA_ATTEMPTS = 5


def create_schema(engine: Engine, tables: Iterable[Table]) -> None:
    """Create the given tables where they do not exist yet (existing tables are left alone).

    Several workers starting at once on a fresh shared database race to create the same tables; the loser's
    ``CREATE TABLE`` fails, so it looks again (``create_all`` skips what now exists).

    Args:
        engine: Engine of the target database.
        tables: The tables of one or more features (a table's foreign keys must point inside the set or at
            tables that already exist).

    Raises:
        DBAPIError: The tables still cannot be created after a few attempts.
    """
    wanted = list(tables)
    for attempt in range(1, SCHEMA_ATTEMPTS + 1):
        try:
            Base.metadata.create_all(engine, tables=wanted)
            return
        except DBAPIError:
            if attempt == SCHEMA_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
