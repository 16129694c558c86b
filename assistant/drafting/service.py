"""``template_draft``: the deterministic refund/rescue reply that renders a :class:`~assistant.drafting.plan.DraftPlan`.

The plan decides; this module words it with the templates (``templates/*.j2``), checks the text and fields
against the decision, cites the playbook sections the decision applies, and builds the ``Draft`` JSON.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.drafting.checks import Violation, check_fields, check_text
from assistant.drafting.plan import DraftPlan
from assistant.drafting.policy import Decision
from assistant.drafting.render import format_money, render
from assistant.errors import PlaybookError
from assistant.models import Citation, Draft, DraftSla
from assistant.policy.tables import PolicyData

if TYPE_CHECKING:
    from assistant.retrieval.hybrid import HybridRetriever

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
_SLA_FIELDS = {
    "first_response_due", "resolution_due", "state", "first_response_target", "resolution_target", "business_hours"
}


class DraftFailedChecks(PlaybookError):
    """A draft broke a policy rule (only possible for a model-written draft, or a template bug)."""

    code = "draft_failed_checks"

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.code}: {v.detail}" for v in violations))
        self.violations = violations


def template_draft(plan: DraftPlan, *, policy: PolicyData, retriever: HybridRetriever) -> Draft:
    """Render a plan with the templates, check it, and cite the policy it applies.

    Args:
        plan: from :func:`assistant.drafting.plan.plan_draft`.
        policy: the policy tables (company name, sign-off, offers, own templates).
        retriever: to find the playbook sections the draft cites.

    Returns:
        The draft with its recommended action, SLA, citations, typification and approvals.

    Raises:
        IndexMissing: no playbook index to cite.
        DraftFailedChecks: the rendered draft broke a policy rule (a template bug).
    """
    decision, client, request = plan.decision, plan.client, plan.request
    clocks = plan.status.model_dump(include=_SLA_FIELDS)
    text = compose_text(plan, policy)
    _check(text, plan)
    return Draft(
        kind=request.kind,
        language=plan.language,
        draft=text,
        recommended_action=decision.recommended_action,
        client=client.model_dump(mode="json"),
        sla=DraftSla(channel=request.channel, priority=decision.priority, **clocks),
        policy_citations=_citations(retriever, request.kind, decision, plan.language),
        typification=decision.typification,
        requires_approval=decision.requires_approval,
        escalate_to=decision.escalate_to,
        amount=decision.amount,
        currency=decision.currency,
        reason=decision.reason.value,
        notes=decision.notes,
        secondary_typifications=decision.secondary_codes,
        verification_required=not decision.verified,
        message_language=plan.message_language,
        other_reasons=[r.value for r in decision.other_reasons],
        offer=plan.offer,
    )


def compose_text(plan: DraftPlan, policy: PolicyData) -> str:
    """Render the template of the plan's kind and language."""
    decision, client, language = plan.decision, plan.client, plan.language
    context = {
        "company": policy.company_name,
        "sign_off": policy.sign_off(language),
        "breached": plan.breached,
        "name": client.name,
        "reason": decision.reason.value,
        "action": decision.recommended_action,
        "amount": format_money(decision.amount, decision.currency, language) if decision.amount is not None else "",
        "requires_approval": decision.requires_approval,
        "approver": decision.approver or "",
        "sla_promise": plan.promise,
        "cancellation_hours": policy.cancellation_processing_hours,
    }
    if decision.kind == "rescue":
        offers = policy.rescue[client.tier]
        context.update(
            offer=offers.offer(decision.offer_index or 0, language),
            owner=offers.owner,
            contact_days=offers.contact_within_business_days,
            offer_after_fix=decision.offer_after_fix,
        )
    own = policy.folder / "templates" if policy.folder else None
    return render(decision.kind, language, context, own=own)


def _check(text: str, plan: DraftPlan) -> None:
    """Refuse a rendered draft that breaks a policy rule (a template bug)."""
    decision = plan.decision
    fields = {
        "recommended_action": decision.recommended_action,
        "typification": decision.typification,
        "requires_approval": decision.requires_approval,
        "escalate_to": decision.escalate_to,
        "amount": decision.amount,
    }
    violations = check_text(
        text, decision, client_name=plan.client.name, sla_promise=plan.promise, allowed_times=plan.allowed_times
    )
    violations += check_fields(fields, decision)
    if violations:
        raise DraftFailedChecks(violations)


def _citations(retriever: HybridRetriever, kind: str, decision: Decision, language: str) -> list[Citation]:
    """The playbook sections the decision applies, one citation per section."""
    group = "refund_error" if decision.recommended_action == "full_refund" else kind
    seen: dict[tuple[str, str], Citation] = {}
    cited = language if (group, language) in _CITATION_QUERIES else "en"  # fr/de: the English sections
    for query in _CITATION_QUERIES[(group, cited)]:
        results, _ = retriever.retrieve(query, language=cited, k=1)
        for r in results:
            key = (r.chunk.doc_id, r.chunk.section)
            if key not in seen:
                seen[key] = Citation.of(len(seen) + 1, r)
    return list(seen.values())
