"""Who must approve a credit or a refund: the one rule drafts, tools and answers share.

Policy (refund policy, "Refund and credit limits"; the figures are ``refund_limits.yaml``):
- a refund above the tier's L1 refund limit, or any refund for a client with ``prior_refunds_approval_threshold``
  refunds or more in the last 12 months, needs the tier's approver;
- a credit above the tier's L1 credit limit needs the tier's approver;
- above the approver's maximum, and for a credit above the tier's credit cap (a share of one monthly fee), only
  the ``above_approver`` (the CXO in the bundled playbook) decides.

Amounts are compared in whole cents, so every limit holds at ±0.01.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from assistant.policy.tables import PolicyData

AmountKind = Literal["credit", "refund"]


@dataclass(frozen=True)
class Approval:
    """Whether an amount needs approval, who approves it, and why (for notes)."""

    required: bool
    approver: str | None = None
    why: str = ""


def _cents(amount: float) -> int:
    return round(amount * 100)


def credit_cap(policy: PolicyData, tier: str, monthly_value: float) -> float:
    """The largest credit of a tier (its credit cap, a share of one monthly fee), in money."""
    return round(monthly_value * policy.refund_limits[tier].credit_cap_pct / 100, 2)


def approval_for(
    policy: PolicyData,
    *,
    tier: str,
    kind: AmountKind,
    amount: float | None,
    monthly_value: float,
    prior_refunds_12m: int,
) -> Approval:
    """Decide whether a credit or refund needs approval, and by whom.

    Args:
        policy: the policy tables.
        tier: the client's tier (from the CRM).
        kind: ``credit`` or ``refund``.
        amount: the amount; None when not yet verified (only the prior-refunds rule can apply then).
        monthly_value: the client's monthly fee (the credit cap is a share of it).
        prior_refunds_12m: refunds the client had in the last 12 months.

    Returns:
        The approval: not required, required by the tier's approver, or by the above-approver.

    Raises:
        KeyError: the tier has no limits in ``refund_limits.yaml``.
    """
    limits = policy.refund_limits[tier]
    above = policy.above_approver
    if kind == "refund":
        prior = prior_refunds_12m >= policy.prior_refunds_approval_threshold
        if amount is not None and _cents(amount) > _cents(limits.approver_max):
            return Approval(True, above, f"above the {limits.approver} maximum of {limits.approver_max:g}")
        if amount is not None and _cents(amount) > _cents(limits.l1_refund_max):
            return Approval(True, limits.approver, f"above the L1 refund limit of {limits.l1_refund_max:g}")
        if prior:
            return Approval(True, limits.approver, f"{prior_refunds_12m} refunds in the last 12 months")
        return Approval(False)
    if amount is None:
        return Approval(False)
    cap = credit_cap(policy, tier, monthly_value)
    if _cents(amount) > _cents(cap):
        return Approval(True, above, f"above the tier {tier} credit cap of {cap:g} ({limits.credit_cap_pct:g}%)")
    if _cents(amount) > _cents(limits.approver_max):
        return Approval(True, above, f"above the {limits.approver} maximum of {limits.approver_max:g}")
    if _cents(amount) > _cents(limits.l1_credit_max):
        return Approval(True, limits.approver, f"above the L1 credit limit of {limits.l1_credit_max:g}")
    return Approval(False)
