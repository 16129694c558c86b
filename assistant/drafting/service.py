"""``draft``: the deterministic refund/rescue reply for one client, checked against the policy."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from assistant.answer import make_citation
from assistant.drafting.checks import Violation, check_fields, check_text
from assistant.drafting.policy import ClientFacts, Decision, decide_refund, decide_rescue
from assistant.drafting.reasons import Reason, classify
from assistant.drafting.render import format_due, format_money, render
from assistant.errors import PlaybookError
from assistant.models import Citation, Draft, DraftRequest, DraftSla
from assistant.sla import compute_status

if TYPE_CHECKING:
    from assistant.crm.schemas import Client
    from assistant.factory import Services

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


def decide(services: Services, request: DraftRequest, client: Client) -> Decision:
    """The policy decision for a draft request (the customer's words only pick the reason)."""
    policy = services.policy
    if request.kind == "refund":
        return decide_refund(
            facts(client),
            classify(request.message),
            policy,
            charge_amount=request.charge_amount,
            days_since_charge=request.days_since_charge,
        )
    prior = sum(
        1 for i in services.crm.interactions.for_client(client.id, limit=50) if i.typification.startswith("RSC")
    )
    return decide_rescue(facts(client), classify(request.message, default=Reason.INACTIVE), policy, prior_offers=prior)


def _citations(services: Services, request: DraftRequest, decision: Decision, language: str) -> list[Citation]:
    group = "refund_error" if decision.recommended_action == "full_refund" else request.kind
    seen: dict[tuple[str, str], Citation] = {}
    for query in _CITATION_QUERIES[(group, language)]:
        results, _ = services.retriever.retrieve(query, language=language, k=1)
        for r in results:
            key = (r.chunk.doc_id, r.chunk.section)
            if key not in seen:
                seen[key] = make_citation(len(seen) + 1, r)
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
        IndexMissing: no playbook index to cite.
        DraftFailedChecks: the rendered draft broke a policy rule (a template bug).
    """
    now = now or datetime.now(UTC)
    client = services.crm.clients.get(request.client_id)
    language = request.language or (client.language if client.language in ("en", "es") else "en")
    decision = decide(services, request, client)
    tz = ZoneInfo(client.timezone)
    received = request.received_at or now
    received = received if received.tzinfo else received.replace(tzinfo=tz)
    target = services.sla.get(client.tier, request.channel, decision.priority)
    status = compute_status(target, received, now=now, tz=tz)
    promise = format_due(status.resolution_due, tz, language)
    text, allowed = compose_text(services, decision, client, language, promise)
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
    return Draft(
        kind=request.kind,
        language=language,
        draft=text,
        recommended_action=decision.recommended_action,
        client=client.model_dump(mode="json"),
        sla=DraftSla(
            channel=request.channel,
            priority=decision.priority,
            first_response_due=status.first_response_due,
            resolution_due=status.resolution_due,
            state=status.state,
            first_response_target=status.first_response_target,
            resolution_target=status.resolution_target,
            business_hours=status.business_hours,
        ),
        policy_citations=_citations(services, request, decision, language),
        typification=decision.typification,
        requires_approval=decision.requires_approval,
        escalate_to=decision.escalate_to,
        amount=decision.amount,
        currency=decision.currency,
        reason=decision.reason.value,
        notes=decision.notes,
        offer=services.policy.rescue[client.tier].offer(decision.offer_index or 0, language)
        if decision.kind == "rescue" and not decision.offer_after_fix
        else None,
    )


def compose_text(
    services: Services, decision: Decision, client: Client, language: str, promise: str
) -> tuple[str, tuple[str, ...]]:
    """Render the template for a decision; also return the time phrases the policy itself allows."""
    policy = services.policy
    hours = policy.cancellation_processing_hours
    context = {
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
    allowed = (f"within {hours} hours", f"dentro de {hours} horas")
    return render(decision.kind, language, context), allowed
