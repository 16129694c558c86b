"""The parts a figure question asks for, read from the policy and SLA tables and written in its language.

"What is the refund window and who approves for tier C?" asks for two parts: the tier's refund window and its
approver. Each :class:`Part` is one sentence with the figure (from the same :class:`PolicyData` and
:class:`SlaTable` the tools use) and the strings a cited row or sentence of the playbook must hold for it. A
comparison across tiers ("which tier has the longest window?") ranks one figure: :func:`compared_figure`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.policy.durations import humanize
from assistant.policy.sla import SlaTable
from assistant.policy.tables import PolicyData

_APPROVER = re.compile(r"\b(approv\w*|aprueba\w*|aprobador\w*|autoriza\w*)\b", re.IGNORECASE)
_APPROVER_LIMIT = re.compile(
    r"\b(up to how much|how much|may grant|can grant|hasta cu[aá]nto|l[ií]mite del aprobador)\b", re.IGNORECASE
)
# The first support level, as the tables name it or as people say it ("a first-line agent").
_L1 = re.compile(r"\bL1\b|\b(first|1st)[- ]line\b|\bprimera l[ií]nea\b")
# A refund by name or as people ask for one ("their money back", "how much can I give back").
_REFUND = re.compile(
    r"\b(refund\w*|reembols\w*|reimburs\w*|money back|(give|pay|send) (\w+ )?back|devoluci[oó]n|devolver)\b",
    re.IGNORECASE,
)
_CREDIT = re.compile(r"\b(credit\w*|cr[eé]dito\w*)\b", re.IGNORECASE)
_WINDOW_NAMED = re.compile(r"\b(window|ventana)\b", re.IGNORECASE)
# The time a client has to ask for a refund ("how many days does a client have to ask for their money back?").
_TIME_TO_ASK = re.compile(
    r"\bhow (many days|long)\b[^?]*\b(have|has|get)\b[^?]*\bto (ask|request|claim|apply) for (\w+ ){0,2}"
    r"(refunds?|reimbursements?|money back)\b"
    r"|\bcu[aá]ntos d[ií]as\b[^?]*\bpara (pedir|solicitar|reclamar) (\w+ ){0,2}(reembolsos?|devoluci[oó]n)\b",
    re.IGNORECASE,
)
_CREDIT_CAP = re.compile(
    r"\b(credit cap|(largest|biggest|maximum|max|highest) (service )?credit|tope de cr[eé]dito"
    r"|cr[eé]dito (de servicio )?m[aá]ximo|mayor cr[eé]dito)\b",
    re.IGNORECASE,
)
_RESCUE_CONTACT = re.compile(r"\bcontact\w*\b.*\b(at risk|rescue|riesgo|rescate)\b", re.IGNORECASE)
_RESCUE_OFFER = re.compile(r"\b(rescue offers?|ofertas? de rescate)\b", re.IGNORECASE)
_SECOND = re.compile(r"\b(second|commercial|segunda|comercial)\b", re.IGNORECASE)
_FIRST = re.compile(r"\b(first|service offer|primera|oferta de servicio)\b", re.IGNORECASE)
_FIRST_RESPONSE = re.compile(
    r"\b(first response|answer(ed)?|respond\w*|reply|replied|primera respuesta|responde\w*|contesta\w*)\b",
    re.IGNORECASE,
)
_RESOLUTION = re.compile(r"\b(resolution|resolved?|resoluci[oó]n|resolve\w*)\b", re.IGNORECASE)
_SLA = re.compile(r"\b(sla|targets?|objetivos?|compromisos?)\b", re.IGNORECASE)
_CHANNELS = {
    "phone": (r"phone|calls?|tel[eé]fono|llamadas?", {"en": "phone", "es": "teléfono"}),
    "email": (r"e-?mails?|correos?", {"en": "email", "es": "correo"}),
    "chat": (r"chats?", {"en": "chat", "es": "chat"}),
    "ticket": (r"tickets?", {"en": "ticket", "es": "ticket"}),
    "video": (r"v[ií]deos?", {"en": "video", "es": "video"}),
}
_PRIORITIES = {
    "urgent": (r"urgent|urgente", {"en": "urgent", "es": "urgente"}),
    "high": (r"high|alta", {"en": "high", "es": "alta"}),
    "normal": (r"normal", {"en": "normal", "es": "normal"}),
    "low": (r"low|baja", {"en": "low", "es": "baja"}),
}
_WORDS = {
    "en": {
        "window": "Tier {t}: the refund window is {v}, counted from the date of the charge",
        "l1_refund": "Tier {t}: an L1 may refund up to {v} alone, per case",
        "l1_credit": "Tier {t}: an L1 may credit up to {v} alone, per case",
        "cap": "Tier {t}: the credit cap is {v} of one monthly fee",
        "approver": "Tier {t}: above the L1 limit, the {v} approves, up to {m}",
        "above": "Tier {t}: the {v} may grant up to {m}; above that, the {x} decides",
        "contact": "Tier {t}: the owner, {o}, contacts a client flagged at risk within {v}",
        "offers": "Tier {t} rescue offers, one per conversation, in this order: {v}",
        "offer2": "Tier {t}: the second (commercial) rescue offer is: {v}",
        "offer1": "Tier {t}: the first (service) rescue offer is: {v}",
        "sla": "Tier {t}, {c}{p}: {v}",
        "fr": "first response within {v}",
        "res": "resolution within {v}",
        "prio": ", {v} priority",
    },
    "es": {
        "window": "Nivel {t}: la ventana de reembolso es de {v}, contados desde la fecha del cargo",
        "l1_refund": "Nivel {t}: un L1 puede reembolsar solo hasta {v} por caso",
        "l1_credit": "Nivel {t}: un L1 puede otorgar solo un crédito de hasta {v} por caso",
        "cap": "Nivel {t}: el tope de crédito es {v} de 1 mensualidad",
        "approver": "Nivel {t}: por encima del límite del L1 aprueba el {v}, hasta {m}",
        "above": "Nivel {t}: el {v} puede otorgar hasta {m}; por encima de ese monto decide el {x}",
        "contact": "Nivel {t}: el responsable, {o}, contacta al cliente marcado en riesgo dentro de {v}",
        "offers": "Nivel {t}, ofertas de rescate (una por conversación, en este orden): {v}",
        "offer2": "Nivel {t}: la segunda oferta de rescate (comercial) es: {v}",
        "offer1": "Nivel {t}: la primera oferta de rescate (de servicio) es: {v}",
        "sla": "Nivel {t}, {c}{p}: {v}",
        "fr": "primera respuesta en {v}",
        "res": "resolución en {v}",
        "prio": ", prioridad {v}",
    },
}
LANGUAGES = tuple(_WORDS)  # the languages parts are written in


Needles = tuple[tuple[str, ...], ...]  # groups of strings; each group must be in one cited row or sentence


@dataclass(frozen=True)
class Part:
    """One answered part: the sentence, and groups of strings each of which one cited row or sentence must hold."""

    text: str
    needles: Needles


FIGURE_FIELDS = {  # the per-tier figures a comparison can rank: template key and RefundLimits field
    "window": "refund_window_days", "cap": "credit_cap_pct", "l1_refund": "l1_refund_max", "l1_credit": "l1_credit_max",
}

_PROBE = {  # a question for one tier's figure, in the form asked_parts reads
    "window": "refund window tier {t}", "cap": "credit cap tier {t}", "l1_refund": "L1 refund tier {t}",
    "l1_credit": "L1 credit tier {t}",
}


def compared_figure(question: str) -> str | None:
    """The one per-tier figure a comparison question ranks (a key of :data:`FIGURE_FIELDS`), or None."""
    figures = [key for key, pattern in (("window", _WINDOW_NAMED), ("cap", _CREDIT_CAP)) if pattern.search(question)]
    if not figures and _L1.search(question):
        figures = ["l1_refund"] if _REFUND.search(question) else ["l1_credit"] if _CREDIT.search(question) else []
    return figures[0] if len(figures) == 1 else None


def probe_question(figure: str, tier: str) -> str:
    """A question for one tier's ``figure``, in the form :func:`asked_parts` reads ("refund window tier B")."""
    return _PROBE[figure].format(t=tier)


def asked_parts(
    question: str, tier: str, *, lang: str, policy: PolicyData, sla: SlaTable
) -> list[tuple[int, Part]]:
    """The parts the question asks for, each with how many question clauses it answers.

    Args:
        question: the cleaned question (or a :func:`probe_question`).
        tier: the one tier it names.
        lang: ``en`` or ``es``; the parts are written in it.
        policy: the policy tables (refund limits, approvers, rescue).
        sla: the SLA targets.

    Returns:
        ``(clauses answered, part)`` pairs, in the order the tables are read; empty when no table answers.

    Raises:
        KeyError, IndexError, ValueError, PlaybookError: a table lacks the row or the value.
    """
    words = _WORDS[lang]
    parts: list[tuple[int, Part]] = []
    if _APPROVER.search(question) or _L1.search(question) or _asks_window(question) or _CREDIT_CAP.search(question):
        limits = policy.refund_limits[tier]
        if _asks_window(question):
            days = f"{limits.refund_window_days} {'días' if lang == 'es' else 'days'}"
            parts.append((1, Part(words["window"].format(t=tier, v=days), ((days,),))))
        if _CREDIT_CAP.search(question):
            pct = f"{limits.credit_cap_pct:g}%"
            parts.append((1, Part(words["cap"].format(t=tier, v=pct), ((pct,),))))
        approver_max = _money(limits.approver_max, lang)
        approver_row = ("aprobador" if lang == "es" else "approver", limits.approver, approver_max)
        if _APPROVER.search(question) and _APPROVER_LIMIT.search(question):
            text = words["above"].format(t=tier, v=limits.approver, m=approver_max, x=policy.above_approver)
            parts.append((2, Part(text, (approver_row,))))
        elif _APPROVER.search(question):
            text = words["approver"].format(t=tier, v=limits.approver, m=approver_max)
            parts.append((1, Part(text, (approver_row,))))
        elif _L1.search(question):
            if _REFUND.search(question):
                money = _money(limits.l1_refund_max, lang)
                parts.append((1, Part(words["l1_refund"].format(t=tier, v=money), ((money,),))))
            if _CREDIT.search(question):
                money = _money(limits.l1_credit_max, lang)
                parts.append((1, Part(words["l1_credit"].format(t=tier, v=money), ((money,),))))
    parts += _rescue_parts(policy, question, tier, lang)
    parts += _sla_parts(sla, question, tier, lang)
    return parts


def _rescue_parts(policy: PolicyData, question: str, tier: str, lang: str) -> Iterator[tuple[int, Part]]:
    """The rescue owner's contact time, or the tier's rescue offers (one, when the question names it)."""
    words = _WORDS[lang]
    if _RESCUE_CONTACT.search(question):
        rescue = policy.rescue[tier]
        days = rescue.contact_within_business_days
        if lang == "es":
            when = f"{days} {'día hábil' if days == 1 else 'días hábiles'}"
        else:
            when = f"{days} {'business day' if days == 1 else 'business days'}"
        yield 1, Part(words["contact"].format(t=tier, o=rescue.owner, v=when), ((rescue.owner, when),))
    elif _RESCUE_OFFER.search(question):
        rescue = policy.rescue[tier]
        offers = list(rescue.offers_es if lang == "es" and rescue.offers_es else rescue.offers)
        if _SECOND.search(question):
            yield 1, Part(words["offer2"].format(t=tier, v=offers[1]), ((offers[1],),))
        elif _FIRST.search(question):
            yield 1, Part(words["offer1"].format(t=tier, v=offers[0]), ((offers[0],),))
        else:
            listed = "; ".join(f"{n}) {offer}" for n, offer in enumerate(offers, start=1))
            yield 1, Part(words["offers"].format(t=tier, v=listed), (tuple(offers),))


def _sla_parts(sla: SlaTable, question: str, tier: str, lang: str) -> Iterator[tuple[int, Part]]:
    """First-response and/or resolution targets of one named channel, per named priority (or every one)."""
    channels = [c for c, (pattern, _) in _CHANNELS.items() if re.search(rf"\b({pattern})\b", question, re.I)]
    first, resolution = bool(_FIRST_RESPONSE.search(question)), bool(_RESOLUTION.search(question))
    if len(channels) != 1 or not (first or resolution or _SLA.search(question)):
        return
    if not (first or resolution):
        first = resolution = True
    channel = channels[0]
    named = [p for p, (pattern, _) in _PRIORITIES.items() if re.search(rf"\b({pattern})\b", question, re.I)]
    priorities = named or list(_PRIORITIES)
    words = _WORDS[lang]
    targets = [sla.get(tier, channel, p) for p in priorities]
    clauses: list[str] = []
    rows = [[_CHANNELS[channel][1][lang], _PRIORITIES[p][1][lang]] for p in priorities]
    for wanted, key, attr in ((first, "fr", "first_response"), (resolution, "res", "resolution")):
        if not wanted:
            continue
        values = [humanize(getattr(t, attr), lang) for t in targets]
        for row, value in zip(rows, values, strict=True):
            row.append(value)
        if len(set(values)) == 1:
            clauses.append(words[key].format(v=values[0]))
        else:
            labels = [_PRIORITIES[p][1][lang] for p in priorities]
            clauses.append(words[key].format(v=", ".join(f"{v} ({lb})" for v, lb in zip(values, labels, strict=True))))
    priority = words["prio"].format(v=_PRIORITIES[named[0]][1][lang]) if len(named) == 1 else ""
    text = words["sla"].format(t=tier, c=_CHANNELS[channel][1][lang], p=priority, v="; ".join(clauses))
    yield (2 if first and resolution and _FIRST_RESPONSE.search(question) and _RESOLUTION.search(question) else 1,
           Part(text, tuple(tuple(row) for row in rows)))


def _money(amount: float, lang: str) -> str:
    """USD as the playbook writes it: "USD 1,000" in English, "USD 1000" in Spanish."""
    return f"USD {amount:,.0f}" if lang == "en" else f"USD {amount:.0f}"


def _asks_window(question: str) -> bool:
    """True when the question asks for the refund window, by name or as the time a client has to ask for one."""
    return bool(_WINDOW_NAMED.search(question) or _TIME_TO_ASK.search(question))
