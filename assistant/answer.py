"""Grounded answers without an LLM: select the sentences, list items and table rows that answer.

Retrieve small, answer from the section: the top chunks point at sections; every sentence, list item
and table row of those sections is scored against the question (IDF-weighted term overlap, plus the
section's retrieval rank), the best are kept in document order, numbered steps stay together for
"how do I" questions, and each piece is cited. Confidence combines the best dense similarity with
how much of the question the retrieved text covers, scaled down when the question's topic is a word the
playbook never uses; below the threshold we abstain.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from assistant.models import SECTION_SEPARATOR, Citation, ScoredChunk
from assistant.retrieval.hybrid import Corpus
from assistant.text import table_rows, terms

MAX_SECTIONS = 4
MAX_UNITS = 7
MAX_CHARS = 1100
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
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÁÉÍÓÚÑ¿¡\d])")


@dataclass
class Unit:
    """A sentence, list item or table row of a section, in document order."""

    text: str
    order: int
    numbered_group: int | None = None
    listed: bool = False  # a list item or a table row


@dataclass
class Composition:
    """The composed answer text, its citations and its confidence."""

    text: str
    citations: list[Citation]
    confidence: float


def _table_units(lines: list[str], start: int) -> list[Unit]:
    return [Unit(row, start + n, listed=True) for n, row in enumerate(table_rows(lines))]


def _blocks(section_text: str) -> list[tuple[str, list[str]]]:
    """Blank-line blocks, with runs of table lines split from the text around them."""
    out: list[tuple[str, list[str]]] = []
    for block in re.split(r"\n\s*\n", section_text):
        previous = None
        for line in (ln for ln in block.splitlines() if ln.strip()):
            kind = "table" if line.lstrip().startswith("|") else "text"
            if kind == previous:
                out[-1][1].append(line)
            else:
                out.append((kind, [line]))
            previous = kind
    return out


def split_units(section_text: str) -> list[Unit]:
    """Split a section into sentences, list items (numbered ones grouped) and table rows."""
    units: list[Unit] = []
    order = 0
    group = 0
    for kind, lines in _blocks(section_text):
        if kind == "table" and len(lines) >= 2:
            table = _table_units(lines, order)
            units += table
            order += len(table)
            continue
        if any(_LIST_ITEM.match(ln) for ln in lines):
            group += 1
            for ln in lines:
                if _LIST_ITEM.match(ln) or not units:
                    units.append(Unit(ln.strip(), order, group if _NUMBERED.match(ln) else None, listed=True))
                else:  # continuation line of the previous item
                    units[-1].text += " " + ln.strip()
                order += 1
            continue
        for sentence in _SENTENCE_END.split(" ".join(ln.strip() for ln in lines)):
            if re.search(r"\w", sentence):
                units.append(Unit(sentence.strip(), order))
                order += 1
    return units


def _coverage(q_terms: list[str], text_terms: set[str], corpus: Corpus) -> float:
    if not q_terms:
        return 0.0
    idf, unseen = corpus.idf, corpus.max_idf  # a word the playbook never uses is the rarest of all
    total = sum(idf.get(t, unseen) for t in set(q_terms))
    hit = sum(idf.get(t, unseen) for t in set(q_terms) if t in text_terms)
    return hit / total if total else 0.0


def confidence(question: str, language: str, results: list[ScoredChunk], corpus: Corpus) -> float:
    """0-1: best dense similarity (rescaled) and IDF-weighted coverage of the question by the top chunks.

    Scaled by ``(1 - novelty) ** 2`` (see :func:`novelty`): "refunds in cryptocurrency" matches the refund
    policy on every generic word, but the playbook never says "cryptocurrency", so it cannot answer.
    """
    if not results:
        return 0.0
    q_terms = terms(question, language)
    top_terms: set[str] = set()
    for r in results[:3]:
        top_terms.update(terms(r.chunk.index_text, r.chunk.language))
    coverage = _coverage(q_terms, top_terms, corpus)
    best_dense = max(r.dense_similarity for r in results)
    dense = min(max((best_dense - 0.15) / 0.5, 0.0), 1.0)
    # The bundled model is English: it finds any two Spanish texts similar, so Spanish leans on coverage.
    weight = 0.5 if language == "en" else 0.25
    evidence = weight * dense + (1 - weight) * coverage
    return round(evidence * (1 - novelty(question, language, corpus)) ** 2, 3)


# "How big / many / soon / often …", "qué tan grande", "cuán largo": the word after is the question's frame,
# not its topic; a frame word the playbook happens not to use ("big") says nothing about coverage.
_FRAME = re.compile(r"\b(?:how|qu[eé] tan|cu[aá]n)\s+(\w+)", re.IGNORECASE)


def content_terms(question: str, language: str) -> list[str]:
    """The question's terms, once each, without the frame word of "how much", "how soon"…."""
    frame = {t for m in _FRAME.finditer(question) for t in terms(m.group(1), language)}
    return [t for t in dict.fromkeys(terms(question, language)) if t not in frame]


def novelty(question: str, language: str, corpus: Corpus) -> float:
    """0-1: the IDF-weighted share of the question's content words that no chunk of the playbook contains.

    Such a word is the rarest term of all (the IDF of document frequency 0) and usually the question's
    topic ("parental leave", "Platinum plan", "salary"): no retrieved text can be evidence for it, however
    well the generic words match. Numbers are left out (an amount or a day count in a question need not
    appear in the playbook), and so is the frame word of "how much", "how big"….
    """
    q_terms = content_terms(question, language)
    unseen = math.log(1 + len(corpus.chunks))  # the IDF formula at document frequency 0
    total = novel = 0.0
    for t in q_terms:
        weight = corpus.idf.get(t, unseen)
        total += weight
        if t not in corpus.idf and not t.isdigit():
            novel += weight
    return novel / total if total else 0.0


def compose(question: str, language: str, results: list[ScoredChunk], corpus: Corpus, conf: float) -> Composition:
    """Build the cited answer from the sections of the top results."""
    q_terms = content_terms(question, language)
    procedural = bool(_PROCEDURAL.search(question) or _ASKS_FOR_LIST.search(question))
    sections: list[ScoredChunk] = []
    for r in results:
        if r.chunk.parent_key not in {s.chunk.parent_key for s in sections}:
            sections.append(r)
    sections = [s for s in sections if not _headed_for_other(q_terms, s)] or sections
    scored: list[tuple[float, int, Unit]] = []
    per_section: dict[int, list[Unit]] = {}
    topic = _topic_section(q_terms, sections[:MAX_SECTIONS], corpus)
    for rank, r in enumerate(sections[:MAX_SECTIONS]):
        heading_terms = set(terms(f"{r.chunk.title} {r.chunk.section}", r.chunk.language))
        units = split_units(corpus.section_text(r.chunk))
        per_section[rank] = units
        for u in units:
            unit_terms = set(terms(u.text, r.chunk.language))
            if _other_tier_only(q_terms, unit_terms):
                continue
            own = _coverage(q_terms, unit_terms, corpus)
            if topic is not None and rank == topic[0] and u.listed:  # the items of "Early warning signs"
                own = max(own, topic[1])
            if rank > 0 and own < 0.4:  # lower-ranked sections contribute only pieces that answer on their own
                continue
            overlap = _coverage(q_terms, unit_terms | heading_terms, corpus)
            scored.append((0.5 * own + 0.3 * overlap + 0.2 / (1 + rank), rank, u))
    if not scored:
        return Composition("", [], conf)
    best = max(s for s, _, _ in scored)
    steps = _sibling_steps(sections[0], corpus) if _ASKS_FOR_STEPS.search(question) else []
    named = _named_step(question, steps)
    if named is not None:
        return _one_step_answer(named, corpus, conf)
    if len(steps) >= 2:
        return _steps_answer(steps, conf)
    chosen = _select(scored, best, per_section, procedural)
    used_ranks = sorted({rank for rank, _ in chosen})
    number = {rank: n for n, rank in enumerate(used_ranks, start=1)}
    lines = [
        f"{u.text} [{number[rank]}]" for rank, u in sorted(chosen, key=lambda x: (used_ranks.index(x[0]), x[1].order))
    ]
    citations = [make_citation(number[rank], sections[rank]) for rank in used_ranks]
    return Composition("\n".join(lines), citations, conf)


TOPIC_HEADING_COVERAGE = 0.5


def _topic_section(q_terms: list[str], sections: list[ScoredChunk], corpus: Corpus) -> tuple[int, float] | None:
    """The section whose own heading covers the question best, with that coverage, when it covers half or more.

    Its list items and table rows answer the question even when they share none of its words: the rows of
    "Early warning signs" are "30 days without logging in", not "signs".
    """
    covers = [
        _coverage(q_terms, set(terms(r.chunk.section.split(SECTION_SEPARATOR)[-1], r.chunk.language)), corpus)
        for r in sections
    ]
    best = max(range(len(covers)), key=lambda n: covers[n], default=None)
    return (best, covers[best]) if best is not None and covers[best] >= TOPIC_HEADING_COVERAGE else None


_STEP_HEADING = re.compile(r"^(step|stage|phase|paso|etapa|fase)\s*\d+", re.IGNORECASE)


def _sibling_steps(top: ScoredChunk, corpus: Corpus) -> list[ScoredChunk]:
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


_STEP_NUMBER = re.compile(r"\b(?:step|stage|phase|paso|etapa|fase)\s*(\d+)", re.IGNORECASE)


def _named_step(question: str, steps: list[ScoredChunk]) -> ScoredChunk | None:
    """The step a question names ("what do I check in step 1"), when the procedure has it."""
    asked = {m.group(1) for m in _STEP_NUMBER.finditer(question)}
    numbered = [(_STEP_NUMBER.match(s.chunk.section.split(SECTION_SEPARATOR)[-1]), s) for s in steps]
    matches = [s for m, s in numbered if m and m.group(1) in asked]
    return matches[0] if len(asked) == 1 and len(matches) == 1 else None


def _one_step_answer(step: ScoredChunk, corpus: Corpus, conf: float) -> Composition:
    """One step of a procedure, whole (its list items and sentences in order, within the size budget)."""
    heading = step.chunk.section.split(SECTION_SEPARATOR)[-1]
    lines, size = [f"{heading}:"], 0
    for unit in split_units(corpus.section_text(step.chunk)):
        if size + len(unit.text) > MAX_CHARS:
            break
        lines.append(f"{unit.text} [1]")
        size += len(unit.text)
    return Composition("\n".join(lines), [make_citation(1, step)], conf)


def _steps_answer(steps: list[ScoredChunk], conf: float) -> Composition:
    """List a procedure's steps, each with its first sentence, each cited."""
    lines, citations = [], []
    for n, step in enumerate(steps, start=1):
        first = next((u.text for u in split_units(step.chunk.text)), "")
        heading = step.chunk.section.split(SECTION_SEPARATOR)[-1]
        lines.append(f"{heading}: {first} [{n}]" if first else f"{heading} [{n}]")
        citations.append(make_citation(n, step))
    return Composition("\n".join(lines), citations, conf)


def make_citation(n: int, r: ScoredChunk) -> Citation:
    """The numbered citation of a retrieved chunk: document, section, owner, effective date."""
    meta = r.chunk.metadata
    return Citation(
        n=n,
        doc_id=r.chunk.doc_id,
        title=r.chunk.title,
        section=r.chunk.section,
        source=r.chunk.source,
        score=round(r.score, 4),
        chunk_id=r.chunk.id,
        owner=_str(meta.get("owner")),
        effective_date=_str(meta.get("effective_date")),
    )


def _select(
    scored: list[tuple[float, int, Unit]], best: float, per_section: dict[int, list[Unit]], procedural: bool
) -> list[tuple[int, Unit]]:
    """Pick the best units within the size budget; a procedural question gets the whole step list."""
    ranked = sorted(scored, key=lambda x: -x[0])
    top_score, top_rank, top_unit = ranked[0]
    chosen: list[tuple[int, Unit]] = []
    if procedural:
        group = top_unit.numbered_group or _best_numbered_list(scored, top_rank)
        if group is not None:
            chosen = [(top_rank, u) for u in per_section[top_rank] if u.numbered_group == group]
    size = sum(len(u.text) for _, u in chosen)
    for score, rank, unit in ranked:
        if len(chosen) >= MAX_UNITS or score < 0.55 * best:
            break
        if any(u is unit for _, u in chosen) or size + len(unit.text) > MAX_CHARS and chosen:
            continue
        chosen.append((rank, unit))
        size += len(unit.text)
        if unit.text.rstrip().endswith(":"):  # "…only when all of these are true:" needs its list
            for item in _list_after(unit, per_section[rank]):
                if not any(u is item for _, u in chosen):
                    chosen.append((rank, item))
                    size += len(item.text)
    return chosen


def _best_numbered_list(scored: list[tuple[float, int, Unit]], rank: int) -> int | None:
    """The numbered list (2+ items) of a section whose items score best on average."""
    groups: dict[int, list[float]] = {}
    for score, r, unit in scored:
        if r == rank and unit.numbered_group is not None:
            groups.setdefault(unit.numbered_group, []).append(score)
    lists = {g: sum(v) / len(v) for g, v in groups.items() if len(v) >= 2}
    return max(lists, key=lambda g: lists[g]) if lists else None


def _list_after(intro: Unit, units: list[Unit]) -> list[Unit]:
    """The list items that directly follow an introducing sentence."""
    following = [u for u in units if u.order > intro.order]
    items: list[Unit] = []
    for u in sorted(following, key=lambda u: u.order):
        if not _LIST_ITEM.match(u.text) or (items and u.order != items[-1].order + 1):
            break
        items.append(u)
    return items[:8]


_TIERS = frozenset({"tiera", "tierb", "tierc"})
_LEVELS = frozenset({"l1", "l2", "l3", "l4"})


def _other_tier_only(q_terms: list[str], unit_terms: set[str]) -> bool:
    """True when the question names a tier (or support level) and the piece names other ones only.

    A tier B row does not answer for tier C, nor an L1 duty for L3.
    """
    for group in (_TIERS, _LEVELS):
        asked = group.intersection(q_terms)
        named = group & unit_terms
        if asked and named and not asked & named:
            return True
    return False


def _headed_for_other(q_terms: list[str], r: ScoredChunk) -> bool:
    """True when the section's own heading names other tiers or levels only ("Soporte L1" for an L3 question)."""
    heading = r.chunk.section.split(SECTION_SEPARATOR)[-1]
    return _other_tier_only(q_terms, set(terms(heading, r.chunk.language)))


def _str(value: object) -> str | None:
    return None if value in (None, "") else str(value)
