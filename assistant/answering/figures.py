"""Structured answers: a tier-specific figure comes from the policy tables, cited beside the prose that states it.

The composer selects pieces by word overlap, so "the credit cap for tier C" can surface the tier B row or a
channel standard. When a question clearly asks for one tier's refund window, L1 limit, credit cap, approver,
rescue contact time or offer, or an SLA target of a named channel, the figure is read from ``knowledge/data``
(the same :class:`PolicyData` and :class:`SlaTable` the tools use) and written in the question's language.
Each part cites a real chunk whose section states that figure for that tier (a table row or a sentence
naming only that tier); when no section does, or anything is unclear, :func:`structured_answer` returns
None and the normal composer answers. The parts a question asks for are read in
:mod:`assistant.answering.figure_parts`; this module decides whether to answer, compares tiers and finds the
section each part cites.
"""

from __future__ import annotations

import re

from assistant.answering.composition import Composition
from assistant.answering.figure_parts import (
    FIGURE_FIELDS,
    LANGUAGES,
    Needles,
    Part,
    asked_parts,
    compared_figure,
    probe_question,
)
from assistant.answering.units import split_units
from assistant.errors import PlaybookError
from assistant.language.vocabulary import DomainVocabulary, tier_token
from assistant.models import Citation, ScoredChunk
from assistant.policy.sla import SlaTable
from assistant.policy.tables import PolicyData
from assistant.retrieval.hybrid import Corpus
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


def structured_answer(
    question: str, language: str, *, results: list[ScoredChunk], corpus: Corpus, conf: float,
    policy: PolicyData, sla: SlaTable, vocabulary: DomainVocabulary,
) -> Composition | None:
    """Answer a tier-specific figure question from the policy tables, each part cited, or return None.

    Args:
        question: the cleaned question.
        language: ``en`` or ``es``; the answer is written in it.
        results: the retrieved chunks (their sections are preferred as citations).
        corpus: the snapshot the results come from (searched when no retrieved section states the figure).
        conf: the confidence already computed, kept on the composition.
        policy: the policy tables (refund limits, approvers, rescue) the figures are read from.
        sla: the SLA targets.
        vocabulary: the knowledge base's domain words, which tell the tiers a question names.

    Returns:
        The composition, or None when the question is not clearly structured, a table lacks the value, or
        no section of the playbook states it (the normal composer then answers).
    """
    lang = language if language in LANGUAGES else "en"
    tiers = vocabulary.tiers_in(question)
    if not tiers and _WHICH_TIER.search(question) and (_MOST.search(question) or _LEAST.search(question)):
        return _comparison(question, lang, results=results, corpus=corpus, conf=conf, policy=policy, sla=sla)
    if len(tiers) != 1 or _NOT_A_LOOKUP.search(question):
        return None
    tier = tiers[0]
    try:
        groups = asked_parts(question, tier, lang=lang, policy=policy, sla=sla)
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
    question: str, lang: str, *, results: list[ScoredChunk], corpus: Corpus, conf: float, policy: PolicyData,
    sla: SlaTable,
) -> Composition | None:
    """Every tier's figure from the tables, the extreme named first ("which tier has the longest window?")."""
    key = compared_figure(question)
    if key is None or not policy.refund_limits:
        return None
    field = FIGURE_FIELDS[key]
    tiers = list(policy.refund_limits)
    try:
        parts = [
            (tier, asked_parts(probe_question(key, tier), tier, lang=lang, policy=policy, sla=sla)) for tier in tiers
        ]
    except (KeyError, IndexError, ValueError, PlaybookError):
        return None
    values = {tier: float(getattr(policy.refund_limits[tier], field)) for tier in tiers}
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
