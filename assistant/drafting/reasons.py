"""Why the client wrote: a keyword reader of the customer message (English, Spanish, French and German).

Hand-written on purpose: the reasons are few and policy-defined, the rules must be auditable, and a
customer message must never be able to pick a reason that grants more than its words say. A reason counts
only when it is stated, not denied: "I was not charged twice" or "I do not want to cancel" state nothing.
When a message states several reasons, the strongest per the policy wins and the others are kept for notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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


# Phrases are written lower-case and without accents (messages are folded the same way before matching).
_KEYWORDS: dict[Reason, tuple[str, ...]] = {
    Reason.DUPLICATE_CHARGE: (
        # en
        "charged twice", "charged me twice", "charged us twice", "billed twice", "billed me twice", "billed us twice",
        "double charge", "double-charged", "double charged", "double billed", "duplicate charge", "duplicated charge",
        "charged two times", "two charges",
        # es
        "cobrado dos veces", "cobraron dos veces", "cobro dos veces", "cargo duplicado", "doble cargo", "doble cobro",
        "cobro duplicado", "cargaron dos veces",
        # fr
        "debite deux fois", "debites deux fois", "debitee deux fois", "preleve deux fois", "preleves deux fois",
        "facture deux fois", "factures deux fois", "paye deux fois", "double prelevement", "double debit",
        "double facturation", "deux prelevements", "prelevement en double",
        # de
        "doppelt abgebucht", "zweimal abgebucht", "doppelt belastet", "zweimal belastet", "doppelt berechnet",
        "zweimal berechnet", "doppelte abbuchung", "doppelbuchung", "doppelte belastung", "doppelt bezahlt",
    ),
    Reason.BILLING_ERROR: (
        # en
        "overcharged", "over-charged", "wrong amount", "charged more", "billing error", "billing mistake",
        "incorrect charge", "wrong charge", "charged the wrong", "invoice is wrong", "wrong invoice",
        "incorrect invoice",
        # es
        "cobro incorrecto", "error de facturacion", "cobraron de mas", "cobraron mas", "monto incorrecto",
        "factura incorrecta", "importe incorrecto", "cobro erroneo",
        # fr
        "erreur de facturation", "montant incorrect", "facture incorrecte", "facture erronee", "trop facture",
        "trop preleve", "surfacture",
        # de
        "falsche rechnung", "rechnung ist falsch", "falscher betrag", "zu viel berechnet", "zu viel abgebucht",
        "abrechnungsfehler", "fehlerhafte rechnung", "rechnungsfehler",
    ),
    Reason.CANCELLATION: (
        # en
        "cancel", "close my account", "close our account", "terminate", "end my subscription", "end our subscription",
        "stop my subscription", "switch to another provider", "move to another provider",
        # es
        "cancelar", "cancelacion", "dar de baja", "darme de baja", "darnos de baja", "terminar el contrato",
        "rescindir",
        # fr
        "resilier", "resiliation", "annuler", "annulation", "mettre fin a mon abonnement",
        # de
        "kundigen", "kundigung", "stornieren", "vertrag beenden", "abo beenden", "abonnement beenden",
    ),
    Reason.COMPLAINT: (
        # en
        "complain", "complaint", "unacceptable", "terrible", "worst", "disgusted", "furious", "outrageous",
        # es
        "queja", "reclamo", "inaceptable", "pesimo", "indignado", "vergonzoso",
        # fr
        "plainte", "reclamation", "inacceptable", "scandaleux", "honteux", "inadmissible",
        # de
        "beschwerde", "inakzeptabel", "unverschamt", "frechheit", "katastrophal", "unzumutbar",
    ),
}
# Strongest first: a billing error or duplicate charge is refunded in full whatever else the client says; a
# cancellation changes who owns the case; a complaint raises the priority.
ORDER = (Reason.DUPLICATE_CHARGE, Reason.BILLING_ERROR, Reason.CANCELLATION, Reason.COMPLAINT)

_NEGATORS = frozenset(
    "not no never dont didnt doesnt wasnt werent havent hasnt wont cannot cant "  # en (apostrophes dropped)
    "nunca jamas ni tampoco "  # es ("no" is shared with en)
    "ne pas jamais aucun aucune "  # fr
    "nicht kein keine keinen keiner nie niemals".split()  # de
)
# Verbs that turn a denial into a claim: "I never asked to be charged twice" still says it happened.
_CLAIM_VERBS = frozenset(
    "asked requested authorized authorised agreed approved expected "
    "pedi solicite autorice acepte demande autorise accepte beantragt autorisiert zugestimmt".split()
)
# "isn't", "couldn't"... once apostrophes are dropped: the auxiliary before "nt".
_AUXILIARIES = frozenset("do does did is are was were have has had could would should must need wo ca".split())
_NEGATION_WINDOW = 4  # words before a phrase that may deny it, inside the same clause
_CLAUSE = re.compile(r"[.!?;:,\n]+|\b(?:but|just|only|instead|pero|sino|solo|mais|juste|seulement|aber|sondern|nur)\b")
_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Reading:
    """What a message states: the reason that decides, the weaker ones, and the ones it denies."""

    reason: Reason
    others: tuple[Reason, ...] = ()
    denied: tuple[Reason, ...] = ()
    matched: dict[Reason, str] = field(default_factory=dict)


def _words(clause: str) -> list[str]:
    return [w.replace("'", "") for w in _TOKEN.findall(clause)]


def _denied(before: list[str]) -> bool:
    """True when a negation among the last words before a phrase denies it (and no claim verb follows it)."""
    window = before[-_NEGATION_WINDOW:]
    for i, word in enumerate(window):
        if word in _NEGATORS or (word.endswith("nt") and word[:-2] in _AUXILIARIES):
            return not any(w in _CLAIM_VERBS for w in window[i + 1 :])
    return False


def _stated(clause: str, phrase: str) -> bool | None:
    """None when the clause lacks the phrase; else True when stated, False when denied."""
    start = clause.find(phrase)
    if start < 0:
        return None
    while start >= 0:
        if not _denied(_words(clause[:start])):
            return True
        start = clause.find(phrase, start + 1)
    return False


def read(message: str, *, default: Reason = Reason.DISSATISFACTION) -> Reading:
    """Read a customer message: the decisive reason, the other reasons it states, and the ones it denies.

    Args:
        message: the customer's words (any language; English, Spanish, French and German are recognised).
        default: the reason when nothing is stated (dissatisfaction for refunds, inactive for rescue).

    Returns:
        The reading; ``reason`` is the strongest stated reason per the policy order, else ``default``.
    """
    text = fold_accents(message.lower()).replace("\u2019", "'")
    clauses = [c for c in _CLAUSE.split(text) if c and c.strip()]
    stated: dict[Reason, str] = {}
    denied: set[Reason] = set()
    for reason in ORDER:
        for phrase in _KEYWORDS[reason]:
            outcomes = [_stated(clause, phrase) for clause in clauses]
            if any(o is True for o in outcomes):
                stated.setdefault(reason, phrase)
            elif any(o is False for o in outcomes):
                denied.add(reason)
    found = [r for r in ORDER if r in stated]
    if not found:
        return Reading(default, (), tuple(r for r in ORDER if r in denied), {})
    return Reading(found[0], tuple(found[1:]), tuple(r for r in ORDER if r in denied and r not in stated), stated)


def classify(message: str, *, default: Reason = Reason.DISSATISFACTION) -> Reason:
    """Return the strongest policy reason the message states (not denies), else ``default``."""
    return read(message, default=default).reason


def mentions(message: str, reason: Reason) -> bool:
    """True when the message states ``reason`` (a cancellation inside a complaint...), denials excluded."""
    reading = read(message)
    return reason == reading.reason and reason in reading.matched or reason in reading.others
