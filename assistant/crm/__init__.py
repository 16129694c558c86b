"""The embedded CRM: clients and interactions, in the application database (:mod:`assistant.storage`).

Seed it with :func:`ensure_seeded` and read or write through the repositories (which create the CRM's
``TABLES`` on first use); only the pydantic models of :mod:`assistant.crm.schemas` leave the package.
"""

from assistant.crm.models import TABLES
from assistant.crm.repository import ClientRepository, InteractionRepository, normalize_client_id
from assistant.crm.schemas import Client, Interaction, InteractionIn, SeedReport
from assistant.crm.seed import ensure_seeded, import_clients_csv, read_typification_codes, seed_from_data

__all__ = [
    "TABLES",
    "Client",
    "ClientRepository",
    "Interaction",
    "InteractionIn",
    "InteractionRepository",
    "SeedReport",
    "ensure_seeded",
    "import_clients_csv",
    "normalize_client_id",
    "read_typification_codes",
    "seed_from_data",
]
