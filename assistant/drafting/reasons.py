"""Why the client wrote: a keyword classifier over the customer message (English and Spanish).

Hand-written on purpose: the reasons are few and policy-defined, the rules must be auditable, and a
customer message must never be able to pick a reason that grants more than its words say.
"""

from __future__ import annotations

from enum import StrEnum

from assistant.text import fold_accents


class Reason(StrEnum):
    """Policy reasons for a refund or rescue conversation."""

    BILLING_ERROR = "billing_error"
    DUPLICATE_CHARGE = "duplicate_charge"
    CANCELLATION = "cancellation"
    COMPLAINT = "complaint"
    DISSATISFACTION = "dissatisfaction"
    INACTIVE = "inactive"


_KEYWORDS: dict[Reason, tuple[str, ...]] = {
    Reason.DUPLICATE_CHARGE: (
        "charged twice",
        "double charge",
        "double-charged",
        "double charged",
        "duplicate charge",
        "charged two times",
        "two charges",
        "cobrado dos veces",
        "cobraron dos veces",
        "cargo duplicado",
        "doble cargo",
        "doble cobro",
        "cobro duplicado",
    ),
    Reason.BILLING_ERROR: (
        "overcharged",
        "wrong amount",
        "charged more",
        "billing error",
        "incorrect charge",
        "wrong charge",
        "charged the wrong",
        "invoice is wrong",
        "wrong invoice",
        "cobro incorrecto",
        "error de facturacion",
        "cobraron de mas",
        "cobraron mas",
        "monto incorrecto",
        "factura incorrecta",
        "importe incorrecto",
    ),
    Reason.CANCELLATION: (
        "cancel",
        "close my account",
        "terminate",
        "end my subscription",
        "stop my subscription",
        "leave lumora",
        "cancelar",
        "cancelacion",
        "dar de baja",
        "darme de baja",
        "dejar lumora",
        "terminar el contrato",
    ),
    Reason.COMPLAINT: (
        "complain",
        "complaint",
        "unacceptable",
        "terrible",
        "worst",
        "disgusted",
        "furious",
        "queja",
        "reclamo",
        "inaceptable",
        "pesimo",
        "terrible",
        "indignado",
    ),
}
_ORDER = (Reason.DUPLICATE_CHARGE, Reason.BILLING_ERROR, Reason.CANCELLATION, Reason.COMPLAINT)


def classify(message: str, *, default: Reason = Reason.DISSATISFACTION) -> Reason:
    """Return the first policy reason whose keywords appear in the message, else ``default``."""
    text = fold_accents(message.lower())
    for reason in _ORDER:
        if any(k in text for k in _KEYWORDS[reason]):
            return reason
    return default


def mentions(message: str, reason: Reason) -> bool:
    """True when the message carries the keywords of ``reason`` (a cancellation inside a complaint...)."""
    text = fold_accents(message.lower())
    return any(k in text for k in _KEYWORDS.get(reason, ()))
