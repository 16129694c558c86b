"""What a composed answer is: the ``Composition`` type, its size budget, the question's terms, and "see also".

Shared by the composer (:mod:`assistant.answering.compose`), the procedure answers
(:mod:`assistant.answering.procedure`) and the table answers (:mod:`assistant.answering.figures`). The question's
terms carry their weights (a follow-up's earlier words weigh less) and the groups of words that exclude each other:
a tier B row does not answer for tier C, nor an L1 duty for L3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.confidence import content_terms
from assistant.language.vocabulary import DomainVocabulary
from assistant.models import SECTION_SEPARATOR, Citation, ScoredChunk
from assistant.text import terms

MAX_CHARS = 1100
MAX_CITATIONS = 5
CONTEXT_WEIGHT = 0.5  # the weight of a follow-up's earlier turns' words against its own
TOPIC_HEADING_COVERAGE = 0.5  # a heading (or title) covering this share of the question is about its topic
# Generic spellings of an exclusive domain word: "tier B" ("tierb") and support level "L2" ("l2").
_GENERIC_EXCLUSIVE = (re.compile(r"^tier[a-z]$"), re.compile(r"^l\d$"))
SEE_ALSO = {"en": "See also", "es": "Véase también"}


@dataclass
class Composition:
    """The composed answer text, its citations and its confidence."""

    text: str
    citations: list[Citation]
    confidence: float


@dataclass(frozen=True)
class QuestionTerms:
    """The question's terms, their weights, and the groups of words that exclude each other (tiers, levels)."""

    text: str
    terms: list[str]
    weights: dict[str, float]
    exclusive: list[frozenset[str]]
    vocabulary: DomainVocabulary


def question_terms(
    question: str, language: str, focus: str | None, vocabulary: DomainVocabulary | None
) -> QuestionTerms:
    """The question's terms, weighted by whether they are the user's own words (``focus``) or the thread's."""
    vocabulary = vocabulary or DomainVocabulary()
    q_terms = content_terms(question, language)
    q_terms += [t for t in sorted(vocabulary.tokens_in(question)) if t not in q_terms]  # "Gold" is tier B
    own = set(content_terms(focus, language)) | vocabulary.tokens_in(focus) if focus else set(q_terms)
    weights = {t: 1.0 if t in own else CONTEXT_WEIGHT for t in q_terms}
    groups = list(vocabulary.exclusive_groups())
    for pattern in _GENERIC_EXCLUSIVE:
        groups.append(frozenset(t for t in q_terms if pattern.match(t)))
    return QuestionTerms(question, q_terms, weights, [g for g in groups if g], vocabulary)


def other_exclusive_only(q: QuestionTerms, unit_terms: set[str]) -> bool:
    """True when the question names a tier (or support level) and the piece names other ones only.

    A tier B row does not answer for tier C, nor an L1 duty for L3.
    """
    for group in q.exclusive:
        asked = group.intersection(q.terms)
        named = {t for t in unit_terms if t in group or _same_kind(t, group)}
        if asked and named and not asked & named:
            return True
    return False


def _same_kind(token: str, group: frozenset[str]) -> bool:
    """True when ``token`` is a generic tier or level token of the kind ``group`` holds ("tierc" for {"tierb"})."""
    return any(pattern.match(token) and any(pattern.match(g) for g in group) for pattern in _GENERIC_EXCLUSIVE)


def headed_for_other(q: QuestionTerms, r: ScoredChunk) -> bool:
    """True when the section's own heading names other tiers or levels only ("Soporte L1" for an L3 question)."""
    heading = r.chunk.section.split(SECTION_SEPARATOR)[-1]
    return other_exclusive_only(q, set(terms(heading, r.chunk.language)) | q.vocabulary.tokens_in(heading))


def with_related(
    composition: Composition, sections: list[ScoredChunk], language: str, max_citations: int = MAX_CITATIONS
) -> Composition:
    """Add the other retrieved documents as numbered "see also" sources (one per document, up to the limit)."""
    if not composition.text:
        return composition
    cited_docs = {c.doc_id for c in composition.citations}
    citations = list(composition.citations)
    related = []
    for r in sections:
        if len(citations) >= max_citations:
            break
        if r.chunk.doc_id in cited_docs:
            continue
        cited_docs.add(r.chunk.doc_id)
        citations.append(Citation.of(len(citations) + 1, r))
        related.append(f"[{len(citations)}]")
    if not related:
        return composition
    see_also = SEE_ALSO.get(language, SEE_ALSO["en"]) + " " + ", ".join(related) + "."
    return Composition(f"{composition.text}\n\n{see_also}", citations, composition.confidence)
