"""``ask``: validate a question, retrieve, compose a grounded answer or abstain."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from assistant.answer import compose, confidence
from assistant.clean import clean_text
from assistant.errors import EmptyQuestion, QuestionTooLong
from assistant.factory import Services
from assistant.models import Answer
from assistant.structured import structured_answer
from assistant.text import SUPPORTED_LANGUAGES, detect_language

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ABSTAIN_TEXT = {
    "en": "The playbook does not cover this, so I won't guess. Please ask the {owner} in {channel}.",
    "es": "El playbook no cubre esta pregunta, así que no voy a adivinar. Consulta con {owner} en {channel}.",
}


def clean_question(question: str, max_chars: int) -> str:
    """Strip control characters and whitespace; enforce the length limit.

    Raises:
        EmptyQuestion: nothing is left.
        QuestionTooLong: longer than ``max_chars``.
    """
    text = _CONTROL.sub(" ", clean_text(question or "")).strip()
    if not text:
        raise EmptyQuestion("the question is empty")
    if len(text) > max_chars:
        raise QuestionTooLong(f"the question has {len(text)} characters; the limit is {max_chars}")
    return text


def ask(
    services: Services, question: str, *, k: int | None = None, language: str | None = None,
    filters: dict[str, Any] | None = None,
) -> Answer:
    """Answer a question from the playbook, with citations, or abstain.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        question: the user's question.
        k: how many chunks to retrieve (default: settings.top_k).
        language: ``en`` or ``es``; detected from the question when omitted.
        filters: metadata equality filters (``{"audience": "agents"}``, ``{"doc_id": ...}``).

    Returns:
        The answer; ``abstained`` is true when the playbook does not cover the question.

    Raises:
        EmptyQuestion, QuestionTooLong: invalid question.
        IndexMissing: nothing has been ingested yet.
    """
    started = time.perf_counter()
    settings = services.settings
    text = clean_question(question, settings.max_question_chars)
    lang = language if language in SUPPORTED_LANGUAGES else detect_language(text)
    top_k = k or settings.top_k
    results, corpus = services.retriever.retrieve(text, language=lang, k=top_k, where=filters)
    conf = confidence(text, lang, results, corpus)
    answer_id = uuid.uuid4().hex
    if conf >= settings.abstain_threshold:
        composed = structured_answer(services, text, lang, results, corpus, conf) or compose(
            text, lang, results, corpus, conf
        )
        if composed.text:
            return Answer(
                id=answer_id, answer=composed.text, abstained=False, confidence=conf,
                citations=composed.citations, latency_ms=_ms(started), language=lang,
            )
    owner, channel = services.policy.who_to_ask()
    return Answer(
        id=answer_id, answer=ABSTAIN_TEXT.get(lang, ABSTAIN_TEXT["en"]).format(owner=owner, channel=channel),
        abstained=True, confidence=conf, citations=[], latency_ms=_ms(started), language=lang,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
