"""Structured answers: a tier-specific figure comes from the policy tables, cited beside the prose that states it.

The composer selects pieces by word overlap, so "the credit cap for tier C" can surface the tier B row or a
channel standard. When a question clearly asks for one tier's refund window, L1 limit, credit cap, approver,
rescue contact time or offer, or an SLA target of a named channel, the figure is read from ``knowledge/data``
(the same :class:`PolicyData` and :class:`SlaTable` the tools use) and written in the question's language.
Each part cites a real chunk whose section states that figure for that tier (a table row or a sentence
naming only that tier); when no section does, or anything is unclear, :func:`structured_answer` returns
None and the normal composer answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.answering.composition import Composition
from assistant.answering.units import split_units
from assistant.durations import humanize
from assistant.errors import PlaybookError
from assistant.language.vocabulary import tier_token
from assistant.models import Citation, ScoredChunk
from assistant.retrieval.hybrid import Corpus
from assistant.services import Services
from assistant.text import terms

# Comparisons across tiers: "which tier has the longest window?", "¿qué nivel tiene el mayor tope?".
_MOST = re.compile(r"\b(longest|most|highest|biggest|largest|greatest|longer|more|higher|bigger|larger"
                   r"|m[aá]s larg[oa]s?|m[aá]s alt[oa]s?|mayor|m[aá]xim[oa])\b", re.IGNORECASE)
_LEAST = re.compile(r"\b(shortest|least|lowest|smallest|fewest|shorter|less|lower|smaller"
                    r"|m[aá]s cort[oa]s?|m[aá]s baj[oa]s?|menor|m[ií]nim[oa])\b", re.IGNORECASE)
_WHICH_TIER = re.compile(r"\b(which|what|qu[eé]|cu[aá]l(es)?)\s+(tiers?|niveles?|categor[ií]as?)\b", re.IGNORECASE)
# Questions about a case rather than a figure: a time of day, a weekday, an amount, a client, a condition.
_NOT_A_LOOKUP = re.compile(
    r"\d{1,2}:\d{2}|\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|lunes|martes|mi[eé]rcoles|jueves"
    r"|viernes|s[aá]bado|domingo|example|ejemplo|happens?|pasa|why|por qu[eé]|if|si|due|vence|usd|c-\d{4}"
    r"|after|passed|expired|late|can'?t|cannot|not|despu[eé]s|vencid[oa]|no puedo"
    r"|move|moves|change|cambi\w*|outside|fuera|priority does|prioridad tiene|codes?|c[oó]digos?|typif\w*"
    r"|tipific\w*)\b|\$",
    re.IGNORECASE,
)
# Clause-opening question words ("what … and who …"): Spanish ones with their accent, as "que" or "como" without
# it are a conjunction, not a question.
_WH = re.compile(r"\b(what|who|how|which|when|where|cu[aá]l(es)?|qui[eé]n(es)?|cómo|cuánt[oa]s?|qué|cuándo|dónde)\b",
                 re.IGNORECASE)
_APPROVER = re.compile(r"\b(approv\w*|aprueba\w*|aprobador\w*|autoriza\w*)\b", re.IGNORECASE)
_APPROVER_LIMIT = re.compile(
    r"\b(up to how much|how much|may grant|can grant|hasta cu[aá]nto|l[ií]mite del aprobador)\b", re.IGNORECASE
)
_L1 = re.compile(r"\bL1\b")
_REFUND = re.compile(r"\b(refund\w*|reembols\w*)\b", re.IGNORECASE)
_CREDIT = re.compile(r"\b(credit\w*|cr[eé]dito\w*)\b", re.IGNORECASE)
_WINDOW = re.compile(r"\b(window|ventana)\b", re.IGNORECASE)
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


@dataclass(frozen=True)
class Part:
    """One answered part: the sentence, and groups of strings each of which one cited row or sentence must hold."""

    text: str
    needles: tuple[tuple[str, ...], ...]


def structured_answer(
    services: Services, question: str, language: str, results: list[ScoredChunk], corpus: Corpus, conf: float
) -> Composition | None:
    """Answer a tier-specific figure question from the policy tables, each part cited, or return None.

    Args:
        services: built by :func:`assistant.factory.build_services` (its ``policy`` and ``sla`` tables).
        question: the cleaned question.
        language: ``en`` or ``es``; the answer is written in it.
        results: the retrieved chunks (their sections are preferred as citations).
        corpus: the snapshot the results come from (searched when no retrieved section states the figure).
        conf: the confidence already computed, kept on the composition.

    Returns:
        The composition, or None when the question is not clearly structured, a table lacks the value, or
        no section of the playbook states it (the normal composer then answers).
    """
    lang = language if language in _WORDS else "en"
    tiers = services.vocabulary.tiers_in(question)
    if not tiers and _WHICH_TIER.search(question) and (_MOST.search(question) or _LEAST.search(question)):
        return _comparison(services, question, lang, results, corpus, conf)
    if len(tiers) != 1 or _NOT_A_LOOKUP.search(question):
        return None
    tier = tiers[0]
    try:
        groups = _parts(services, question, tier, lang)
    except (KeyError, IndexError, ValueError, PlaybookError):  # a table lacks the row or the value
        return None
    if not groups or len(_WH.findall(question)) > sum(weight for weight, _ in groups):
        return None  # a part of the question no table answers: let the composer take all of it
    lines: list[str] = []
    citations: list[Citation] = []
    for _, part in groups:
        number = _cite(part, tier, results, corpus, citations)
        if number is None:
            return None
        lines.append(f"{part.text}. [{number}]")
    return Composition("\n".join(lines), citations, conf)


def _cite(part: Part, tier: str, results: list[ScoredChunk], corpus: Corpus, citations: list[Citation]) -> int | None:
    """The citation number of the section stating ``part`` (added to ``citations`` if new), or None if none does."""
    source = _source(part.needles, tier, results, corpus)
    if source is None:
        return None
    number = next((c.n for c in citations if c.chunk_id == source.chunk.id), len(citations) + 1)
    if number > len(citations):
        citations.append(Citation.of(number, source))
    return number


_FIGURES = {  # the per-tier figures a comparison can rank: template key and RefundLimits field
    "window": "refund_window_days", "cap": "credit_cap_pct", "l1_refund": "l1_refund_max", "l1_credit": "l1_credit_max",
}
_SUPERLATIVE = {
    "en": "Tier {t} has the {w} {f} ({v}).",
    "es": "El nivel {t} tiene {w} {f} ({v}).",
}
_FIGURE_NAMES = {
    "en": {"window": "refund window", "cap": "credit cap", "l1_refund": "L1 refund limit",
           "l1_credit": "L1 credit limit"},
    "es": {"window": "ventana de reembolso", "cap": "tope de crédito", "l1_refund": "límite de reembolso L1",
           "l1_credit": "límite de crédito L1"},
}
_EXTREMES = {"en": ("largest", "smallest"), "es": ("la mayor", "la menor")}


def _comparison(
    services: Services, question: str, lang: str, results: list[ScoredChunk], corpus: Corpus, conf: float
) -> Composition | None:
    """Every tier's figure from the tables, the extreme named first ("which tier has the longest window?")."""
    figures = [key for key, pattern in (("window", _WINDOW), ("cap", _CREDIT_CAP)) if pattern.search(question)]
    if not figures and _L1.search(question):
        figures = ["l1_refund"] if _REFUND.search(question) else ["l1_credit"] if _CREDIT.search(question) else []
    if len(figures) != 1 or not services.policy.refund_limits:
        return None
    key, field = figures[0], _FIGURES[figures[0]]
    tiers = list(services.policy.refund_limits)
    try:
        parts = [(tier, _parts(services, _PROBE[key].format(t=tier), tier, lang)) for tier in tiers]
    except (KeyError, IndexError, ValueError, PlaybookError):
        return None
    values = {tier: float(getattr(services.policy.refund_limits[tier], field)) for tier in tiers}
    most = bool(_MOST.search(question)) and not _LEAST.search(question)
    extreme = (max if most else min)(tiers, key=lambda t: values[t])
    lines: list[str] = []
    citations: list[Citation] = []
    for tier, found in parts:
        if len(found) != 1:
            return None
        part = found[0][1]
        number = _cite(part, tier, results, corpus, citations)
        if number is None:
            return None
        lines.append(f"- {part.text}. [{number}]")
        if tier == extreme:
            shown = part.needles[0][0]
            word = _EXTREMES[lang][0 if most else 1] if lang == "es" else ("longest" if key == "window" else "largest")
            if lang == "en" and not most:
                word = "shortest" if key == "window" else "smallest"
            lead = _SUPERLATIVE[lang].format(t=tier, w=word, f=_FIGURE_NAMES[lang][key], v=shown)
    return Composition(lead + "\n\n" + "\n".join(lines), citations, conf)


_PROBE = {  # a question for one tier's figure, in the form _parts reads
    "window": "refund window tier {t}", "cap": "credit cap tier {t}", "l1_refund": "L1 refund tier {t}",
    "l1_credit": "L1 credit tier {t}",
}


def _parts(services: Services, question: str, tier: str, lang: str) -> list[tuple[int, Part]]:
    """The parts the question asks for, each with how many question clauses it answers."""
    words = _WORDS[lang]
    parts: list[tuple[int, Part]] = []
    if _APPROVER.search(question) or _L1.search(question) or _WINDOW.search(question) or _CREDIT_CAP.search(question):
        limits = services.policy.refund_limits[tier]
        if _WINDOW.search(question):
            days = f"{limits.refund_window_days} {'días' if lang == 'es' else 'days'}"
            parts.append((1, Part(words["window"].format(t=tier, v=days), ((days,),))))
        if _CREDIT_CAP.search(question):
            pct = f"{limits.credit_cap_pct:g}%"
            parts.append((1, Part(words["cap"].format(t=tier, v=pct), ((pct,),))))
        approver_max = _money(limits.approver_max, lang)
        approver_row = ("aprobador" if lang == "es" else "approver", limits.approver, approver_max)
        if _APPROVER.search(question) and _APPROVER_LIMIT.search(question):
            text = words["above"].format(t=tier, v=limits.approver, m=approver_max, x=services.policy.above_approver)
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
    parts += _rescue_parts(services, question, tier, lang)
    parts += _sla_parts(services, question, tier, lang)
    return parts


def _rescue_parts(services: Services, question: str, tier: str, lang: str) -> Iterator[tuple[int, Part]]:
    """The rescue owner's contact time, or the tier's rescue offers (one, when the question names it)."""
    words = _WORDS[lang]
    if _RESCUE_CONTACT.search(question):
        rescue = services.policy.rescue[tier]
        days = rescue.contact_within_business_days
        if lang == "es":
            when = f"{days} {'día hábil' if days == 1 else 'días hábiles'}"
        else:
            when = f"{days} {'business day' if days == 1 else 'business days'}"
        yield 1, Part(words["contact"].format(t=tier, o=rescue.owner, v=when), ((rescue.owner, when),))
    elif _RESCUE_OFFER.search(question):
        rescue = services.policy.rescue[tier]
        offers = list(rescue.offers_es if lang == "es" and rescue.offers_es else rescue.offers)
        if _SECOND.search(question):
            yield 1, Part(words["offer2"].format(t=tier, v=offers[1]), ((offers[1],),))
        elif _FIRST.search(question):
            yield 1, Part(words["offer1"].format(t=tier, v=offers[0]), ((offers[0],),))
        else:
            listed = "; ".join(f"{n}) {offer}" for n, offer in enumerate(offers, start=1))
            yield 1, Part(words["offers"].format(t=tier, v=listed), (tuple(offers),))


def _sla_parts(services: Services, question: str, tier: str, lang: str) -> Iterator[tuple[int, Part]]:
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
    targets = [services.sla.get(tier, channel, p) for p in priorities]
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


Needles = tuple[tuple[str, ...], ...]


def _source(needles: Needles, tier: str, results: list[ScoredChunk], corpus: Corpus) -> ScoredChunk | None:
    """The section that states the figure for the tier: a table row first, retrieved sections before the rest.

    Searched: the retrieved sections, the other sections of their documents, then the sections a keyword search
    for the figure itself finds (the question's words may miss the table that states it). Never the whole corpus:
    the work stays bounded whatever the corpus size (a corpus-wide scan cost 6 s per question at 100k chunks).
    """
    language = results[0].chunk.language if results else None
    sections: dict[tuple[str, int], ScoredChunk] = {}
    same_docs = (
        ScoredChunk(chunk=parts[0], score=0.0)
        for doc_id in dict.fromkeys(r.chunk.doc_id for r in results)
        for parts in corpus.doc_sections.get(doc_id, [])
    )
    for candidate in [*results, *same_docs, *_figure_search(needles, tier, language, corpus)]:
        if language in (None, candidate.chunk.language):
            sections.setdefault(candidate.chunk.parent_key, candidate)
    pieces: dict[tuple[str, int], list[tuple[str, bool]]] = {}
    for rows_only in (True, False):
        for key, section in sections.items():
            if key not in pieces:  # split lazily: the first retrieved sections usually state the figure
                pieces[key] = _pieces(corpus.section_text(section.chunk), tier, section.chunk.language)
            usable = [text for text, is_row in pieces[key] if is_row or not rows_only]
            if all(any(all(n.lower() in text for n in group) for text in usable) for group in needles):
                return section
    return None


def _figure_search(needles: Needles, tier: str, language: str | None, corpus: Corpus) -> list[ScoredChunk]:
    """The top sections of a BM25 search for the expected strings themselves and the tier."""
    languages = corpus.bm25.languages
    if not languages:
        return []
    lang = language if language in languages else languages[0]
    probe = " ".join(n for group in needles for n in group) + f" tier {tier} nivel {tier}"
    return [ScoredChunk(chunk=corpus.chunks[p], score=0.0) for p, _ in corpus.bm25.search(probe, lang, 20)]


_ROW = re.compile(r"^(tier|nivel): \w+;")


def _pieces(section_text: str, tier: str, language: str) -> list[tuple[str, bool]]:
    """The section's table rows and sentences that name only this tier, lower-cased, each flagged if a row."""
    wanted = {tier_token(tier)}
    units = [u.text.lower() for u in split_units(section_text)]
    return [(text, bool(_ROW.match(text))) for text in units if _tiers_named(text, language) == wanted]


def _tiers_named(text: str, language: str) -> set[str]:
    """The tier tokens of a piece of text ("tiera" for "Tier: A" or "nivel A")."""
    return {t for t in terms(text, language) if re.fullmatch(r"tier[a-z]", t)}
