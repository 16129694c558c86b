"""The "Escalate" handoff: which channel (per tier), who is tagged, and the card's facts (client, tier, SLA left)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assistant.errors import PlaybookError
from assistant.models import CLIENT_ID_SEARCH, Answer, Citation, Draft
from assistant.policy.lookups import sla_lookup
from integrations.slack import blocks
from integrations.slack.flows import SlackDeps
from integrations.slack.store import SlackRecord

ASSUMED_CHANNEL = "chat"  # a question asked in Slack is about a live contact; its customer channel is unknown


@dataclass
class Handoff:
    """Where the card goes and what it says."""

    channel: str
    blocks: list[dict[str, Any]]
    text: str


def format_left(due: datetime, now: datetime) -> str:
    """``2h 05m left`` or ``breached 10m ago``."""
    seconds = int((due - now).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    span = f"{hours}h {minutes:02d}m" if hours else f"{minutes}m"
    return f"{span} left" if seconds >= 0 else f"breached {span} ago"


def tag_for(settings_tags: dict[str, str], tier: str) -> str | None:
    """The Slack mention of who is tagged for ``tier`` (a user ``U…``/``W…`` or a user group ``S…``), if configured."""
    value = (settings_tags.get(tier) or settings_tags.get("any") or "").strip()
    if re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
        return f"<@{value}>"
    if re.fullmatch(r"S[A-Z0-9]{2,}", value):
        return f"<!subteam^{value}>"
    return None


def build_handoff(deps: SlackDeps, record: SlackRecord, requested_by: str, *, now: datetime | None = None) -> Handoff:
    """The handoff card of an answer or draft (blocking: looks up the client and the SLA).

    Args:
        deps: services, settings and store.
        record: the answer or draft the button belongs to.
        requested_by: Slack user id of whoever clicked "Escalate".
        now: the current time (default: now).

    Returns:
        The channel (settings override per tier, else the escalation table's), the card's blocks and text.
    """
    now = now or datetime.now(UTC)
    services, settings = deps.services, deps.settings
    citations: list[Citation]
    if record.kind == "draft":
        draft = Draft.model_validate(record.payload["draft"])
        client_label = f"{draft.client.get('name', '')} ({draft.client.get('id', '')})"
        tier = str(draft.client.get("tier", "any"))
        situation = "refund_or_credit_above_l1_limit" if draft.kind == "refund" else "cancellation_request"
        sla_left = (f"first response {format_left(draft.sla.first_response_due, now)}, "
                    f"resolution {format_left(draft.sla.resolution_due, now)} ({draft.sla.channel})")
        text, citations = draft.draft, draft.policy_citations
    else:
        answer = Answer.model_validate(record.payload)
        text, citations = answer.answer, answer.citations
        client_label, tier, situation, sla_left = "not identified in the question", "any", "", "n/a (no client)"
        match = CLIENT_ID_SEARCH.search(record.question)  # the one client-id rule, in free text
        if match:
            try:
                client = services.crm.clients.get(match.group(0))
                sla = sla_lookup(services.sla, services.retriever, tier=client.tier, channel=ASSUMED_CHANNEL,
                                 received_at=record.created_at, timezone=client.timezone, now=now)  # clocks set
                client_label, tier, situation = f"{client.name} ({client.id})", client.tier, "complaint_unresolved_24h"
                sla_left = (f"first response {format_left(sla.first_response_due or now, now)}, "
                            f"resolution {format_left(sla.resolution_due or now, now)} "
                            f"({ASSUMED_CHANNEL}, since the question)")
            except PlaybookError:
                pass
    row = (services.policy.escalation_for(situation, tier) if situation else None) or \
        services.policy.escalation_for("question_not_covered_by_playbook") or {}
    overrides = settings.slack_escalation_channels
    ask_owner, ask_channel = services.policy.who_to_ask()  # the company's own contact when no row names one
    channel = overrides.get(tier) or overrides.get("any") or str(row.get("slack_channel") or ask_channel)
    card = blocks.escalation_card(
        client=client_label, tier=tier, sla_left=sla_left, question=record.question, answer=text,
        citations=citations, owner=str(row.get("owner") or ask_owner),
        tag=tag_for(settings.slack_escalation_tags, tier), requested_by=requested_by,
    )
    return Handoff(channel=channel, blocks=card, text=f"Escalation: {blocks.esc(record.question[:200])}")
