"""Read and write CRM data through typed models; rows never leave this module."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from pydantic import ValidationError
from sqlalchemy import select

from assistant.crm.models import TABLES, ClientRow, InteractionRow
from assistant.crm.schemas import Client, Interaction, InteractionIn
from assistant.errors import ClientNotFound, InvalidClientData
from assistant.models import CLIENT_ID_RE, TIERS
from assistant.storage.engine import Database

MAX_HISTORY = 200


def normalize_client_id(client_id: str) -> str:
    """Return the canonical form of a client id (surrounding blanks removed, upper case).

    Args:
        client_id: An id as a person typed it, e.g. ``" c-1001 "``.

    Returns:
        The canonical id, e.g. ``"C-1001"``.

    Raises:
        ClientNotFound: The id is not of the form ``C-`` and four digits.
    """
    normalized = client_id.strip().upper()
    if not CLIENT_ID_RE.fullmatch(normalized):
        raise ClientNotFound(client_id.strip())
    return normalized


class ClientRepository:
    """Clients by id or tier."""

    def __init__(self, db: Database) -> None:
        self._db = db
        db.ensure(TABLES)

    def get(self, client_id: str) -> Client:
        """Return one client.

        Args:
            client_id: The client's id; case and surrounding blanks do not matter.

        Returns:
            The client.

        Raises:
            ClientNotFound: The id is malformed or unknown.
        """
        key = normalize_client_id(client_id)
        with self._db.session() as session:
            row = session.get(ClientRow, key)
            if row is None:
                raise ClientNotFound(key)
            return Client.model_validate(row, from_attributes=True)

    def list(self, tier: str | None = None) -> builtins.list[Client]:
        """Return the clients, ordered by id.

        Args:
            tier: Only this tier (``"A"``, ``"B"`` or ``"C"``, any case); ``None`` for all.

        Returns:
            The matching clients; empty for a tier that does not exist.
        """
        query = select(ClientRow).order_by(ClientRow.id)
        if tier is not None:
            wanted = tier.strip().upper()
            if wanted not in TIERS:
                return []
            query = query.where(ClientRow.tier == wanted)
        with self._db.session() as session:
            return [Client.model_validate(row, from_attributes=True) for row in session.scalars(query)]


class InteractionRepository:
    """Interactions recorded against clients."""

    def __init__(self, db: Database, typification_codes: Iterable[str]) -> None:
        self._db = db
        db.ensure(TABLES)
        self._codes = frozenset(code.strip().upper() for code in typification_codes)

    def record(self, item: InteractionIn) -> Interaction:
        """Validate and store one interaction.

        Args:
            item: The interaction; it is validated again here, so a model built with ``model_construct``
                or changed after construction cannot slip past the limits.

        Returns:
            The stored interaction, with its id and UTC creation time.

        Raises:
            ClientNotFound: The client id is malformed or unknown.
            InvalidClientData: A field is out of range or the typification code is unknown.
        """
        data = _revalidate(item)
        client_id = normalize_client_id(data.client_id)
        code = data.typification.upper()
        if code not in self._codes:
            raise InvalidClientData(f"Unknown typification code {code[:40]!r}.", column="typification")
        values = data.model_dump() | {"client_id": client_id, "typification": code}
        with self._db.session() as session:
            if session.get(ClientRow, client_id) is None:
                raise ClientNotFound(client_id)
            row = InteractionRow(**values)
            session.add(row)
            session.flush()
            return Interaction.model_validate(row, from_attributes=True)

    def for_client(self, client_id: str, limit: int = 20) -> list[Interaction]:
        """Return a client's interactions, newest first.

        Args:
            client_id: The client's id; case and surrounding blanks do not matter.
            limit: At most this many (clamped to 1..200).

        Returns:
            The interactions, newest first.

        Raises:
            ClientNotFound: The id is malformed or unknown.
        """
        key = normalize_client_id(client_id)
        query = (
            select(InteractionRow)
            .where(InteractionRow.client_id == key)
            .order_by(InteractionRow.created_at.desc(), InteractionRow.id.desc())
            .limit(max(1, min(limit, MAX_HISTORY)))
        )
        with self._db.session() as session:
            if session.get(ClientRow, key) is None:
                raise ClientNotFound(key)
            return [Interaction.model_validate(row, from_attributes=True) for row in session.scalars(query)]


def _revalidate(item: InteractionIn) -> InteractionIn:
    """Validate ``item``'s current values against the model's constraints."""
    try:
        return InteractionIn.model_validate(item.model_dump())
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        column = ".".join(str(part) for part in error["loc"]) or "?"
        raise InvalidClientData(f"Invalid interaction, {column}: {error['msg']}.", column=column) from None
