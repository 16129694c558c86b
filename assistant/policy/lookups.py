"""Client and SLA lookups, typed: one implementation for the CLI, HTTP and the agent's tools.

:func:`client_view` returns the CRM's :class:`~assistant.crm.schemas.Client` and :func:`sla_lookup` an
:class:`SlaLookup`; their ``model_dump(mode="json")`` are the ``client`` and ``sla`` JSON of PRODUCT.md, and the
HTTP routes declare them as response models so OpenAPI carries their schemas.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, PlainSerializer, WithJsonSchema

from assistant.errors import IndexMissing, InvalidSlaRequest
from assistant.models import Citation, ScoredChunk
from assistant.policy.durations import format_iso_duration, humanize
from assistant.policy.sla import SlaTable, SlaTarget, State, compute_status
from assistant.text import linearize_tables

if TYPE_CHECKING:
    from assistant.crm.repository import ClientRepository
    from assistant.crm.schemas import Client
    from assistant.retrieval.hybrid import HybridRetriever

# Due times are written as ``datetime.isoformat()`` ("+00:00", not pydantic's "Z"), as the JSON always was.
IsoInstant = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


def _unset(value: object) -> bool:
    """A clock field without a clock (no ``received_at``) is left out of the JSON, not written as null."""
    return value is None


class SlaLookup(BaseModel):
    """The ``sla`` JSON: a row's two targets and, when the contact's arrival is known, its clocks.

    The clock fields are left out of the JSON (not written as null) when no ``received_at`` was given.
    """

    tier: str
    channel: str
    priority: str
    first_response_target: str
    resolution_target: str
    business_hours: str | None
    first_response_due: IsoInstant | None = Field(None, exclude_if=_unset)
    resolution_due: IsoInstant | None = Field(None, exclude_if=_unset)
    state: State | None = Field(None, exclude_if=_unset)
    resolution_state: State | None = Field(None, exclude_if=_unset)
    first_response_left_seconds: float | None = Field(None, exclude_if=_unset)
    citation: Citation | None = None


def client_view(clients: ClientRepository, client_id: str) -> Client:
    """Look up one client.

    Args:
        clients: the CRM's client repository.
        client_id: the id as typed; case and surrounding blanks do not matter.

    Returns:
        The client; its JSON dump is the ``client`` JSON.

    Raises:
        ClientNotFound: unknown or malformed id.
    """
    return clients.get(client_id)


def sla_lookup(
    table: SlaTable,
    retriever: HybridRetriever,
    *,
    tier: str,
    channel: str,
    priority: str = "normal",
    received_at: datetime | None = None,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> SlaLookup:
    """Look up the targets for tier × channel × priority, with due times and state when ``received_at`` is given.

    Args:
        table: the SLA table (``sla.csv``).
        retriever: searches the playbook for the prose section that states the row (the citation).
        tier: A, B or C.
        channel: email, chat, phone, ticket or video.
        priority: urgent, high, normal or low.
        received_at: when the client wrote; a naive time is read in ``timezone``.
        timezone: the client's IANA zone (business hours are local).
        now: the current time (default: now).

    Returns:
        The lookup; its JSON dump is the ``sla`` JSON.

    Raises:
        InvalidSlaRequest: unknown tier, channel, priority or time zone.
        SlaNotFound: no target for that combination.
    """
    target = table.get(tier, channel, priority)
    clock: dict[str, Any] = {}
    if received_at is not None:
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSlaRequest(f"unknown time zone {timezone[:60]!r}") from None
        moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=tz)
        status = compute_status(target, moment, now=now or datetime.now(UTC), tz=tz)
        clock = {
            "first_response_due": status.first_response_due, "resolution_due": status.resolution_due,
            "state": status.state, "resolution_state": status.resolution_state,
            "first_response_left_seconds": status.first_response_left,
        }
    return SlaLookup(
        tier=target.tier, channel=target.channel, priority=target.priority,
        first_response_target=format_iso_duration(target.first_response),
        resolution_target=format_iso_duration(target.resolution), business_hours=target.business_hours,
        **clock, citation=_sla_citation(retriever, target),
    )


def _sla_citation(retriever: HybridRetriever, target: SlaTarget) -> Citation | None:
    """The prose section that states this row's two targets, or None (never an unrelated section).

    A section states the row when one of its lines (a table row, or a sentence) names the tier, the channel
    and the priority and gives both targets in words ("1 hour", "24 horas") or as ISO durations. The
    retrieved sections are tried first, then every section of the index.
    """
    query = f"SLA targets tier {target.tier} {target.channel} {target.priority} first response resolution"
    try:
        results, corpus = retriever.retrieve(query, language="en", k=8)
    except IndexMissing:
        return None
    candidates = [*results, *(ScoredChunk(chunk=c, score=0.0) for c in corpus.chunks)]
    found = next((r for r in candidates if _states_row(r.chunk.text, target)), None)
    return Citation.of(1, found) if found else None


def _figure(duration: timedelta) -> tuple[str, ...]:
    """Ways a document may write a target: in English or Spanish words, or as an ISO 8601 duration."""
    return (humanize(duration, "en").lower(), humanize(duration, "es").lower(), format_iso_duration(duration).lower())


def _has(line: str, words: tuple[str, ...]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", line) for w in words)


def _states_row(text: str, target: SlaTarget) -> bool:
    """True when a line of ``text`` names the row's tier, channel and priority and both of its targets."""
    for line in linearize_tables(text).lower().splitlines():
        if (
            _has(line, (target.tier.lower(),))
            and _has(line, (target.channel.lower(),))
            and _has(line, (target.priority.lower(),))
            and _has(line, _figure(target.first_response))
            and _has(line, _figure(target.resolution))
        ):
            return True
    return False
