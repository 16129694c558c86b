"""How sure an answer can be: the best dense similarity, the question's coverage by the retrieved text, and novelty.

Confidence combines the best dense similarity (rescaled) with the IDF-weighted share of the question's terms that
the top chunks contain, scaled down when the question's topic is a word the knowledge base never uses. Such a
word counts in proportion to how topical it is in the language at large (``language.frequency``): "cryptocurrency"
says the question is about something else, "came" or "alright" do not; a comparative or superlative of a word
the knowledge base uses ("longest" for "long") is not new either.
"""

from __future__ import annotations

import math
import re

from assistant.language.frequency import topicality
from assistant.models import ScoredChunk
from assistant.retrieval.hybrid import Corpus
from assistant.text import stopwords, terms

DENSE_FLOOR = 0.15
DENSE_SPAN = 0.5

# "How big / many / soon / often …", "qué tan grande", "cuán largo": the word after is the question's frame,
# not its topic; a frame word the playbook happens not to use ("big") says nothing about coverage.
_FRAME = re.compile(r"\b(?:how|qu[eé] tan|cu[aá]n)\s+(\w+)", re.IGNORECASE)
_WORD = re.compile(r"(?u)\b\w+\b")
_COMPARATIVE = (("iest", "y"), ("ier", "y"), ("est", ""), ("er", ""), ("est", "e"), ("er", "e"))


def content_terms(question: str, language: str) -> list[str]:
    """The question's terms, once each, without the frame word of "how much", "how soon"…."""
    frame = {t for m in _FRAME.finditer(question) for t in terms(m.group(1), language)}
    return [t for t in dict.fromkeys(terms(question, language)) if t not in frame]


def coverage(
    q_terms: list[str], text_terms: set[str], corpus: Corpus, weights: dict[str, float] | None = None
) -> float:
    """IDF-weighted share of the question's terms found in ``text_terms`` (optionally re-weighted per term)."""
    if not q_terms:
        return 0.0
    idf, unseen = corpus.idf, corpus.max_idf  # a word the playbook never uses is the rarest of all
    weights = weights or {}
    total = hit = 0.0
    for t in set(q_terms):
        w = idf.get(t, unseen) * weights.get(t, 1.0)
        total += w
        hit += w if t in text_terms else 0.0
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
    # An unknown everyday word ("wife", "wanted") is already weighed by novelty; in coverage it should not
    # outweigh the question's known terms, so it counts as much as it is topical.
    # Spanish leans on coverage (below), so there an unknown word keeps its full weight: discounting it would let
    # coverage alone carry an out-of-scope Spanish question ("días de vacaciones").
    weights = _unknown_word_weights(question, language, corpus) if language == "en" else None
    covered = coverage(q_terms, top_terms, corpus, weights)
    best_dense = max(r.dense_similarity for r in results)
    dense = min(max((best_dense - DENSE_FLOOR) / DENSE_SPAN, 0.0), 1.0)
    # The bundled model is English: it finds any two Spanish texts similar, so Spanish leans on coverage.
    weight = 0.5 if language == "en" else 0.25
    evidence = weight * dense + (1 - weight) * covered
    return round(evidence * (1 - novelty(question, language, corpus)) ** 2, 3)


def _unknown_word_weights(question: str, language: str, corpus: Corpus) -> dict[str, float]:
    """For each question term the corpus lacks, how topical its word is (0 for a comparative of a known word)."""
    weights: dict[str, float] = {}
    for word in _WORD.findall(question.lower()):
        stems = terms(word, language)
        if stems and stems[0] not in corpus.idf and not stems[0].isdigit():
            known = _comparative_of_known(word, language, corpus)
            weights[stems[0]] = 0.0 if known else max(topicality(word, language), 0.05)
    return weights


def novelty(question: str, language: str, corpus: Corpus) -> float:
    """0-1: the IDF-weighted share of the question's content words that no chunk of the knowledge base contains.

    Such a word is the rarest term of all (the IDF of document frequency 0) and usually the question's
    topic ("parental leave", "Platinum plan", "salary"): no retrieved text can be evidence for it, however
    well the generic words match. It counts in proportion to its topicality in the language at large.
    Numbers are left out (an amount or a day count in a question need not appear in the knowledge base), and
    so is the frame word of "how much", "how big"….
    """
    frame = {m.group(1).lower() for m in _FRAME.finditer(question)}
    stop = stopwords(language)
    unseen = math.log(1 + len(corpus.chunks))  # the IDF formula at document frequency 0
    total = novel = 0.0
    seen_terms: set[str] = set()
    for word in _WORD.findall(question.lower()):
        stems = terms(word, language)
        if word in stop or word in frame or not stems or stems[0] in seen_terms:
            continue
        term = stems[0]
        seen_terms.add(term)
        weight = corpus.idf.get(term, unseen)
        total += weight
        if term not in corpus.idf and not term.isdigit() and not _comparative_of_known(word, language, corpus):
            novel += weight * topicality(word, language)
    return novel / total if total else 0.0


def _comparative_of_known(word: str, language: str, corpus: Corpus) -> bool:
    """True for "longest", "shorter", "earliest" when the knowledge base uses "long", "short", "early"."""
    if language != "en":
        return False
    for suffix, repl in _COMPARATIVE:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = terms(word[: -len(suffix)] + repl, language)
            if base and base[0] in corpus.idf:
                return True
    return False
