"""``draft``: the deterministic refund/rescue reply for one client, checked against the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from assistant.drafting.checks import Violation, check_fields, check_text, policy_times
from assistant.drafting.language import detect_message_language, language_name
from assistant.drafting.policy import ClientFacts, Decision, add_contact_codes, decide_refund, decide_rescue
from assistant.drafting.reasons import Reading, Reason, read
from assistant.drafting.render import format_due, format_money, has_template, render
from assistant.errors import InvalidInput, PlaybookError
from assistant.models import Citation, Draft, DraftRequest, DraftSla
from assistant.policy.sla import compute_status, promised_time

if TYPE_CHECKING:
    from assistant.crm.schemas import Client
    from assistant.services import Services

CLOCK_SKEW = timedelta(minutes=5)  # a received time this far ahead of our clock is still accepted
# What each draft cites, per kind and reason, as queries in each language (the sections the decision applies).
_CITATION_QUERIES = {
    ("refund", "en"): ["credit-before-refund ladder", "refund window and credit cap by tier (L1 limits)"],
    ("refund", "es"): ["escalera de crédito antes del reembolso", "límites de reembolso y crédito por nivel"],
    ("refund_error", "en"): [
        "billing error or duplicate charge refunded in full",
        "refund window and credit cap by tier (L1 limits)",
    ],
    ("refund_error", "es"): ["errores de facturación y cargos duplicados", "límites de reembolso y crédito por nivel"],
    ("rescue", "en"): ["rescue offers by tier", "handling cancellations"],
    ("rescue", "es"): ["ofertas de rescate por nivel de cliente", "manejo de solicitudes de cancelación"],
}


class DraftFailedChecks(PlaybookError):
    """A draft broke a policy rule (only possible for a model-written draft, or a template bug)."""

    code = "draft_failed_checks"

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.code}: {v.detail}" for v in violations))
        self.violations = violations


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


def decide(services: Services, request: DraftRequest, client: Client, reading: Reading | None = None) -> Decision:
    """The policy decision for a draft request (the customer's words only pick the reason)."""
    policy = services.policy
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
        prior = sum(
            1 for i in services.crm.interactions.for_client(client.id, limit=50) if i.typification.startswith("RSC")
        )
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


def reply_language(services: Services, request: DraftRequest, client: Client) -> str:
    """The reply's language: asked for, else the client's, when a template of this kind exists in it; else English."""
    own = services.policy.folder / "templates" if services.policy.folder else None
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


def _citations(services: Services, request: DraftRequest, decision: Decision, language: str) -> list[Citation]:
    group = "refund_error" if decision.recommended_action == "full_refund" else request.kind
    seen: dict[tuple[str, str], Citation] = {}
    cited = language if (group, language) in _CITATION_QUERIES else "en"  # fr/de: the English sections
    for query in _CITATION_QUERIES[(group, cited)]:
        results, _ = services.retriever.retrieve(query, language=cited, k=1)
        for r in results:
            key = (r.chunk.doc_id, r.chunk.section)
            if key not in seen:
                seen[key] = Citation.of(len(seen) + 1, r)
    return list(seen.values())


def draft(services: Services, request: DraftRequest, *, now: datetime | None = None) -> Draft:
    """Draft a refund or rescue reply for one client, following and checked against the policy.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        request: kind, client id, the customer's message, channel, language...
        now: the current time (tests pass a fixed one).

    Returns:
        The draft with its recommended action, SLA, citations, typification and approvals.

    Raises:
        ClientNotFound: unknown client id.
        InvalidInput: a charge of 0 or less, or a message received in the future.
        IndexMissing: no playbook index to cite.
        DraftFailedChecks: the rendered draft broke a policy rule (a template bug).
    """
    now = now or datetime.now(UTC)
    client = services.crm.clients.get(request.client_id)
    tz = ZoneInfo(client.timezone)
    received = request.received_at or now
    received = received if received.tzinfo else received.replace(tzinfo=tz)
    check_request(request.model_copy(update={"received_at": received}), now)  # before any decision or clock
    language = reply_language(services, request, client)
    decision = decide(services, request, client)
    written, notes = language_notes(request.message, language, client)
    decision.notes.extend(notes)
    target = services.sla.get(client.tier, request.channel, decision.priority)
    status = compute_status(target, received, now=now, tz=tz)
    breached = "breached" in (status.state, status.resolution_state)
    promise = format_due(promised_time(target, status, now=now, tz=tz), tz, language)
    if breached:
        decision.notes.append(
            f"SLA breached (first response {status.state}, resolution {status.resolution_state}): the reply "
            "apologises and promises the next update one first-response target from now; record the breach."
        )
    text, allowed = compose_text(services, decision, client, language, promise, breached=breached)
    _check(text, decision, client, promise, allowed)
    return Draft(
        kind=request.kind,
        language=language,
        draft=text,
        recommended_action=decision.recommended_action,
        client=client.model_dump(mode="json"),
        sla=DraftSla(channel=request.channel, priority=decision.priority, **status.model_dump(include=_SLA_FIELDS)),
        policy_citations=_citations(services, request, decision, language),
        typification=decision.typification,
        requires_approval=decision.requires_approval,
        escalate_to=decision.escalate_to,
        amount=decision.amount,
        currency=decision.currency,
        reason=decision.reason.value,
        notes=decision.notes,
        secondary_typifications=decision.secondary_codes,
        verification_required=not decision.verified,
        message_language=written,
        other_reasons=[r.value for r in decision.other_reasons],
        offer=services.policy.rescue[client.tier].offer(decision.offer_index or 0, language)
        if decision.kind == "rescue" and not decision.offer_after_fix
        else None,
    )


_SLA_FIELDS = {
    "first_response_due", "resolution_due", "state", "first_response_target", "resolution_target", "business_hours"
}


def _check(text: str, decision: Decision, client: Client, promise: str, allowed: tuple[str, ...]) -> None:
    """Refuse a rendered draft that breaks a policy rule (a template bug)."""
    fields = {
        "recommended_action": decision.recommended_action,
        "typification": decision.typification,
        "requires_approval": decision.requires_approval,
        "escalate_to": decision.escalate_to,
        "amount": decision.amount,
    }
    violations = check_text(text, decision, client_name=client.name, sla_promise=promise, allowed_times=allowed)
    violations += check_fields(fields, decision)
    if violations:
        raise DraftFailedChecks(violations)


def compose_text(
    services: Services, decision: Decision, client: Client, language: str, promise: str, *, breached: bool = False
) -> tuple[str, tuple[str, ...]]:
    """Render the template for a decision; also return the time phrases the policy itself allows."""
    policy = services.policy
    hours = policy.cancellation_processing_hours
    context = {
        "company": policy.company_name,
        "sign_off": policy.sign_off(language),
        "breached": breached,
        "name": client.name,
        "reason": decision.reason.value,
        "action": decision.recommended_action,
        "amount": format_money(decision.amount, decision.currency, language) if decision.amount is not None else "",
        "requires_approval": decision.requires_approval,
        "approver": decision.approver or "",
        "sla_promise": promise,
        "cancellation_hours": hours,
    }
    if decision.kind == "rescue":
        offers = policy.rescue[client.tier]
        context.update(
            offer=offers.offer(decision.offer_index or 0, language),
            owner=offers.owner,
            contact_days=offers.contact_within_business_days,
            offer_after_fix=decision.offer_after_fix,
        )
    allowed = policy_times(hours)
    own = policy.folder / "templates" if policy.folder else None
    return render(decision.kind, language, context, own=own), allowed
