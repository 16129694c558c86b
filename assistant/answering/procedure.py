"""Procedure answers: "how do I process a refund?" gets the named procedure's steps, "step 2" gets that step whole.

A procedure is a section whose subsections are numbered steps ("… › Step 1: Identify the client"). A "how do I"
question whose topic a retrieved document's title names is answered with that document's steps, each with its
first sentence and its own citation; a question naming one step number gets that step's text in order.
"""

from __future__ import annotations

import re

from assistant.answering.composition import (
    MAX_CHARS,
    MAX_CITATIONS,
    TOPIC_HEADING_COVERAGE,
    Composition,
    QuestionTerms,
)
from assistant.answering.confidence import coverage
from assistant.answering.render import clean_piece, render
from assistant.answering.units import LIST_ITEM, split_units
from assistant.models import SECTION_SEPARATOR, Citation, ScoredChunk
from assistant.retrieval.hybrid import Corpus
from assistant.text import terms

_HOW_DO_I = re.compile(r"\b(how (do|should|can|to) (i|we|you)?|c[oó]mo (se )?(hago|hacemos|proceso|tramito))\b",
                       re.IGNORECASE)
_STEP_HEADING = re.compile(r"^(step|stage|phase|paso|etapa|fase)\s*\d+", re.IGNORECASE)
_STEP_NUMBER = re.compile(r"\b(?:step|stage|phase|paso|etapa|fase)\s*(\d+)", re.IGNORECASE)


def sibling_steps(top: ScoredChunk, corpus: Corpus) -> list[ScoredChunk]:
    """When the best section is one step of a procedure ("… › Step 2: …"), every step, in order."""
    parts = top.chunk.section.split(SECTION_SEPARATOR)
    parent = SECTION_SEPARATOR.join(parts[:-1])
    if not _STEP_HEADING.match(parts[-1]):
        parent = top.chunk.section  # the best section may be the procedure itself, its steps below it
    steps = []
    for chunks in corpus.doc_sections.get(top.chunk.doc_id, []):
        first = chunks[0]
        sibling = first.section.split(SECTION_SEPARATOR)
        if SECTION_SEPARATOR.join(sibling[:-1]) == parent:
            if _STEP_HEADING.match(sibling[-1]):
                steps.append(ScoredChunk(chunk=first, score=top.score))
    return steps


def procedure_steps(q: QuestionTerms, sections: list[ScoredChunk], corpus: Corpus) -> list[ScoredChunk] | None:
    """For "how do I process a refund?": the steps of a retrieved procedure whose title names the question's topic.

    The best-matching prose (refund rules) is not the answer to a "how do I" question when the knowledge base
    has a procedure for it; the procedure's steps are.
    """
    how = _HOW_DO_I.search(q.text)
    if how is None:
        return None
    # "how do I process / handle / deal with a refund": the verb frames the question, the object is its topic.
    verb = re.match(r"\s*(\w+)", q.text[how.end():])
    frame = set(terms(verb.group(1), "en")) if verb else set()
    topic = [t for t in q.terms if t not in frame] or q.terms
    for r in sections[:MAX_CITATIONS]:
        steps = sibling_steps(r, corpus)
        if len(steps) < 2:
            continue
        title_terms = set(terms(r.chunk.title, r.chunk.language))
        if coverage(topic, title_terms, corpus, q.weights) >= TOPIC_HEADING_COVERAGE:
            return steps
    return None


def named_step(question: str, steps: list[ScoredChunk]) -> ScoredChunk | None:
    """The step a question names ("what do I check in step 1"), when the procedure has it."""
    asked = {m.group(1) for m in _STEP_NUMBER.finditer(question)}
    numbered = [(_STEP_NUMBER.match(s.chunk.section.split(SECTION_SEPARATOR)[-1]), s) for s in steps]
    matches = [s for m, s in numbered if m and m.group(1) in asked]
    return matches[0] if len(asked) == 1 and len(matches) == 1 else None


def one_step_answer(step: ScoredChunk, corpus: Corpus, conf: float) -> Composition:
    """One step of a procedure, whole (its list items and sentences in order, within the size budget)."""
    heading = step.chunk.section.split(SECTION_SEPARATOR)[-1]
    pieces, size = [], 0
    for unit in split_units(corpus.section_text(step.chunk)):
        if size + len(unit.text) > MAX_CHARS:
            break
        pieces.append((1, unit))
        size += len(unit.text)
    return Composition(f"**{heading}**\n\n{render(pieces)}", [Citation.of(1, step)], conf)


def steps_answer(steps: list[ScoredChunk], conf: float) -> Composition:
    """List a procedure's steps, each with its first sentence, each cited."""
    lines, citations = [], []
    for n, step in enumerate(steps, start=1):
        first = clean_piece(LIST_ITEM.sub("", next((u.text for u in split_units(step.chunk.text)), "")))
        heading = clean_piece(step.chunk.section.split(SECTION_SEPARATOR)[-1])
        lines.append(f"- **{heading}.** {first} [{n}]" if first else f"- **{heading}** [{n}]")
        citations.append(Citation.of(n, step))
    return Composition("\n".join(lines), citations, conf)
