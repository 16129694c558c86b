"""What the policy allows for one client: the deterministic decision every draft is built on and checked against.

Refunds follow procedure R1 and the credit-before-refund ladder: billing errors and duplicate charges are
refunded in full (window or not); any other request gets the ladder's first step, a goodwill credit. Limits
and approvers come from ``refund_limits.yaml``. A refund asked for with a cancellation is first a cancellation
request: typified RSC-02 (REF-04 secondary inside the window) and handed to the tier's cancellation owner.
Rescue follows the rescue policy: the tier's service offer first, the commercial offer only when a rescue offer
was already made to this client; a complaint is solved before any offer is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.drafting.reasons import Reason
from assistant.policy.approval import AmountKind, approval_for
from assistant.policy.tables import PolicyData

REFUND_CODES = {
    Reason.BILLING_ERROR: "REF-01",
    Reason.DISSATISFACTION: "REF-02",
    Reason.COMPLAINT: "REF-02",
    Reason.DUPLICATE_CHARGE: "REF-03",
    Reason.CANCELLATION: "REF-04",
    Reason.INACTIVE: "REF-02",
}
RESCUE_CODES = {Reason.CANCELLATION: "RSC-02", Reason.COMPLAINT: "RSC-03"}
FULL_REFUND_REASONS = (Reason.BILLING_ERROR, Reason.DUPLICATE_CHARGE)
HIGH_PRIORITY = {Reason.BILLING_ERROR, Reason.DUPLICATE_CHARGE, Reason.CANCELLATION, Reason.COMPLAINT}


@dataclass
class ClientFacts:
    """The client facts a decision needs (from the CRM; never from the customer's message)."""

    id: str
    tier: str
    monthly_value: float
    prior_refunds_12m: int
    churn_risk: str
    status: str


@dataclass
class Decision:
    """The policy outcome for a draft: action, amount, approvals, typification and priority."""

    kind: str
    reason: Reason
    recommended_action: str
    typification: str
    priority: str
    amount: float | None = None
    currency: str = "USD"
    requires_approval: bool = False
    approver: str | None = None
    escalate_to: str | None = None
    offer: str | None = None
    offer_es: str | None = None  # the same offer as the Spanish playbook words it
    offer_index: int | None = None
    ladder_step: int | None = None
    secondary_codes: list[str] = field(default_factory=list)
    other_reasons: list[Reason] = field(default_factory=list)  # weaker reasons the message also states
    verified: bool = True  # False: a billing error or duplicate charge the agent has not checked yet
    offer_after_fix: bool = False  # a complaint: the offer waits until the problem is solved
    notes: list[str] = field(default_factory=list)


def _approve(decision: Decision, client: ClientFacts, policy: PolicyData, kind: AmountKind) -> None:
    """Set the decision's approval from the one approval rule (:func:`assistant.policy.approval.approval_for`)."""
    approval = approval_for(
        policy, tier=client.tier, kind=kind, amount=decision.amount, monthly_value=client.monthly_value,
        prior_refunds_12m=client.prior_refunds_12m,
    )
    decision.requires_approval, decision.approver = approval.required, approval.approver
    if approval.required:
        decision.notes.append(f"Approval by the {approval.approver}: {approval.why}.")
        escalated = policy.secondary_code("escalated_for_approval", "ESC-01")
        if escalated:
            decision.secondary_codes.append(escalated)


def decide_refund(
    client: ClientFacts,
    reason: Reason,
    policy: PolicyData,
    *,
    charge_amount: float | None = None,
    days_since_charge: int | None = None,
) -> Decision:
    """Apply the refund policy to one client and reason.

    Args:
        client: CRM facts.
        reason: read from the message.
        policy: the policy tables.
        charge_amount: the charge in question, as the agent verified it. Without it, a billing error or a
            duplicate charge is only a claim: the decision is to verify the charge, and no amount is promised.
        days_since_charge: days since that charge, if the agent checked it.

    Returns:
        The decision the draft must follow.
    """
    limits = policy.refund_limits[client.tier]
    priority = "high" if reason in HIGH_PRIORITY else "normal"
    currency = policy.currency
    if reason in FULL_REFUND_REASONS:
        verified = charge_amount is not None
        decision = Decision(
            "refund", reason, "full_refund" if verified else "verify_charge", REFUND_CODES[reason], priority,
            amount=round(charge_amount, 2) if charge_amount is not None else None, currency=currency, verified=verified,
        )
        _approve(decision, client, policy, "refund")
        if verified:
            decision.notes.append(
                "Billing errors and duplicate charges are refunded in full, inside or outside the window."
            )
        else:
            decision.notes.append(
                "Unverified claim: check the charge in the billing records (procedure R1, step 2) before any "
                "refund; once confirmed, the charge is refunded in full, with approval if the amount or the "
                "client's refund history requires it."
            )
    else:
        amount = round(client.monthly_value * policy.goodwill_pct() / 100, 2)
        decision = Decision(
            "refund", reason, "credit", REFUND_CODES[reason], priority, amount=amount, currency=currency,
            ladder_step=1,
        )
        _approve(decision, client, policy, "credit")
        decision.notes.append(
            f"Credit before refund: offer the goodwill credit first; the next steps are a service credit up to "
            f"{limits.credit_cap_pct:g}% of one monthly fee, the tier's rescue offer, then a refund inside the "
            f"{limits.refund_window_days}-day window."
        )
        if days_since_charge is not None and days_since_charge > limits.refund_window_days:
            decision.notes.append(
                f"Day {days_since_charge} is outside the {limits.refund_window_days}-day window: no refund "
                f"except by exception of the {policy.above_approver}."
            )
    decision.escalate_to = decision.approver
    if reason == Reason.CANCELLATION:
        inside = days_since_charge is None or days_since_charge <= limits.refund_window_days
        _cancellation_first(decision, client, policy, refund_inside_window=inside)
    return decision


def amount_kind(code: str) -> AmountKind:
    """Whether an amount typified ``code`` is a refund or a credit, as the drafts decide it.

    Billing errors and duplicate charges (REF-01, REF-03) are refunded; every other request starts with a
    credit (credit before refund), so REF-02, REF-04, CRD-01 and the rest are credits.
    """
    refunded = {REFUND_CODES[r] for r in FULL_REFUND_REASONS}
    return "refund" if code.strip().upper() in refunded else "credit"


def add_contact_codes(decision: Decision, client: ClientFacts, policy: PolicyData) -> None:
    """Secondary codes every contact of this client gets (VIP-01 for the VIP tiers of the company profile)."""
    if client.tier in policy.company.vip_tiers:
        vip = policy.secondary_code("vip_contact", "VIP-01")
        if vip and vip not in decision.secondary_codes:
            decision.secondary_codes.append(vip)


def _cancellation_first(
    decision: Decision, client: ClientFacts, policy: PolicyData, *, refund_inside_window: bool
) -> None:
    """A refund asked for with a cancellation: typified and owned as a cancellation request (RSC-02)."""
    decision.typification = RESCUE_CODES[Reason.CANCELLATION]
    note = f"A cancellation request is typified {decision.typification}"
    if refund_inside_window:  # documentation-and-typification: REF-04 secondary for a refund inside the window
        decision.secondary_codes.append(REFUND_CODES[Reason.CANCELLATION])
        note += f", with {REFUND_CODES[Reason.CANCELLATION]} as a secondary code"
    decision.notes.append(note + ".")
    row = policy.escalation_for("cancellation_request", client.tier) or {}
    owner = str(row.get("owner") or policy.rescue[client.tier].owner)
    if decision.escalate_to is None:  # an approval, when one is needed, comes first
        decision.escalate_to = owner
    decision.notes.append(
        f"The {owner} owns the cancellation: one rescue offer; if the client declines, process the cancellation "
        f"within {policy.cancellation_processing_hours} hours, with any refund due."
    )


def decide_rescue(client: ClientFacts, reason: Reason, policy: PolicyData, *, prior_offers: int = 0) -> Decision:
    """Apply the rescue policy: one offer per conversation, service offer first.

    Args:
        client: CRM facts.
        reason: classified from the message (cancellation, complaint, or none).
        policy: the policy tables.
        prior_offers: rescue offers already recorded for this client (0 → service offer, else commercial).

    Returns:
        The decision the draft must follow.
    """
    offers = policy.rescue[client.tier]
    cancelling = reason == Reason.CANCELLATION or client.status == "cancellation_requested"
    code = RESCUE_CODES.get(Reason.CANCELLATION if cancelling else reason, "RSC-01")
    urgent = cancelling or reason == Reason.COMPLAINT or client.churn_risk == "high"
    index = min(prior_offers, len(offers.offers) - 1)
    decision = Decision(
        "rescue",
        Reason.CANCELLATION if cancelling else reason,
        "rescue_offer",
        code,
        "high" if urgent else "normal",
        offer=offers.offer(index),
        offer_es=offers.offer(index, "es"),
        offer_index=index,
        currency=policy.currency,
    )
    if cancelling or client.churn_risk == "high":
        row = policy.escalation_for("cancellation_request", client.tier) or {}
        decision.escalate_to = row.get("owner", offers.owner)
    decision.notes.append(
        f"The {offers.owner} contacts the client within {offers.contact_within_business_days} business day(s)."
    )
    if cancelling:
        decision.notes.append(
            f"If the client declines, process the cancellation within {policy.cancellation_processing_hours} hours "
            "and confirm it in writing; no friction."
        )
    elif reason == Reason.COMPLAINT:
        decision.offer_after_fix = True
        decision.notes.append(
            f"Solve the complaint first; once the cause is fixed, the {offers.owner} may offer: {decision.offer}. "
            "The reply holds it back: an offer before the problem is solved sounds like a bribe."
        )
    return decision
