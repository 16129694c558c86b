"""``ask``: validate a question, read it as people write it, retrieve, compose a grounded answer or abstain.

Reading the question: greetings and thanks around it are dropped, words the knowledge base does not know are
matched to its own vocabulary ("windo" -> "window"), and a follow-up is read with its thread ("and for tier C?").
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

from assistant.answering.compose import compose
from assistant.answering.confidence import confidence
from assistant.answering.figures import structured_answer
from assistant.clean import clean_text
from assistant.errors import EmptyQuestion, QuestionTooLong
from assistant.language.chitchat import is_chitchat, strip_chitchat
from assistant.language.followup import Query, contextual_query
from assistant.language.situation import question_part
from assistant.language.vocabulary import DomainVocabulary
from assistant.models import Answer
from assistant.retrieval.hybrid import Corpus
from assistant.services import Services
from assistant.text import SUPPORTED_LANGUAGES, detect_language

RELATED_POOL = 30  # retrieved chunks the "see also" documents are taken from (the answer uses the top k)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ABSTAIN_TEXT = {
    "en": "The playbook does not cover this, so I won't guess. Please ask the {owner} in {channel}.",
    "es": "El playbook no cubre esta pregunta, así que no voy a adivinar. Consulta con {owner} en {channel}.",
}
CHITCHAT_TEXT = {
    "en": "Hi! Ask me a question about the playbook, for example how to handle a refund.",
    "es": "¡Hola! Hazme una pregunta sobre el playbook, por ejemplo cómo gestionar un reembolso.",
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


def read_question(
    question: str, thread: Sequence[str], *, corpus: Corpus, vocabulary: DomainVocabulary, language: str
) -> Query:
    """The query to search and answer: chit-chat dropped, misspellings corrected, the thread taken into account."""

    def tidy(text: str) -> str:
        return corpus.speller.correct(strip_chitchat(text), language)

    turns = [tidy(t) for t in thread if t.strip() and not is_chitchat(t)]
    return contextual_query(tidy(question), turns, vocabulary)


def ask(
    services: Services, question: str, *, k: int | None = None, language: str | None = None,
    filters: dict[str, Any] | None = None, thread: Sequence[str] = (), replies: Sequence[str] = (),
) -> Answer:
    """Answer a question from the playbook, with citations, or abstain.

    Args:
        services: built by :func:`assistant.factory.build_services`.
        question: the user's question.
        k: how many chunks to retrieve (default: settings.top_k).
        language: ``en`` or ``es``; detected from the question when omitted.
        filters: metadata equality filters (``{"audience": "agents"}``, ``{"doc_id": ...}``).
        thread: the thread's earlier user messages, oldest first (a follow-up is read with them).
        replies: the thread's earlier assistant messages, oldest first: the last one that answered tells, with the
            user's turns, whether the conversation is about something the knowledge base covers.

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
    answer_id = uuid.uuid4().hex
    if is_chitchat(text) and not thread:
        return Answer(id=answer_id, answer=CHITCHAT_TEXT.get(lang, CHITCHAT_TEXT["en"]), abstained=True,
                      confidence=0.0, citations=[], latency_ms=_ms(started), language=lang)
    _, corpus = services.retriever.snapshot()
    query = read_question(text, thread, corpus=corpus, vocabulary=services.vocabulary, language=lang)
    top_k = k or settings.top_k
    pool, corpus = services.retriever.retrieve(
        query.search, language=lang, k=max(top_k, RELATED_POOL), where=filters
    )
    results = pool[:top_k]
    conf = confidence(query.search, lang, results, corpus)
    asked = None if query.context else question_part(query.search)
    if asked:  # "I work part time. Am I entitled to …?": the situation's own words do not decide coverage
        conf = max(conf, confidence(asked, lang, results, corpus))
    if query.context:  # "Yeah, I don't have one": the thread's topic, which the knowledge base answered, carries it
        topic = f"{query.context} {_last_answer(replies)}".strip()
        conf = max(conf, confidence(topic, lang, results, corpus))
    if conf >= settings.abstain_threshold:
        composed = structured_answer(
            query.search, lang, results=results, corpus=corpus, conf=conf, policy=services.policy, sla=services.sla,
            vocabulary=services.vocabulary,
        ) or compose(
            query.search, lang, results, corpus, conf, focus=query.focus if query.has_context else None,
            vocabulary=services.vocabulary, related=pool, max_citations=top_k,
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


_NOT_ANSWERS = tuple(t.split("{")[0][:40] for t in (*ABSTAIN_TEXT.values(), *CHITCHAT_TEXT.values()))


def _last_answer(replies: Sequence[str]) -> str:
    """The thread's last assistant message that answered (a refusal or a greeting says nothing of the topic)."""
    for reply in reversed(replies):
        text = reply.strip()
        if text and not text.startswith(_NOT_ANSWERS):
            return text[:2000]
    return ""


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
