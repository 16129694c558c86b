"""The embedded CRM: clients, SLA policies and interactions in SQLite (default) or PostgreSQL.

Build a :class:`Database` in the composition root, seed it with :func:`ensure_seeded`, and read or
write through the repositories; only the pydantic models of :mod:`assistant.crm.schemas` leave the package.
"""

from assistant.crm.db import Database, create_schema, make_engine
from assistant.crm.repository import (
    ClientRepository,
    InteractionRepository,
    SlaPolicyRepository,
    normalize_client_id,
)
from assistant.crm.schemas import Client, Interaction, InteractionIn, SeedReport, SlaPolicy
from assistant.crm.seed import ensure_seeded, import_clients_csv, read_typification_codes, seed_from_data

__all__ = [
    "Client",
    "ClientRepository",
    "Database",
    "Interaction",
    "InteractionIn",
    "InteractionRepository",
    "SeedReport",
    "SlaPolicy",
    "SlaPolicyRepository",
    "create_schema",
    "ensure_seeded",
    "import_clients_csv",
    "make_engine",
    "normalize_client_id",
    "read_typification_codes",
    "seed_from_data",
]
