"""The refund and rescue decisions, checked against numbers read off knowledge/data by hand.

Pure: no services, no index, no database. Client facts are copied from knowledge/data/clients.csv; limits,
approvers and offers from refund_limits.yaml, rescue_offers.yaml, escalation.yaml and credit_ladder.yaml.
"""

from __future__ import annotations

import pytest

from assistant.drafting.policy import ClientFacts, add_contact_codes, decide_refund, decide_rescue
from assistant.drafting.reasons import Reason, classify, read
from assistant.policy.approval import approval_for
from assistant.policy.tables import PolicyData
from assistant.settings import BUNDLED_KNOWLEDGE_DIR

KEY_ACCOUNTS = "Subdirector de Cuentas Clave"
SEC = "Subdirector de Experiencia del Cliente (SEC)"
CXO = "Gerente de Experiencia del Cliente (CXO)"
AM = "Account Manager 2.0"
EXEC = "Ejecutivo de Experiencia del Cliente"

# Rows of clients.csv: id, tier, monthly_value, prior_refunds_12m, churn_risk, status.
C1001 = ClientFacts("C-1001", "A", 18500, 0, "low", "active")
C1004 = ClientFacts("C-1004", "A", 7250, 2, "high", "active")
C1007 = ClientFacts("C-1007", "A", 8400, 3, "high", "cancellation_requested")
C2002 = ClientFacts("C-2002", "B", 1200, 0, "medium", "active")
C2014 = ClientFacts("C-2014", "B", 4999.99, 0, "low", "active")
C3003 = ClientFacts("C-3003", "C", 59, 0, "high", "inactive")
C3008 = ClientFacts("C-3008", "C", 99, 0, "low", "active")
C3019 = ClientFacts("C-3019", "C", 999.99, 0, "low", "active")


@pytest.fixture(scope="module")
def policy() -> PolicyData:
    """The bundled policy tables."""
    return PolicyData.load(BUNDLED_KNOWLEDGE_DIR / "data")


# --- reasons ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("I was charged twice for November.", Reason.DUPLICATE_CHARGE),
        ("There is a duplicate charge on my card", Reason.DUPLICATE_CHARGE),
        ("Me cobraron dos veces este mes", Reason.DUPLICATE_CHARGE),
        ("Veo un cargo duplicado en mi tarjeta", Reason.DUPLICATE_CHARGE),
        ("You overcharged us this month", Reason.BILLING_ERROR),
        ("Hay un error de facturación en mi cuenta", Reason.BILLING_ERROR),
        ("Nos cobraron de más", Reason.BILLING_ERROR),
        ("I want to cancel my subscription", Reason.CANCELLATION),
        ("quiero cancelar", Reason.CANCELLATION),
        ("Quiero darme de baja del servicio", Reason.CANCELLATION),
        ("Solicito la cancelación del contrato", Reason.CANCELLATION),
        ("This service is unacceptable", Reason.COMPLAINT),
        ("Quiero presentar una queja", Reason.COMPLAINT),
        ("Es inaceptable", Reason.COMPLAINT),
        ("The reports have not been useful to us", Reason.DISSATISFACTION),
        ("No estamos contentos con el servicio", Reason.DISSATISFACTION),
        # A duplicate charge wins over the cancellation it provoked (the stronger, policy-defined reason).
        ("Me cobraron dos veces y quiero cancelar", Reason.DUPLICATE_CHARGE),
    ],
)
def test_classify_reason_in_english_and_spanish(message: str, reason: Reason) -> None:
    """A failure means a customer message in English or Spanish is filed under the wrong policy reason."""
    assert classify(message) == reason


def test_classify_uses_the_default_when_no_keyword_matches() -> None:
    """A failure means a neutral rescue message is not treated as the inactive-client case."""
    assert classify("Hello, just checking in", default=Reason.INACTIVE) == Reason.INACTIVE
    assert classify("Hello, just checking in") == Reason.DISSATISFACTION


# --- refunds: the goodwill credit (ladder step 1, 10% of one monthly fee) ---------------------------


def test_tier_a_dissatisfaction_gets_a_credit_that_needs_key_accounts_approval(policy: PolicyData) -> None:
    """A failure means a tier A credit of USD 1,850 (above the L1 credit max of 1,000) is not sent for approval."""
    d = decide_refund(C1001, Reason.DISSATISFACTION, policy)
    assert (d.kind, d.recommended_action, d.typification, d.priority) == ("refund", "credit", "REF-02", "normal")
    assert d.amount == 1850.0 and d.currency == "USD"
    assert d.requires_approval is True
    assert d.approver == KEY_ACCOUNTS and d.escalate_to == KEY_ACCOUNTS
    assert d.ladder_step == 1


def test_tier_b_dissatisfaction_credit_under_l1_limit_needs_no_approval(policy: PolicyData) -> None:
    """A failure means a tier B credit of USD 120 (L1 max 300) is escalated or computed wrongly."""
    d = decide_refund(C2002, Reason.DISSATISFACTION, policy)
    assert (d.recommended_action, d.typification, d.amount) == ("credit", "REF-02", 120.0)
    assert (d.requires_approval, d.approver, d.escalate_to) == (False, None, None)


def test_tier_c_dissatisfaction_credit_under_l1_limit_needs_no_approval(policy: PolicyData) -> None:
    """A failure means a tier C credit of USD 5.90 (10% of 59; L1 max 100) is escalated or computed wrongly."""
    d = decide_refund(C3003, Reason.DISSATISFACTION, policy)
    assert (d.recommended_action, d.typification, d.amount) == ("credit", "REF-02", 5.9)
    assert (d.requires_approval, d.approver, d.escalate_to) == (False, None, None)


def test_credit_exactly_at_the_l1_limit_needs_no_approval(policy: PolicyData) -> None:
    """A failure means "above the L1 limit" is read as "at or above" (999.99 × 10% = 100.00, tier C max 100)."""
    d = decide_refund(C3019, Reason.DISSATISFACTION, policy)
    assert d.amount == 100.0
    assert d.requires_approval is False and d.escalate_to is None


def test_tier_b_credit_above_l1_limit_goes_to_sec(policy: PolicyData) -> None:
    """A failure means a tier B credit of USD 500 (above 300) is not sent to the SEC."""
    d = decide_refund(C2014, Reason.DISSATISFACTION, policy)
    assert d.amount == 500.0
    assert (d.requires_approval, d.approver, d.escalate_to) == (True, SEC, SEC)


@pytest.mark.parametrize(
    ("reason", "code", "priority"),
    [(Reason.COMPLAINT, "REF-02", "high"), (Reason.CANCELLATION, "RSC-02", "high")],
)
def test_complaint_and_cancellation_refund_requests_still_start_with_a_credit(
    policy: PolicyData, reason: Reason, code: str, priority: str
) -> None:
    """A failure means a complaint or a cancellation skips credit-before-refund or is typified wrongly."""
    d = decide_refund(C2002, reason, policy)
    assert (d.recommended_action, d.typification, d.priority, d.amount) == ("credit", code, priority, 120.0)


def test_refund_with_a_cancellation_is_typified_and_owned_as_a_cancellation(policy: PolicyData) -> None:
    """A failure means a refund asked for with a cancellation is not RSC-02 with REF-04 secondary (documentation and
    typification; R1 step 3), or is not handed to the tier's cancellation owner (rescue policy, escalation.yaml)."""
    d = decide_refund(C2002, Reason.CANCELLATION, policy, days_since_charge=10)
    assert (d.typification, d.secondary_codes, d.escalate_to, d.requires_approval) == ("RSC-02", ["REF-04"], AM, False)
    assert "A cancellation request is typified RSC-02, with REF-04 as a secondary code." in d.notes
    outside = decide_refund(C2002, Reason.CANCELLATION, policy, days_since_charge=45)
    assert (outside.typification, outside.secondary_codes) == ("RSC-02", [])
    tier_a = decide_refund(C1001, Reason.CANCELLATION, policy)  # USD 1,850 credit: the approval comes first
    assert (tier_a.requires_approval, tier_a.escalate_to) == (True, KEY_ACCOUNTS)


def test_refund_outside_the_window_is_noted_with_the_cxo_exception(policy: PolicyData) -> None:
    """A failure means a request 45 days after a tier B charge (30-day window) is not flagged as outside the window."""
    d = decide_refund(C2002, Reason.DISSATISFACTION, policy, days_since_charge=45)
    assert "Day 45 is outside the 30-day window: no refund except by exception of the " + CXO + "." in d.notes
    inside = decide_refund(C2002, Reason.DISSATISFACTION, policy, days_since_charge=30)
    assert not any("outside" in note for note in inside.notes)


# --- refunds: billing errors and duplicate charges are refunded in full -----------------------------


def test_duplicate_charge_below_l1_refund_max_is_refunded_without_approval(policy: PolicyData) -> None:
    """A failure means a USD 150 duplicate charge of a tier B client (L1 refund max 150) is not refunded by L1."""
    d = decide_refund(C2002, Reason.DUPLICATE_CHARGE, policy, charge_amount=150)
    assert (d.recommended_action, d.typification, d.priority, d.amount) == ("full_refund", "REF-03", "high", 150.0)
    assert (d.requires_approval, d.approver, d.escalate_to) == (False, None, None)
    assert d.ladder_step is None


def test_duplicate_charge_above_l1_refund_max_needs_the_tier_approver(policy: PolicyData) -> None:
    """A failure means a tier B refund of USD 150.01 (above 150) is not sent to the SEC."""
    d = decide_refund(C2002, Reason.DUPLICATE_CHARGE, policy, charge_amount=150.01)
    assert d.amount == 150.01
    assert (d.requires_approval, d.approver, d.escalate_to) == (True, SEC, SEC)


def test_unverified_duplicate_charge_is_verified_first_never_a_refund_of_a_monthly_fee(policy: PolicyData) -> None:
    """A failure means an unverified "charged twice" (no charge amount checked by the agent) becomes a refund of a
    whole monthly fee (USD 1,200 for C-2002) instead of the verification step of procedure R1."""
    d = decide_refund(C2002, Reason.DUPLICATE_CHARGE, policy)
    assert (d.recommended_action, d.amount, d.verified, d.typification) == ("verify_charge", None, False, "REF-03")
    assert (d.requires_approval, d.escalate_to) == (False, None)
    assert any(note.startswith("Unverified claim: check the charge in the billing records") for note in d.notes)
    repeat = decide_refund(C1004, Reason.BILLING_ERROR, policy)  # 2 prior refunds: approval whatever the amount
    assert (repeat.recommended_action, repeat.amount, repeat.requires_approval, repeat.approver) == (
        "verify_charge", None, True, KEY_ACCOUNTS,
    )


def test_refund_above_approver_max_goes_to_the_cxo(policy: PolicyData) -> None:
    """A failure means a tier B refund of USD 2,500 (approver max 2,000) is not decided by the CXO."""
    d = decide_refund(C2002, Reason.BILLING_ERROR, policy, charge_amount=2500)
    assert (d.recommended_action, d.typification, d.amount) == ("full_refund", "REF-01", 2500.0)
    assert (d.requires_approval, d.approver, d.escalate_to) == (True, CXO, CXO)


def test_tier_a_refund_at_approver_max_stays_with_key_accounts(policy: PolicyData) -> None:
    """A failure means a tier A refund of exactly USD 5,000 (approver max) skips the Subdirector de Cuentas Clave."""
    d = decide_refund(C1001, Reason.BILLING_ERROR, policy, charge_amount=5000)
    assert (d.requires_approval, d.escalate_to) == (True, KEY_ACCOUNTS)
    above = decide_refund(C1001, Reason.BILLING_ERROR, policy, charge_amount=5000.01)
    assert above.escalate_to == CXO


def test_two_prior_refunds_need_approval_for_any_refund(policy: PolicyData) -> None:
    """A failure means a client with 2 refunds in 12 months (C-1004) gets a small refund without approval."""
    d = decide_refund(C1004, Reason.DUPLICATE_CHARGE, policy, charge_amount=10)
    assert d.amount == 10.0
    assert (d.requires_approval, d.approver, d.escalate_to) == (True, KEY_ACCOUNTS, KEY_ACCOUNTS)
    assert f"Approval by the {KEY_ACCOUNTS}: 2 refunds in the last 12 months." in d.notes


def test_billing_error_is_refunded_in_full_even_outside_the_window(policy: PolicyData) -> None:
    """A failure means a tier C billing error 90 days old (14-day window) is not refunded in full."""
    d = decide_refund(C3008, Reason.BILLING_ERROR, policy, charge_amount=40, days_since_charge=90)
    assert (d.recommended_action, d.typification, d.amount, d.requires_approval) == (
        "full_refund",
        "REF-01",
        40.0,
        False,
    )


# --- rescue -----------------------------------------------------------------------------------------


def test_rescue_starts_with_the_tier_service_offer(policy: PolicyData) -> None:
    """A failure means a first rescue contact of an active, low-risk tier A client is not the service offer."""
    d = decide_rescue(C1001, Reason.INACTIVE, policy)
    assert (d.kind, d.recommended_action, d.typification, d.priority) == ("rescue", "rescue_offer", "RSC-01", "normal")
    assert d.offer == "Executive review call and a written success plan" and d.offer_index == 0
    assert d.escalate_to is None and d.requires_approval is False and d.amount is None
    assert "The Subdirector de Cuentas Clave contacts the client within 1 business day(s)." in d.notes


@pytest.mark.parametrize(
    ("client", "offer"),
    [
        (C1001, "Up to 2 months free, or 20% off the next 6 months"),
        (C2002, "1 month free, or 15% off the next 3 months"),
        (C3008, "50% off the next month, or a move to a smaller plan"),
    ],
)
def test_commercial_offer_once_a_rescue_offer_was_made(policy: PolicyData, client: ClientFacts, offer: str) -> None:
    """A failure means a client who already had a rescue offer does not get the tier's commercial offer."""
    d = decide_rescue(client, Reason.INACTIVE, policy, prior_offers=1)
    assert (d.offer, d.offer_index) == (offer, 1)
    assert decide_rescue(client, Reason.INACTIVE, policy, prior_offers=5).offer == offer


@pytest.mark.parametrize(("client", "owner"), [(C1001, KEY_ACCOUNTS), (C2002, AM), (C3008, EXEC)])
def test_cancellation_escalates_to_the_tier_cancellation_owner(
    policy: PolicyData, client: ClientFacts, owner: str
) -> None:
    """A failure means a cancellation request is not typified RSC-02, not urgent, or not handed to the tier's owner."""
    d = decide_rescue(client, Reason.CANCELLATION, policy)
    assert (d.typification, d.priority, d.escalate_to, d.reason) == ("RSC-02", "high", owner, Reason.CANCELLATION)
    assert (
        "If the client declines, process the cancellation within 24 hours and confirm it in writing; no friction."
        in d.notes
    )


def test_cancellation_requested_status_counts_as_a_cancellation(policy: PolicyData) -> None:
    """A failure means a client whose CRM status is cancellation_requested (C-1007) is rescued as if merely inactive."""
    d = decide_rescue(C1007, Reason.INACTIVE, policy)
    assert (d.typification, d.reason, d.priority, d.escalate_to) == (
        "RSC-02",
        Reason.CANCELLATION,
        "high",
        KEY_ACCOUNTS,
    )


def test_complaint_is_typified_rsc_03_and_urgent(policy: PolicyData) -> None:
    """A failure means a complaint from a low-risk client is not typified RSC-03 with high priority, or its offer is
    not held until the problem is solved (rescue policy: an offer before the fix sounds like a bribe)."""
    d = decide_rescue(C3008, Reason.COMPLAINT, policy)
    assert (d.typification, d.priority, d.escalate_to) == ("RSC-03", "high", None)
    assert d.offer == "Guided self-service resources and a check-in call"
    assert d.offer_es == "Recursos de autoservicio guiados y una llamada de seguimiento"
    assert d.offer_after_fix and not decide_rescue(C3008, Reason.INACTIVE, policy).offer_after_fix


def test_high_churn_risk_is_urgent_and_escalated(policy: PolicyData) -> None:
    """A failure means an inactive tier C client at high churn risk (C-3003) is not prioritised and escalated."""
    d = decide_rescue(C3003, Reason.INACTIVE, policy)
    assert (d.typification, d.priority, d.escalate_to) == ("RSC-01", "high", EXEC)
    assert "The Ejecutivo de Experiencia del Cliente contacts the client within 3 business day(s)." in d.notes


def test_inactive_low_risk_client_is_normal_priority(policy: PolicyData) -> None:
    """A failure means an inactive client without churn risk is escalated or marked urgent."""
    d = decide_rescue(C3008, Reason.INACTIVE, policy)
    assert (d.typification, d.priority, d.escalate_to) == ("RSC-01", "normal", None)


# --- reading the customer's words: negation, several reasons, other languages ------------------------


@pytest.mark.parametrize(
    ("message", "reason", "denied"),
    [
        ("I was not charged twice; the reports are just broken and I want a refund", Reason.DISSATISFACTION,
         (Reason.DUPLICATE_CHARGE,)),
        ("I do not want to cancel, I just want a refund for the outage", Reason.DISSATISFACTION,
         (Reason.CANCELLATION,)),
        ("I don't want to cancel our plan", Reason.DISSATISFACTION, (Reason.CANCELLATION,)),
        ("No me cobraron dos veces, pero el servicio falló", Reason.DISSATISFACTION, (Reason.DUPLICATE_CHARGE,)),
        ("Je n'ai pas été débité deux fois, mais le service était lent", Reason.DISSATISFACTION,
         (Reason.DUPLICATE_CHARGE,)),
        ("Wir wollen nicht kündigen, aber die Berichte fehlen", Reason.DISSATISFACTION, (Reason.CANCELLATION,)),
        ("I never asked to be charged twice", Reason.DUPLICATE_CHARGE, ()),
    ],
)
def test_a_denied_reason_is_not_a_reason(message: str, reason: Reason, denied: tuple[Reason, ...]) -> None:
    """A failure means "I was not charged twice" reads as a duplicate charge (a full refund), or "I do not want to
    cancel" as a cancellation (handed to the account manager), or a claim phrased with "never asked" is lost."""
    reading = read(message)
    assert (reading.reason, reading.denied) == (reason, denied)


@pytest.mark.parametrize(
    ("message", "reason", "others"),
    [
        ("We were charged twice and this is unacceptable, we want to cancel", Reason.DUPLICATE_CHARGE,
         (Reason.CANCELLATION, Reason.COMPLAINT)),
        ("I want to cancel: you overcharged us again", Reason.BILLING_ERROR, (Reason.CANCELLATION,)),
        ("Es inaceptable, quiero darme de baja", Reason.CANCELLATION, (Reason.COMPLAINT,)),
    ],
)
def test_several_reasons_the_strongest_wins_and_the_others_are_kept(
    message: str, reason: Reason, others: tuple[Reason, ...]
) -> None:
    """A failure means a message with several reasons is decided by a weaker one, or the others are lost."""
    reading = read(message)
    assert (reading.reason, reading.others) == (reason, others)


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("On m'a débité deux fois ce mois-ci.", Reason.DUPLICATE_CHARGE),
        ("Nous avons un double prélèvement sur la facture de novembre.", Reason.DUPLICATE_CHARGE),
        ("Wir wurden im November doppelt belastet.", Reason.DUPLICATE_CHARGE),
        ("Die Rechnung ist falsch, Sie haben zu viel berechnet.", Reason.BILLING_ERROR),
        ("Je veux résilier mon abonnement.", Reason.CANCELLATION),
        ("Ich möchte den Vertrag kündigen.", Reason.CANCELLATION),
        ("C'est inacceptable.", Reason.COMPLAINT),
    ],
)
def test_reasons_in_french_and_german(message: str, reason: Reason) -> None:
    """A failure means a duplicate charge written in French or German gets a goodwill credit instead of a refund."""
    assert classify(message) == reason


def test_credit_above_the_tier_cap_goes_to_the_cxo_only(policy: PolicyData) -> None:
    """A failure means a credit above the tier's cap (tier C: 25% of one monthly fee) is left to an L1 agent or the
    SEC, where the refund policy says only the CXO may exceed the cap."""
    cap = approval_for(policy, tier="C", kind="credit", amount=14.76, monthly_value=59, prior_refunds_12m=0)
    assert (cap.required, cap.approver) == (True, CXO)
    at_cap = approval_for(policy, tier="C", kind="credit", amount=14.75, monthly_value=59, prior_refunds_12m=0)
    assert (at_cap.required, at_cap.approver) == (False, None)


def test_secondary_codes_are_fields_not_only_notes(policy: PolicyData) -> None:
    """A failure means the secondary codes the documentation policy requires (ESC-01 when escalated for approval,
    REF-04 with a cancellation inside the window, VIP-01 for tier A) are only prose in the notes."""
    d = decide_refund(C1001, Reason.CANCELLATION, policy, days_since_charge=10)
    add_contact_codes(d, C1001, policy)
    assert d.secondary_codes == ["ESC-01", "REF-04", "VIP-01"]
    b = decide_refund(C2002, Reason.DISSATISFACTION, policy)
    add_contact_codes(b, C2002, policy)
    assert b.secondary_codes == []
