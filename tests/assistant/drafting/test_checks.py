"""The policy checks every draft passes: each rule is broken once by a handcrafted text, and a good text passes.

The decisions are written out by hand from knowledge/data (C-1001: tier A, USD 18,500/month → goodwill credit
of USD 1,850, above the L1 credit max of 1,000 → approval by the Subdirector de Cuentas Clave).
"""

from __future__ import annotations

import pytest

from assistant.drafting.checks import check_fields, check_text
from assistant.drafting.policy import Decision
from assistant.drafting.reasons import Reason

KEY_ACCOUNTS = "Subdirector de Cuentas Clave"
NAME = "Altavista Hospitality Group"
PROMISE = "Thursday 19 November 2026, 10:00 (America/New_York)"
PROMISE_ES = "jueves 19 de noviembre de 2026, 10:00 (America/New_York)"

CREDIT = Decision(
    "refund",
    Reason.DISSATISFACTION,
    "credit",
    "REF-02",
    "normal",
    amount=1850.0,
    requires_approval=True,
    approver=KEY_ACCOUNTS,
    escalate_to=KEY_ACCOUNTS,
    ladder_step=1,
)
# C-2002 (tier B), a USD 120 duplicate charge: under the L1 refund max of 150, refunded without approval.
REFUND = Decision("refund", Reason.DUPLICATE_CHARGE, "full_refund", "REF-03", "high", amount=120.0)
RESCUE = Decision(
    "rescue",
    Reason.CANCELLATION,
    "rescue_offer",
    "RSC-02",
    "high",
    escalate_to="Account Manager 2.0",
    offer="A free training session for the client's team",
    offer_index=0,
)

GOOD = (
    f"Dear {NAME},\n\n"
    "We would like to add a goodwill credit of USD 1,850.00 to your account, subject to approval by the "
    f"{KEY_ACCOUNTS}.\n\nYou will hear back from us by {PROMISE} at the latest.\n\nCustomer Experience Team"
)
GOOD_ES = (
    f"Estimado/a {NAME}:\n\n"
    "Queremos abonar un crédito de cortesía de USD 1.850,00 a su cuenta, sujeto a la aprobación del "
    f"{KEY_ACCOUNTS}.\n\nTendrá noticias nuestras a más tardar el {PROMISE_ES}.\n\nEquipo de Experiencia del Cliente"
)


def codes(
    text: str, decision: Decision = CREDIT, *, promise: str = PROMISE, allowed: tuple[str, ...] = ()
) -> list[str]:
    """The violation codes of one text."""
    found = check_text(text, decision, client_name=NAME, sla_promise=promise, allowed_times=allowed)
    return [v.code for v in found]


def test_rescue_offer_in_a_reply_to_a_complaint_is_flagged() -> None:
    """A failure means a reply to an unsolved complaint can make the rescue offer (the rescue policy forbids it)."""
    complaint = Decision(
        "rescue",
        Reason.COMPLAINT,
        "rescue_offer",
        "RSC-03",
        "high",
        offer="A free training session for the client's team",
        offer_index=0,
        offer_after_fix=True,
    )
    text = f"Dear {NAME}, we are fixing the cause now. You will hear back from us by {PROMISE}."
    assert codes(text, complaint) == []
    assert codes(text + " We would like to offer you: a free training session for the client's team.", complaint) == [
        "offer_before_fix"
    ]


def test_spanish_rescue_offer_in_a_reply_to_a_complaint_is_flagged() -> None:
    """A failure means a Spanish reply to an unsolved complaint can make the rescue offer unnoticed."""
    complaint = Decision(
        "rescue",
        Reason.COMPLAINT,
        "rescue_offer",
        "RSC-03",
        "high",
        offer="A free training session for the client's team",
        offer_es="Una sesión de capacitación gratuita para el equipo del cliente",
        offer_index=0,
        offer_after_fix=True,
    )
    text = f"Estimado {NAME}, ya estamos corrigiendo la causa. Le responderemos a más tardar el {PROMISE_ES}."
    assert codes(text, complaint, promise=PROMISE_ES) == []
    offered = text + " Queremos ofrecerle: una sesion de capacitacion gratuita para el equipo del cliente."
    assert codes(offered, complaint, promise=PROMISE_ES) == ["offer_before_fix"]


def test_good_text_passes() -> None:
    """A failure means a draft that follows the decision is blocked (no draft could ever be shown)."""
    assert codes(GOOD) == []


def test_good_spanish_text_with_spanish_number_format_passes() -> None:
    """A failure means "USD 1.850,00" is read as another amount than 1,850 and a correct Spanish draft is blocked."""
    assert codes(GOOD_ES, promise=PROMISE_ES) == []


def test_spanish_amount_above_policy_is_flagged() -> None:
    """A failure means "USD 18.500,00" (a whole monthly fee) passes as if it were within a USD 1,850 credit."""
    found = check_text(
        GOOD_ES.replace("USD 1.850,00", "USD 18.500,00"), CREDIT, client_name=NAME, sla_promise=PROMISE_ES
    )
    assert [v.code for v in found] == ["amount_above_policy"]
    assert "18500" in found[0].detail


@pytest.mark.parametrize(
    ("written", "allowed"), [("USD 1850,00", True), ("1.850 dólares", True), ("USD 1850,01", False)]
)
def test_spanish_decimal_comma_without_thousands_separator(written: str, allowed: bool) -> None:
    """A failure means "USD 1850,00" (Spanish for 1,850.00) is read as 185,000 and a correct draft is blocked."""
    found = codes(GOOD_ES.replace("USD 1.850,00", written), promise=PROMISE_ES)
    assert found == ([] if allowed else ["amount_above_policy"])


def test_small_spanish_amount_with_decimal_comma_passes() -> None:
    """A failure means C-3003's USD 5,90 credit, written the Spanish way, is read as 590 and blocked."""
    credit = Decision("refund", Reason.DISSATISFACTION, "credit", "REF-02", "normal", amount=5.9)
    text = f"Estimado/a {NAME}: le abonaremos un crédito de USD 5,90. Tendrá noticias nuestras el {PROMISE_ES}."
    assert codes(text, credit, promise=PROMISE_ES) == []


@pytest.mark.parametrize("amount", ["$10,000", "USD 10,000.00", "10000 dollars", "US$ 1,850.01"])
def test_amount_above_policy_is_flagged(amount: str) -> None:
    """A failure means a draft can offer more money than the decision allows."""
    assert codes(GOOD.replace("USD 1,850.00", amount)) == ["amount_above_policy"]


def test_any_amount_in_a_rescue_draft_is_flagged() -> None:
    """A failure means a rescue reply (no money in the decision) can offer cash."""
    text = f"Dear {NAME}, we would like to offer you a $50 voucher. You will hear back from us by {PROMISE}."
    assert codes(text, RESCUE) == ["amount_above_policy"]


@pytest.mark.parametrize(
    "promise_of_refund",
    [
        "If not, we will refund you.",
        "We'll fully refund the charge.",
        "You will get a full refund.",
        "Le reembolsaremos el cargo.",
    ],
)
def test_refund_promised_when_the_decision_is_credit_is_flagged(promise_of_refund: str) -> None:
    """A failure means a draft can promise a refund where the policy says credit first."""
    assert codes(f"{GOOD}\n{promise_of_refund}") == ["refund_before_credit"]


def test_refund_wording_is_allowed_when_the_decision_is_a_refund() -> None:
    """A failure means a correct full-refund draft is blocked for saying it will refund."""
    text = f"Dear {NAME}, we will refund USD 120.00 to your card. You will hear back from us by {PROMISE}."
    assert codes(text, REFUND) == []


def test_missing_approval_hedge_is_flagged() -> None:
    """A failure means an amount above the L1 limit can be presented as granted, without approval."""
    text = GOOD.replace(f", subject to approval by the {KEY_ACCOUNTS}", "")
    found = check_text(text, CREDIT, client_name=NAME, sla_promise=PROMISE)
    assert [v.code for v in found] == ["missing_approval_hedge"]
    assert KEY_ACCOUNTS in found[0].detail


@pytest.mark.parametrize(
    "other_time",
    ["We will sort this out within 2 hours.", "You will have it today.", "Expect it tomorrow.", "We act immediately."],
)
def test_a_different_time_promise_is_flagged(other_time: str) -> None:
    """A failure means a draft can promise a faster (or other) time than the SLA due time."""
    assert codes(f"{GOOD}\n{other_time}") == ["sla_promise_mismatch"]


@pytest.mark.parametrize(
    "other_time", ["Lo resolveremos hoy mismo.", "Lo tendrá mañana.", "Le responderemos en 2 horas."]
)
def test_a_different_time_promise_in_spanish_is_flagged(other_time: str) -> None:
    """A failure means a Spanish draft can promise another time than the SLA due time."""
    assert codes(f"{GOOD_ES}\n{other_time}", promise=PROMISE_ES) == ["sla_promise_mismatch"]


def test_times_the_policy_allows_are_not_flagged() -> None:
    """A failure means the cancellation-processing time of the policy itself ("within 24 hours") blocks a draft."""
    text = f"{GOOD}\nIf you decline, we will process your cancellation within 24 hours."
    assert codes(text) == ["sla_promise_mismatch"]
    assert codes(text, allowed=("within 24 hours",)) == []


def test_missing_sla_promise_is_flagged() -> None:
    """A failure means a draft that promises another due date (or none) passes."""
    assert codes(GOOD.replace(PROMISE, "Friday 20 November 2026, 10:00 (America/New_York)")) == ["sla_promise_mismatch"]


def test_missing_client_name_is_flagged() -> None:
    """A failure means a draft that does not greet the client by name passes."""
    assert codes(GOOD.replace(NAME, "Customer")) == ["missing_greeting"]


def test_client_name_is_matched_without_accents_and_case() -> None:
    """A failure means "Clínica Santa Lucía" is not recognised as the CRM's "Clinica Santa Lucia"."""
    text = GOOD.replace(NAME, "Clínica Santa Lucía")
    found = check_text(text, CREDIT, client_name="Clinica Santa Lucia", sla_promise=PROMISE)
    assert found == []


# --- check_fields -----------------------------------------------------------------------------------


def fields(**changes: object) -> dict[str, object]:
    """The structured fields of a draft that follows CREDIT, with some changed."""
    base: dict[str, object] = {
        "recommended_action": "credit",
        "typification": "REF-02",
        "requires_approval": True,
        "escalate_to": KEY_ACCOUNTS,
        "amount": 1850.0,
    }
    return base | changes


def test_fields_that_follow_the_decision_pass() -> None:
    """A failure means correct draft fields are reported as disagreeing with the policy."""
    assert check_fields(fields(), CREDIT) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("requires_approval", False),
        ("escalate_to", None),
        ("escalate_to", "Account Manager 2.0"),
        ("amount", 10000.0),
        ("typification", "REF-03"),
        ("recommended_action", "full_refund"),
    ],
)
def test_fields_that_disagree_with_the_decision_are_flagged(key: str, value: object) -> None:
    """A failure means a draft's action, amount, approval, escalation or typification can differ from the policy."""
    found = check_fields(fields(**{key: value}), CREDIT)
    assert [v.code for v in found] == ["fields_disagree_with_policy"]
    assert found[0].detail.startswith(f"{key} is {value!r}")


def test_french_and_german_amounts_promises_and_hedges_are_checked() -> None:
    """A failure means a French or German draft can offer more money, promise a refund before credit, or another
    time than the SLA's without the checks noticing (or a correct one is blocked)."""
    fr = f"Bonjour {NAME}, un crédit de USD 1\u202f850,00, sous réserve de l'approbation du {KEY_ACCOUNTS}. {PROMISE}"
    assert codes(fr) == []
    assert codes(fr.replace("1\u202f850,00", "18\u202f500,00")) == ["amount_above_policy"]
    assert codes(fr + " Nous vous rembourserons demain.") == ["refund_before_credit", "sla_promise_mismatch"]
    de = f"Guten Tag {NAME}, eine Gutschrift von USD 1.850,00, vorbehaltlich der Genehmigung. {PROMISE}"
    assert codes(de) == []
    assert codes(de + " Wir erstatten Ihnen alles innerhalb von 2 Stunden.") == [
        "refund_before_credit", "sla_promise_mismatch",
    ]
