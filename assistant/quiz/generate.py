"""Generate quiz questions from indexed chunks, deterministically for a given seed.

Every question comes from one unit (sentence, list item or table row, see :func:`assistant.answering.units.split_units`)
that holds a checkable fact: a recall question asks for the fact (a table cell, or a blank in the sentence), a
multiple-choice question offers it among three facts of the same kind taken elsewhere in the playbook, and a
scenario question describes a table row's situation and asks for two of its facts at once.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assistant.answering.units import split_units
from assistant.models import Chunk
from assistant.quiz.facts import Fact, extract_facts
from assistant.quiz.models import Difficulty, KeyFact, Question, QuestionKind, QuizCitation

MAX_UNIT_CHARS = 320
MAX_CONTEXT_CHARS = 40
PLAN: dict[str, tuple[QuestionKind, ...]] = {
    "easy": ("recall", "choice"),
    "medium": ("choice", "choice", "recall"),
    "hard": ("scenario", "recall", "choice"),
}
_TEXT = {
    "en": {
        "recall": 'In "{where}": {context}, what is the {header}?',
        "blank": 'Fill in the blank ("{where}"): "{cloze}"',
        "choice": "Which is right? {question}",
        "scenario": 'Scenario ("{where}"): a case with {context}. What are the {headers}?',
        "and": "and",
    },
    "es": {
        "recall": "En «{where}»: con {context}, ¿cuál es el valor de «{header}»?",
        "blank": "Complete el espacio en blanco («{where}»): «{cloze}»",
        "choice": "¿Cuál es la correcta? {question}",
        "scenario": "Caso («{where}»): un caso con {context}. ¿Cuáles son {headers}?",
        "and": "y",
    },
}


@dataclass(frozen=True)
class Candidate:
    """A unit with facts, ready to become a question."""

    chunk: Chunk
    text: str
    facts: tuple[Fact, ...]
    cells: tuple[tuple[str, str], ...] = ()

    def fact_cells(self, roles: Mapping[str, Iterable[str]]) -> list[tuple[str, str, tuple[Fact, ...]]]:
        """Table cells that hold facts, with those facts."""
        out = []
        for header, value in self.cells:
            facts = tuple(extract_facts(value, roles))
            if facts:
                out.append((header, value, facts))
        return out

    def context(self, roles: Mapping[str, Iterable[str]]) -> list[tuple[str, str]]:
        """Short table cells without facts: they describe the row's situation."""
        return [(h, v) for h, v in self.cells
                if len(v) <= MAX_CONTEXT_CHARS and not re.search(r"\d{2,}", v) and not extract_facts(v, roles)]


def _cells(text: str) -> tuple[tuple[str, str], ...]:
    """The cells of a table row rendered as "Header: value; Header: value"."""
    parts = [p.split(": ", 1) for p in text.split("; ")]
    if len(parts) < 2 or any(len(p) != 2 or len(p[0]) > 60 for p in parts):
        return ()
    return tuple((h.strip(), v.strip()) for h, v in parts)


def candidates(chunks: Sequence[Chunk], roles: Mapping[str, Iterable[str]]) -> list[Candidate]:
    """Every unit of ``chunks`` that holds at least one fact, in corpus order.

    Args:
        chunks: Indexed chunks (any topic, one language or several).
        roles: Role aliases (:func:`assistant.quiz.facts.load_roles`).

    Returns:
        The candidates; table rows carry their cells.
    """
    out = []
    for chunk in chunks:
        for unit in split_units(chunk.text):
            text = re.sub(r"\*\*|__|`", "", unit.text).strip()
            if len(text) > MAX_UNIT_CHARS or text.endswith(":"):
                continue
            facts = tuple(extract_facts(text, roles))
            if facts:
                out.append(Candidate(chunk, text, facts, _cells(text)))
    return out


def _citation(chunk: Chunk) -> QuizCitation:
    return QuizCitation(
        chunk_id=chunk.id, doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, source=chunk.source
    )


def _where(chunk: Chunk) -> str:
    return f"{chunk.title} › {chunk.section}" if chunk.section else chunk.title


def _key(facts: Iterable[Fact]) -> list[KeyFact]:
    return [KeyFact(kind=f.kind, value=f.value, surface=f.surface) for f in facts]


def _phrase(pairs: Sequence[tuple[str, str]], language: str) -> str:
    words = [f"{h.lower()} {v}" for h, v in pairs]
    if len(words) < 2:
        return words[0] if words else ""
    return f"{', '.join(words[:-1])} {_TEXT[language]['and']} {words[-1]}"


def recall(cand: Candidate, roles: Mapping[str, Iterable[str]], rng: random.Random, language: str) -> Question | None:
    """A recall question: a table cell asked from the row's situation, or a blank in a sentence."""
    t = _TEXT[language]
    cells, context = cand.fact_cells(roles), cand.context(roles)
    if cells and context:
        header, value, facts = rng.choice(cells)
        text = t["recall"].format(where=_where(cand.chunk), context=_phrase(context, language), header=header.lower())
        return _question(cand, "recall", text, value, facts, language)
    if cand.cells:
        return None
    fact = rng.choice(cand.facts)
    cloze = re.sub(rf"(?<![\w$]){re.escape(fact.surface)}(?![\w-])", "____", cand.text, count=1)
    if "____" not in cloze:
        return None
    return _question(cand, "recall", t["blank"].format(where=_where(cand.chunk), cloze=cloze), fact.surface,
                     (fact,), language)


def scenario(cand: Candidate, roles: Mapping[str, Iterable[str]], rng: random.Random, language: str) -> Question | None:
    """A scenario question: the row's situation, and two of its facts to give together."""
    cells, context = cand.fact_cells(roles), cand.context(roles)
    if len(cells) < 2 or not context:
        return None
    picked = sorted(rng.sample(range(len(cells)), 2))
    asked = [cells[i] for i in picked]
    headers = f" {_TEXT[language]['and']} ".join(h.lower() for h, _, _ in asked)
    text = _TEXT[language]["scenario"].format(
        where=_where(cand.chunk), context=_phrase(context, language), headers=headers
    )
    reference = "; ".join(f"{h}: {v}" for h, v, _ in asked)
    return _question(cand, "scenario", text, reference, tuple(f for _, _, fs in asked for f in fs), language)


def choice(
    base: Question, pool: Sequence[Fact], rng: random.Random, *, difficulty: Difficulty
) -> Question | None:
    """Turn a one-fact recall question into multiple choice with three distractors of the same kind.

    Args:
        base: A recall question with exactly one key fact.
        pool: Facts from the whole playbook (distractors are drawn from here).
        rng: The quiz's random generator.
        difficulty: ``medium`` and ``hard`` pick the distractors closest in value (harder to tell apart).

    Returns:
        The question, or None when fewer than three distinct distractors exist.
    """
    if len(base.facts) != 1:
        return None
    right = base.facts[0]
    options: dict[str, Fact] = {}
    for fact in sorted(pool, key=lambda f: (f.value, f.surface)):
        if fact.kind == right.kind and fact.value != right.value and fact.value not in options:
            options[fact.value] = fact
    if len(options) < 3:
        return None
    values = sorted(options)
    if difficulty == "easy" or right.kind not in ("duration", "money", "percent"):
        picked = rng.sample(values, 3)
    else:
        target = math.log1p(float(right.value))
        picked = sorted(values, key=lambda v: (abs(math.log1p(float(v)) - target), v))[:3]
    choices = [right.surface, *(options[v].surface for v in picked)]
    rng.shuffle(choices)
    return base.model_copy(update={
        "kind": "choice",
        "question": _TEXT[base.language]["choice"].format(question=base.question),
        "choices": choices,
        "answer_index": choices.index(right.surface),
        "reference": right.surface,
    })


def _question(
    cand: Candidate, kind: QuestionKind, text: str, reference: str, facts: Iterable[Fact], language: str
) -> Question:
    return Question(
        id="", kind=kind, topic=str(cand.chunk.metadata.get("topic") or "general"), question=text,
        citation=_citation(cand.chunk), language=language, reference=reference, clause=cand.text,
        facts=_key(facts),
    )


def generate(
    pool: Sequence[Candidate],
    *,
    n: int,
    difficulty: Difficulty,
    seed: int,
    roles: Mapping[str, Iterable[str]],
    distractors: Sequence[Fact],
    start: int = 1,
) -> list[Question]:
    """Pick ``n`` distinct questions from ``pool``, kinds following the difficulty's plan.

    Args:
        pool: Candidates of the wanted topic and language.
        n: How many questions at most.
        difficulty: ``easy`` (recall and choice), ``medium`` (mostly choice, close distractors), ``hard``
            (scenarios first).
        seed: Seed of the generator; the same seed gives the same questions.
        roles: Role aliases.
        distractors: Facts of the whole playbook in the quiz's language.
        start: Number of the first question id (``q1``...).

    Returns:
        Up to ``n`` questions with ids ``q<start>``..., no two alike (same text or same unit).
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible shuffle, not a secret
    order = list(pool)
    rng.shuffle(order)
    order = _spread(order)
    plan = PLAN[difficulty]
    out: list[Question] = []
    seen: set[str] = set()
    for cand in order:
        if len(out) >= n:
            break
        if cand.text in seen:
            continue
        question = _make(cand, plan[len(out) % len(plan)], rng, roles=roles, distractors=distractors,
                         difficulty=difficulty)
        if question is None or question.question in {q.question for q in out}:
            continue
        seen.add(cand.text)
        out.append(question.model_copy(update={"id": f"q{start + len(out)}"}))
    return out


def _spread(order: list[Candidate]) -> list[Candidate]:
    """Reorder so that each chunk gives one question before any chunk gives a second (stable otherwise)."""
    seen: dict[str, int] = {}
    ranked = []
    for cand in order:
        seen[cand.chunk.id] = seen.get(cand.chunk.id, 0) + 1
        ranked.append((seen[cand.chunk.id], cand))
    return [cand for _, cand in sorted(ranked, key=lambda pair: pair[0])]


def _make(
    cand: Candidate, kind: QuestionKind, rng: random.Random, *, roles: Mapping[str, Iterable[str]],
    distractors: Sequence[Fact], difficulty: Difficulty,
) -> Question | None:
    """The question of ``kind`` for ``cand``, falling back to a recall question."""
    language = "es" if cand.chunk.language == "es" else "en"
    if kind == "scenario":
        made = scenario(cand, roles, rng, language)
        if made:
            return made
    base = recall(cand, roles, rng, language)
    if kind == "choice" and base is not None:
        return choice(base, distractors, rng, difficulty=difficulty) or base
    return base
