"""Policy checks every draft passes before anyone sees it, whoever wrote it (template or LLM).

Each check returns violations as short codes with a reason; an empty list means the draft may be shown.
Rules enforced:
- ``amount_above_policy``: no money amount in the text above what the decision allows.
- ``refund_before_credit``: no refund promised when the policy says credit (or rescue) first.
- ``missing_approval_hedge``: an amount above the L1 limit is offered "subject to approval", never as done.
- ``sla_promise_mismatch``: the reply promises the SLA due time, and no other (faster or slower) time.
- ``missing_greeting``: the client is greeted by name.
- ``offer_before_fix``: a reply to a complaint does not make the rescue offer (English or Spanish wording) before
  the problem is solved.
- ``fields_disagree_with_policy``: action, amount, approval, escalation and typification equal the decision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting.policy import Decision
from assistant.text import fold_accents

# Any ISO 4217 code (upper case only, so "the 5" is no amount) or a common symbol, before or after the number.
# Digits may be grouped by "," "." or a (narrow) no-break space, as French writes "1 400,00".
_NUMBER = r"(\d(?:[\d.,]|[\u00a0\u202f](?=\d{3}))*)"
_MONEY = re.compile(
    rf"(?:(?-i:\b[A-Z]{{3}})|US\$|\$|€|£)\s?{_NUMBER}"
    rf"|{_NUMBER}\s?(?:(?-i:[A-Z]{{3}})|US\$|dollars|d[oó]lares|€|£|euros?)\b",
    re.IGNORECASE,
)
_REFUND_PROMISE = re.compile(
    r"\b(we will|we'll|we have|i will|i'll|we are going to|we're going to)\s+(?:\w+\s+){0,2}refund"
    r"|\bfull refund\b|\brefund(?:ed)? (?:you|your)\b"
    r"|\b(?:le |te )?reembolsaremos\b|\breembolso (?:completo|total)\b|\b(?:vamos|voy) a reembolsar"
    r"|\b(?:vous )?rembourserons\b|\bremboursement (?:int[ée]gral|complet)\b"
    r"|\berstatten (?:wir|ihnen)\b|\bwir erstatten\b|\bvollst[äa]ndige r[üu]ckerstattung\b",
    re.IGNORECASE,
)
_TIME_PROMISE = re.compile(
    r"\b(today|tonight|tomorrow|right away|immediately|asap|within \d+ (?:minutes?|hours?|days?)"
    r"|in \d+ (?:minutes?|hours?|days?)|hoy(?: mismo)?|mañana|de inmediato|inmediatamente"
    r"|(?:en|dentro de) (?:las próximas |los próximos )?\d+ (?:minutos|horas|días)"
    r"|aujourd'hui|demain|imm[ée]diatement|(?:dans|sous) \d+ (?:minutes|heures)"
    r"|heute|morgen|sofort|(?:innerhalb von|in) \d+ (?:Minuten|Stunden))\b",
    re.IGNORECASE,
)
_HEDGE = ("approval", "approve", "aprobación", "aprobado", "approbation", "approuv", "genehmig")


def policy_times(hours: int) -> tuple[str, ...]:
    """Time phrases the policy itself sets (a declined rescue offer: the cancellation within N hours)."""
    return (f"within {hours} hours", f"dentro de {hours} horas", f"sous {hours} heures",
            f"innerhalb von {hours} Stunden")


@dataclass(frozen=True)
class Violation:
    """One broken rule."""

    code: str
    detail: str


def promises_refund(text: str) -> bool:
    """True when the text promises a refund ("we will refund", "full refund", "le reembolsaremos"...)."""
    return _REFUND_PROMISE.search(text) is not None


def time_promises(text: str) -> list[str]:
    """Every time promise in the text ("today", "within 2 hours", "hoy mismo"...)."""
    return [m.group(0) for m in _TIME_PROMISE.finditer(text)]


def _amounts(text: str) -> list[float]:
    out = []
    for match in _MONEY.finditer(text):
        raw = re.sub(r"[\u00a0\u202f]", "", (match.group(1) or match.group(2) or "").rstrip(".,"))
        if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+,\d{1,2}", raw):  # 1.000,50 or 5,90 (Spanish style)
            raw = raw.replace(".", "").replace(",", ".")
        else:
            raw = raw.replace(",", "")
        try:
            out.append(float(raw))
        except ValueError:
            continue
    return out


def check_text(
    text: str, decision: Decision, *, client_name: str, sla_promise: str, allowed_times: tuple[str, ...] = ()
) -> list[Violation]:
    """Check a draft's text against the decision it must follow."""
    found: list[Violation] = []
    limit = decision.amount or 0.0
    for amount in _amounts(text):
        if amount > limit + 0.005:
            found.append(Violation("amount_above_policy", f"{amount:g} is above the allowed {limit:g}"))
    if decision.recommended_action != "full_refund" and promises_refund(text):
        found.append(Violation("refund_before_credit", "the policy says credit or rescue first; a refund is promised"))
    if decision.requires_approval and not any(h in text.lower() for h in _HEDGE):
        found.append(
            Violation("missing_approval_hedge", f"needs approval by {decision.approver}, text does not say so")
        )
    if sla_promise not in text:
        found.append(Violation("sla_promise_mismatch", f"the reply must promise {sla_promise!r}"))
    rest = text.replace(sla_promise, "")
    for allowed in allowed_times:
        rest = rest.replace(allowed, "")
    for promise in time_promises(rest):
        found.append(Violation("sla_promise_mismatch", f"promises {promise!r}, not the SLA due time"))
    folded = fold_accents(text.lower())
    if fold_accents(client_name.lower()) not in folded:
        found.append(Violation("missing_greeting", "the client is not greeted by name"))
    if decision.offer_after_fix and _makes_offer(folded, decision):
        found.append(Violation("offer_before_fix", "a complaint is solved before the rescue offer is made"))
    return found


def _makes_offer(folded_text: str, decision: Decision) -> bool:
    """True when the text makes the decision's rescue offer, in English or in Spanish wording."""
    wordings = (decision.offer, decision.offer_es)
    return any(w and fold_accents(w.lower()) in folded_text for w in wordings)


def check_fields(fields: dict[str, object], decision: Decision) -> list[Violation]:
    """Check a draft's structured fields (action, amount, approvals, typification) against the decision."""
    expected = {
        "recommended_action": decision.recommended_action,
        "typification": decision.typification,
        "requires_approval": decision.requires_approval,
        "escalate_to": decision.escalate_to,
    }
    if decision.amount is not None:
        expected["amount"] = decision.amount
    return [
        Violation("fields_disagree_with_policy", f"{key} is {fields.get(key)!r}, policy says {value!r}")
        for key, value in expected.items()
        if fields.get(key) != value
    ]
