"""``plan_draft``: everything a draft must say, decided once, before anyone words it.

The plan holds the client, the policy decision, the reply's language, the SLA clock and the time the reply
promises, and the other time phrases the policy allows. The template draft renders it
(:func:`assistant.drafting.service.template_draft`); a model-written draft words the same plan and is
checked against it (:func:`assistant.llm.agent.llm_draft`). Neither decides again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from assistant.drafting.checks import policy_times
from assistant.drafting.language import detect_message_language, language_name
from assistant.drafting.policy import ClientFacts, Decision, add_contact_codes, decide_refund, decide_rescue
from assistant.drafting.reasons import Reading, Reason, read
from assistant.drafting.render import format_due, has_template
from assistant.errors import InvalidInput
from assistant.models import DraftRequest
from assistant.policy.sla import SlaStatus, SlaTable, compute_status, promised_time
from assistant.policy.tables import PolicyData

if TYPE_CHECKING:
    from assistant.crm.repository import ClientRepository, InteractionRepository
    from assistant.crm.schemas import Client

CLOCK_SKEW = timedelta(minutes=5)  # a received time this far ahead of our clock is still accepted


@dataclass
class DraftPlan:
    """What a draft for one request must say: computed once, rendered by the template, worded by a model."""

    request: DraftRequest
    client: Client
    language: str  # the reply's
    message_language: str | None  # the customer's, when it can be told
    decision: Decision
    status: SlaStatus
    breached: bool
    promise: str  # the one time the reply promises, as the reply writes it
    allowed_times: tuple[str, ...]  # other time phrases the policy itself sets (a cancellation within N hours)
    offer: str | None  # the rescue offer the reply makes, in its language (None: no offer in this reply)


def facts(client: Client) -> ClientFacts:
    """The CRM facts the policy decision uses."""
    return ClientFacts(
        id=client.id,
        tier=client.tier,
        monthly_value=float(client.monthly_value),
        prior_refunds_12m=client.prior_refunds_12m,
        churn_risk=client.churn_risk,
        status=client.status,
    )


def decide(
    policy: PolicyData, interactions: InteractionRepository, request: DraftRequest, client: Client,
    reading: Reading | None = None,
) -> Decision:
    """The policy decision for a draft request (the customer's words only pick the reason).

    Args:
        policy: the policy tables.
        interactions: the CRM's interactions (a rescue counts the offers already made).
        request: the draft request.
        client: the client it is for, from the CRM.
        reading: the message already read (default: read it here).

    Returns:
        The decision, with notes on other and denied reasons.
    """
    default = Reason.DISSATISFACTION if request.kind == "refund" else Reason.INACTIVE
    reading = reading or read(request.message, default=default)
    if request.kind == "refund":
        decision = decide_refund(
            facts(client),
            reading.reason,
            policy,
            charge_amount=request.charge_amount,
            days_since_charge=request.days_since_charge,
        )
    else:
        prior = sum(1 for i in interactions.for_client(client.id, limit=50) if i.typification.startswith("RSC"))
        decision = decide_rescue(facts(client), reading.reason, policy, prior_offers=prior)
    add_contact_codes(decision, facts(client), policy)
    decision.other_reasons = list(reading.others)
    if reading.others:
        also = ", ".join(r.value.replace("_", " ") for r in reading.others)
        decision.notes.append(f"The message also mentions: {also}; the policy handles {reading.reason.value} first.")
    if reading.denied:
        denied = ", ".join(r.value.replace("_", " ") for r in reading.denied)
        decision.notes.append(f"The message denies: {denied} (not treated as a reason).")
    return decision


def check_request(request: DraftRequest, now: datetime) -> None:
    """Refuse values that make no sense: a charge of zero or less, a message received in the future.

    Raises:
        InvalidInput: with the field and the reason.
    """
    if request.charge_amount is not None and request.charge_amount <= 0:
        raise InvalidInput(f"charge_amount must be above 0 (got {request.charge_amount:g}); omit it if unknown")
    received = request.received_at
    if received is not None and received.tzinfo is not None and received - now > CLOCK_SKEW:
        raise InvalidInput(f"received_at {received.isoformat()} is in the future; give the time the client wrote")


def reply_language(policy: PolicyData, request: DraftRequest, client: Client) -> str:
    """The reply's language: asked for, else the client's, when a template of this kind exists in it; else English."""
    own = policy.folder / "templates" if policy.folder else None
    wanted = request.language or client.language
    return wanted if has_template(request.kind, wanted, own) else "en"


def language_notes(message: str, language: str, client: Client) -> tuple[str | None, list[str]]:
    """The message's language and notes when it differs from the reply's (or the client's has no template)."""
    written = detect_message_language(message)
    notes = []
    if client.language != language:
        notes.append(
            f"The client's language is {language_name(client.language)}; this reply is in {language_name(language)}."
        )
    if written is not None and written != language:
        notes.append(
            f"The customer wrote in {language_name(written)}; this reply is in {language_name(language)}: "
            f"have it checked by a {language_name(written)} speaker, or reply in their language."
        )
    return written, notes


def plan_draft(
    request: DraftRequest, *, clients: ClientRepository, interactions: InteractionRepository, policy: PolicyData,
    sla: SlaTable, now: datetime,
) -> DraftPlan:
    """Decide what the reply to ``request`` must say: action, amount, approvals, language, SLA and promise.

    Args:
        request: kind, client id, the customer's message, channel, language...
        clients: the CRM's clients (the facts come from there, never from the message).
        interactions: the CRM's interactions (earlier rescue offers).
        policy: the policy tables.
        sla: the SLA targets.
        now: the current time, timezone-aware.

    Returns:
        The plan every draft of this request follows.

    Raises:
        ClientNotFound: unknown client id.
        InvalidInput: a charge of 0 or less, or a message received in the future.
    """
    client = clients.get(request.client_id)
    tz = ZoneInfo(client.timezone)
    received = request.received_at or now
    received = received if received.tzinfo else received.replace(tzinfo=tz)
    check_request(request.model_copy(update={"received_at": received}), now)  # before any decision or clock
    language = reply_language(policy, request, client)
    decision = decide(policy, interactions, request, client)
    written, notes = language_notes(request.message, language, client)
    decision.notes.extend(notes)
    target = sla.get(client.tier, request.channel, decision.priority)
    status = compute_status(target, received, now=now, tz=tz)
    breached = "breached" in (status.state, status.resolution_state)
    promise = format_due(promised_time(target, status, now=now, tz=tz), tz, language)
    if breached:
        decision.notes.append(
            f"SLA breached (first response {status.state}, resolution {status.resolution_state}): the reply "
            "apologises and promises the next update one first-response target from now; record the breach."
        )
    offers = decision.kind == "rescue" and not decision.offer_after_fix
    return DraftPlan(
        request=request,
        client=client,
        language=language,
        message_language=written,
        decision=decision,
        status=status,
        breached=breached,
        promise=promise,
        allowed_times=policy_times(policy.cancellation_processing_hours),
        offer=policy.rescue[client.tier].offer(decision.offer_index or 0, language) if offers else None,
    )
