"""Client and SLA lookups as the PRODUCT.md JSON: one implementation for the CLI, HTTP and the agent's tools."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.errors import IndexMissing, InvalidSlaRequest
from assistant.models import Citation, ScoredChunk
from assistant.policy.durations import format_iso_duration, humanize
from assistant.policy.sla import SlaTarget, compute_status
from assistant.text import linearize_tables

if TYPE_CHECKING:
    from assistant.services import Services


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
    out["citation"] = _sla_citation(services, target)
    return out


def _sla_citation(services: Services, target: SlaTarget) -> dict[str, Any] | None:
    """The prose section that states this row's two targets, or None (never an unrelated section).

    A section states the row when one of its lines (a table row, or a sentence) names the tier, the channel
    and the priority and gives both targets in words ("1 hour", "24 horas") or as ISO durations. The
    retrieved sections are tried first, then every section of the index.
    """
    query = f"SLA targets tier {target.tier} {target.channel} {target.priority} first response resolution"
    try:
        results, corpus = services.retriever.retrieve(query, language="en", k=8)
    except IndexMissing:
        return None
    candidates = [*results, *(ScoredChunk(chunk=c, score=0.0) for c in corpus.chunks)]
    found = next((r for r in candidates if _states_row(r.chunk.text, target)), None)
    return Citation.of(1, found).model_dump(mode="json") if found else None


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
