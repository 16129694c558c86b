"""Grade an answer against its question: key facts first, then semantic similarity to the reference.

Free text: the share of the reference's key facts present in the answer (normalised, so "2h" = "two hours"
= "2 horas") dominates; the cosine similarity of answer and reference adds the rest. An answer that gives
none of the key facts but another value of the same kind (another number, another role) is capped below
:data:`INCORRECT_BELOW`, however similar its wording. Multiple choice is graded exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from assistant.quiz.facts import extract_facts
from assistant.quiz.models import Grade, Question, Verdict
from assistant.retrieval.ports import Embedder

CORRECT_FROM = 0.8
INCORRECT_BELOW = 0.4
WRONG_CAP = 0.3
_SIM_FLOOR, _SIM_SPAN = 0.35, 0.5
_FEEDBACK = {
    "en": {
        "correct": "Correct.",
        "partial": "Partly right: {missing} is missing or wrong.",
        "incorrect": "Not right: the answer is {reference}.",
        "quote": ' The playbook says: "{clause}" ({where}).',
    },
    "es": {
        "correct": "Correcto.",
        "partial": "Respuesta incompleta: falta o no es correcto {missing}.",
        "incorrect": "No es correcto: la respuesta es {reference}.",
        "quote": " El playbook dice: «{clause}» ({where}).",
    },
}


def verdict_of(score: float) -> Verdict:
    """``correct`` from 0.8, ``incorrect`` below 0.4, ``partial`` in between."""
    if score >= CORRECT_FROM:
        return "correct"
    return "incorrect" if score < INCORRECT_BELOW else "partial"


def similarity(embedder: Embedder, answer: str, reference: str) -> float:
    """Cosine similarity of two texts (the embedder returns unit vectors)."""
    a, b = embedder.embed_documents([answer, reference])
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


def _choice_index(answer: str, choices: list[str]) -> int | None:
    """The chosen option: its letter (A-D), its number (1-4) or its text."""
    text = answer.strip().rstrip(").").strip()
    if re.fullmatch(r"[A-Da-d]", text):
        return "abcd".index(text.lower())
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return int(text) - 1
    folded = [c.strip().lower() for c in choices]
    return folded.index(text.lower()) if text.lower() in folded else None


def score_free_text(
    question: Question, answer: str, sim: float, roles: Mapping[str, Iterable[str]]
) -> tuple[float, list[str]]:
    """Score 0-1 of a free-text answer and the reference facts it misses.

    Args:
        question: The question, with its key facts.
        answer: The trainee's answer.
        sim: Cosine similarity of answer and reference.
        roles: Role aliases, so role titles count as facts.

    Returns:
        The score and the surfaces of the missing key facts.
    """
    closeness = min(1.0, max(0.0, (sim - _SIM_FLOOR) / _SIM_SPAN))
    wanted = {(f.kind, f.value): f.surface for f in question.facts}
    given = {(f.kind, f.value) for f in extract_facts(answer, roles)}
    matched = [k for k in wanted if k in given]
    missing = [s for k, s in wanted.items() if k not in given]
    kinds = {k for k, _ in wanted}
    conflicts = [g for g in given if g[0] in kinds and g not in wanted]
    if not wanted:
        return round(closeness, 3), []
    if not matched:
        return round(WRONG_CAP * closeness * (0.5 if conflicts else 1.0), 3), missing
    share = len(matched) / len(wanted)
    if share == 1 and not conflicts:
        return round(CORRECT_FROM + (1 - CORRECT_FROM) * closeness, 3), []
    score = 0.4 + 0.3 * share + 0.05 * closeness - (0.1 if conflicts else 0.0)
    return round(min(score, CORRECT_FROM - 0.05), 3), missing


def grade(question: Question, answer: str, *, embedder: Embedder, roles: Mapping[str, Iterable[str]]) -> Grade:
    """Grade one answer and explain the grade with the cited clause.

    Args:
        question: The stored question.
        answer: What the trainee wrote (or the option chosen: letter, number or text).
        embedder: Embeds answer and reference for the similarity part.
        roles: Role aliases (:func:`assistant.quiz.facts.load_roles`).

    Returns:
        Verdict, score, feedback quoting the clause, the reference answer and the citation.
    """
    text = _FEEDBACK["es" if question.language == "es" else "en"]
    missing: list[str] = []
    if question.choices is not None:
        score = 1.0 if _choice_index(answer, question.choices) == question.answer_index else 0.0
    else:
        score, missing = score_free_text(question, answer, similarity(embedder, answer, question.reference), roles)
    verdict = verdict_of(score)
    message = text[verdict].format(missing=", ".join(missing) or question.reference, reference=question.reference)
    where = question.citation.title + (f" › {question.citation.section}" if question.citation.section else "")
    feedback = message + text["quote"].format(clause=question.clause, where=where)
    return Grade(verdict=verdict, score=score, feedback=feedback, reference=question.reference,
                 citation=question.citation)
