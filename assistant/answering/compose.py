"""Grounded answers without an LLM: select the sentences, list items and table rows that answer.

Retrieve small, answer from the section: the top chunks point at sections (a long section, such as a web page
without subheadings, is narrowed to its retrieved chunks); every sentence, list item and table row there is
scored against the question (IDF-weighted term overlap, plus the section's retrieval rank), the best are kept
in document order, numbered steps stay together for "how do I" questions, and each piece is cited. The best
retrieved section always answers first; the other retrieved documents are listed as "see also", so the reader
can check where else the knowledge base speaks of it ("see also", :mod:`assistant.answering.composition`). A "how
do I" question with a procedure for it is answered with its steps (:mod:`assistant.answering.procedure`).
"""

from __future__ import annotations

import re

from assistant.answering.composition import (
    MAX_CHARS,
    MAX_CITATIONS,
    TOPIC_HEADING_COVERAGE,
    Composition,
    QuestionTerms,
    headed_for_other,
    other_exclusive_only,
    question_terms,
    with_related,
)
from assistant.answering.confidence import coverage
from assistant.answering.procedure import named_step, one_step_answer, procedure_steps, sibling_steps, steps_answer
from assistant.answering.render import render
from assistant.answering.units import Unit, split_units
from assistant.language.vocabulary import DomainVocabulary
from assistant.models import SECTION_SEPARATOR, Citation, ScoredChunk
from assistant.retrieval.hybrid import Corpus, join_overlapping
from assistant.text import terms

MAX_SECTIONS = 4
MAX_UNITS = 7
LONG_SECTION_CHARS = 2500  # longer sections (whole web pages) are narrowed to their retrieved chunks
_PROCEDURAL = re.compile(
    r"\b(how (do|should|can|to)|steps?|procedure|process|what (do|should|must) (i|we) do|cómo|pasos?|procedimiento"
    r"|proceso|qué (hago|debo hacer|hacemos))\b",
    re.IGNORECASE,
)
# "What are the ten SOPs?", "¿Cuáles son las 5 señales?": a count asks for the whole list.
_ASKS_FOR_LIST = re.compile(
    r"\b(what|which|cu[aá]les) (are|were|son) (the|los|las) (\d+|two|three|four|five|six|seven|eight|nine|ten"
    r"|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez)\b",
    re.IGNORECASE,
)
_ASKS_FOR_STEPS = re.compile(
    r"\b(steps?|stages?|phases?|procedure|pasos?|etapas?|fases?|procedimiento)\b", re.IGNORECASE
)


def compose(
    question: str, language: str, results: list[ScoredChunk], corpus: Corpus, conf: float,
    *, focus: str | None = None, vocabulary: DomainVocabulary | None = None,
    related: list[ScoredChunk] | None = None, max_citations: int = MAX_CITATIONS,
) -> Composition:
    """Build the cited answer from the sections of the top results.

    Args:
        question: the text searched for (for a follow-up, with its thread's words).
        language: the question's language.
        results: the retrieved chunks, best first.
        corpus: the snapshot they come from.
        conf: the confidence already computed, kept on the composition.
        focus: the user's own words, when ``question`` carries words of earlier turns (they weigh more).
        vocabulary: the knowledge base's domain words (tiers, levels) that exclude each other.
        related: a longer list of retrieved chunks, best first, to name other documents from ("see also").
        max_citations: how many sources at most (the "see also" documents fill up to it).

    Returns:
        The composition; its text is empty when nothing retrieved answers.
    """
    q = question_terms(question, language, focus, vocabulary)
    sections: list[ScoredChunk] = []
    for r in results:
        if r.chunk.parent_key not in {s.chunk.parent_key for s in sections}:
            sections.append(r)
    sections = [s for s in sections if not headed_for_other(q, s)] or sections
    others = [*sections, *(r for r in related or [] if not headed_for_other(q, r))]
    procedure = procedure_steps(q, sections, corpus) if _PROCEDURAL.search(focus or question) else None
    if procedure is not None:
        return with_related(steps_answer(procedure, conf), others, language, max_citations)
    scored, per_section = _score(q, sections[:MAX_SECTIONS], results, corpus)
    if not scored:
        return Composition("", [], conf)
    steps = sibling_steps(sections[0], corpus) if _ASKS_FOR_STEPS.search(question) else []
    named = named_step(question, steps)
    if named is not None:
        return one_step_answer(named, corpus, conf)
    if len(steps) >= 2:
        return with_related(steps_answer(steps, conf), others, language, max_citations)
    procedural = bool(_PROCEDURAL.search(question) or _ASKS_FOR_LIST.search(question))
    chosen = _select(scored, per_section, procedural)
    used_ranks = sorted({rank for rank, _ in chosen})
    number = {rank: n for n, rank in enumerate(used_ranks, start=1)}
    ordered = sorted(chosen, key=lambda x: (used_ranks.index(x[0]), x[1].order))
    citations = [Citation.of(number[rank], sections[rank]) for rank in used_ranks]
    composition = Composition(render([(number[r], u) for r, u in ordered]), citations, conf)
    return with_related(composition, others, language, max_citations)


def _score(
    q: QuestionTerms, sections: list[ScoredChunk], results: list[ScoredChunk], corpus: Corpus
) -> tuple[list[tuple[float, int, Unit]], dict[int, list[Unit]]]:
    """Every unit of the top sections with its score (own coverage, coverage with the heading, rank)."""
    scored: list[tuple[float, int, Unit]] = []
    per_section: dict[int, list[Unit]] = {}
    topic = _topic_section(q, sections, corpus)
    for rank, r in enumerate(sections):
        heading_terms = set(terms(f"{r.chunk.title} {r.chunk.section}", r.chunk.language))
        units = split_units(_answer_region(r, results, corpus))
        per_section[rank] = units
        for u in units:
            unit_terms = set(terms(u.text, r.chunk.language)) | q.vocabulary.tokens_in(u.text)
            if other_exclusive_only(q, unit_terms):
                continue
            own = coverage(q.terms, unit_terms, corpus, q.weights)
            if topic is not None and rank == topic[0] and u.listed:  # the items of "Early warning signs"
                own = max(own, topic[1])
            if rank > 0 and own < 0.4:  # lower-ranked sections contribute only pieces that answer on their own
                continue
            overlap = coverage(q.terms, unit_terms | heading_terms, corpus, q.weights)
            scored.append((0.5 * own + 0.3 * overlap + 0.2 / (1 + rank), rank, u))
    return scored, per_section


def _answer_region(r: ScoredChunk, results: list[ScoredChunk], corpus: Corpus) -> str:
    """The text to answer from: the whole section, or for a long one its retrieved chunks and the one after."""
    text = corpus.section_text(r.chunk)
    if len(text) <= LONG_SECTION_CHARS:
        return text
    parts = corpus.sections.get(r.chunk.parent_key, [r.chunk])
    hit = {x.chunk.id for x in results if x.chunk.parent_key == r.chunk.parent_key}
    keep = {n for n, c in enumerate(parts) if c.id in hit}
    keep |= {n + 1 for n, c in enumerate(parts) if c.id == r.chunk.id and n + 1 < len(parts)}
    region = ""
    for n in sorted(keep):
        region = join_overlapping(region, parts[n].text)
    return region or r.chunk.text


def _topic_section(q: QuestionTerms, sections: list[ScoredChunk], corpus: Corpus) -> tuple[int, float] | None:
    """The section whose own heading covers the question best, with that coverage, when it covers half or more.

    Its list items and table rows answer the question even when they share none of its words: the rows of
    "Early warning signs" are "30 days without logging in", not "signs".
    """
    covers = [
        coverage(q.terms, set(terms(r.chunk.section.split(SECTION_SEPARATOR)[-1], r.chunk.language)), corpus,
                 q.weights)
        for r in sections
    ]
    best = max(range(len(covers)), key=lambda n: covers[n], default=None)
    return (best, covers[best]) if best is not None and covers[best] >= TOPIC_HEADING_COVERAGE else None


def _select(
    scored: list[tuple[float, int, Unit]], per_section: dict[int, list[Unit]], procedural: bool
) -> list[tuple[int, Unit]]:
    """Pick the best units within the size budget; a procedural question gets the whole step list.

    The best retrieved section always gives its best piece (the retriever's best evidence answers first), and a
    piece that only introduces what follows (a heading line, "…if:") brings the piece after it.
    """
    ranked = sorted(scored, key=lambda x: -x[0])
    best = ranked[0][0]
    top_score, top_rank, top_unit = ranked[0]
    chosen: list[tuple[int, Unit]] = []
    if procedural:
        group = top_unit.numbered_group or _best_numbered_list(scored, top_rank)
        if group is not None:
            chosen = [(top_rank, u) for u in per_section[top_rank] if u.numbered_group == group]
    first_of_top = next((x for x in ranked if x[1] == 0), None)
    if first_of_top is not None and not any(r == 0 for r, _ in chosen):
        chosen.append((0, first_of_top[2]))
    size = sum(len(u.text) for _, u in chosen)
    for score, rank, unit in ranked:
        if len(chosen) >= MAX_UNITS or score < 0.55 * best:
            break
        if any(u is unit for _, u in chosen) or size + len(unit.text) > MAX_CHARS and chosen:
            continue
        chosen.append((rank, unit))
        size += len(unit.text)
    for rank, unit in list(chosen):
        for item in _what_follows(unit, per_section[rank]):
            if not any(u is item for _, u in chosen):
                chosen.append((rank, item))
    return _whole_tables(chosen, per_section)


MAX_TABLE_ROWS = 25


def _whole_tables(chosen: list[tuple[int, Unit]], per_section: dict[int, list[Unit]]) -> list[tuple[int, Unit]]:
    """A table three or more of whose rows were chosen is shown whole (up to a size), not cut short."""
    for rank, block in {(r, u.block) for r, u in chosen if u.kind == "row"}:
        rows = [u for u in per_section[rank] if u.block == block and u.kind == "row"]
        picked = [u for r, u in chosen if r == rank and u.block == block and u.kind == "row"]
        if len(rows) <= MAX_TABLE_ROWS and len(picked) >= min(3, len(rows)):
            chosen += [(rank, u) for u in rows if not any(u is p for p in picked)]
    return chosen


def _best_numbered_list(scored: list[tuple[float, int, Unit]], rank: int) -> int | None:
    """The numbered list (2+ items) of a section whose items score best on average."""
    groups: dict[int, list[float]] = {}
    for score, r, unit in scored:
        if r == rank and unit.numbered_group is not None:
            groups.setdefault(unit.numbered_group, []).append(score)
    lists = {g: sum(v) / len(v) for g, v in groups.items() if len(v) >= 2}
    return max(lists, key=lambda g: lists[g]) if lists else None


_INTRODUCES = re.compile(r"(:|\?|\bif|\bsi|\bto)\s*$|^[^.!?]{3,90}$", re.IGNORECASE)


def _what_follows(intro: Unit, units: list[Unit]) -> list[Unit]:
    """The list items after an introducing sentence ("…all of these are true:"), or the sentence after a heading."""
    text = intro.text.rstrip()
    if intro.listed or not _INTRODUCES.search(text):
        return []
    following = sorted((u for u in units if u.order > intro.order), key=lambda u: u.order)
    if not following:
        return []
    if not following[0].listed:
        return following[:1]
    items: list[Unit] = []
    for u in following:
        if not u.listed or (items and u.order != items[-1].order + 1):
            break
        items.append(u)
    return items[:8]
