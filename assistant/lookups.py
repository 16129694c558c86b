"""Client and SLA lookups as the PRODUCT.md JSON: one implementation for the CLI, HTTP and the agent's tools."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import IndexMissing, InvalidSlaRequest
from assistant.sla import compute_status, format_iso_duration

if TYPE_CHECKING:
    from assistant.factory import Services


def client_json(services: Services, client_id: str) -> dict[str, Any]:
    """The ``client`` JSON of one client.

    Raises:
        ClientNotFound: unknown or malformed id.
    """
    return services.crm.clients.get(client_id).model_dump(mode="json")


def sla_json(
    services: Services, tier: str, channel: str, priority: str = "normal", *, received_at: datetime | None = None,
    timezone: str = "UTC", now: datetime | None = None,
) -> dict[str, Any]:
    """The ``sla`` JSON: targets for tier × channel × priority, due times and state when ``received_at`` is given.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        tier: A, B or C.
        channel: email, chat, phone, ticket or video.
        priority: urgent, high, normal or low.
        received_at: when the client wrote; a naive time is read in ``timezone``.
        timezone: the client's IANA zone (business hours are local).
        now: the current time (default: now).

    Raises:
        InvalidSlaRequest: unknown tier, channel, priority or time zone.
        SlaNotFound: no target for that combination.
    """
    target = services.sla.get(tier, channel, priority)
    out: dict[str, Any] = {
        "tier": target.tier, "channel": target.channel, "priority": target.priority,
        "first_response_target": format_iso_duration(target.first_response),
        "resolution_target": format_iso_duration(target.resolution), "business_hours": target.business_hours,
    }
    if received_at is not None:
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidSlaRequest(f"unknown time zone {timezone[:60]!r}") from None
        moment = received_at if received_at.tzinfo else received_at.replace(tzinfo=tz)
        status = compute_status(target, moment, now=now or datetime.now(UTC), tz=tz)
        out.update(
            first_response_due=status.first_response_due.isoformat(), resolution_due=status.resolution_due.isoformat(),
            state=status.state, resolution_state=status.resolution_state,
            first_response_left_seconds=status.first_response_left,
        )
    out["citation"] = _sla_citation(services, target.tier)
    return out


def _sla_citation(services: Services, tier: str) -> dict[str, Any] | None:
    """The prose section that states the targets (best effort: none without an index)."""
    try:
        results, _ = services.retriever.retrieve(f"SLA targets Tier {tier} targets", language="en", k=1)
    except IndexMissing:
        return None
    if not results:
        return None
    chunk = results[0].chunk
    return {"n": 1, "doc_id": chunk.doc_id, "title": chunk.title, "section": chunk.section, "source": chunk.source,
            "score": round(results[0].score, 4), "chunk_id": chunk.id}
