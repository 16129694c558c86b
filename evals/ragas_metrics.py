"""ragas metrics for the golden questions: the non-LLM ones always, faithfulness and relevancy with a judge.

ragas is imported only when a run asks for it (``import ragas`` pulls in pandas and datasets). Its analytics
are switched off before import (``RAGAS_DO_NOT_TRACK``), and nothing here calls a network service unless a
judge model is passed in: the non-LLM metrics are string and id comparisons.

We use ragas 0.4's single-turn metric classes with LangChain wrappers, because the judge may be any LangChain
chat model (or an OpenAI-compatible endpoint through ``init_chat_model``), and our own embedder serves the
answer-relevancy similarity.
"""

from __future__ import annotations

import asyncio
import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from assistant.retrieval.ports import Embedder
from evals.results import QuestionResult
from evals.scoring import ReferenceIndex

log = logging.getLogger("playbook.evals")

STRING_METRICS = ("string_similarity", "rouge", "bleu", "chrf")
CONTEXT_METRICS = ("context_precision", "context_recall", "id_context_precision", "id_context_recall")
JUDGE_METRICS = ("faithfulness", "answer_relevancy")


class _EmbedderAsLangChain(Embeddings):
    """Our embedder behind LangChain's interface, for ragas' answer relevancy."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return [list(map(float, v)) for v in self.embedder.embed_documents(texts)]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return list(map(float, self.embedder.embed_query(text)))


@dataclass
class Judge:
    """A chat model that grades answers, and the embedder relevancy compares questions with."""

    model: BaseChatModel
    embedder: Embedder
    concurrency: int = 4
    timeout_s: float = 120.0


def _import_ragas() -> Any:
    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ragas warns that the single-turn classes move in ragas 1.0
        import ragas.metrics as rm

    return rm


def _sample(item: QuestionResult, ref: ReferenceIndex, relevant_ids: list[str]) -> Any:
    from ragas.dataset_schema import SingleTurnSample

    retrieved_ids = [r.chunk_id for r in item.retrieved]
    return SingleTurnSample(
        user_input=item.question,
        response=item.answer,
        reference=item.reference,
        retrieved_contexts=ref.texts(retrieved_ids) or [""],
        reference_contexts=ref.texts(relevant_ids) or [""],
        retrieved_context_ids=retrieved_ids or [""],
        reference_context_ids=relevant_ids or [""],
    )


def add_ragas_metrics(
    results: Sequence[QuestionResult], ref: ReferenceIndex, relevant: dict[str, list[str]], *,
    judge: Judge | None = None,
) -> None:
    """Score answerable questions with ragas, in place (``item.metrics["ragas.<name>"]``).

    Args:
        results: scored questions; unanswerable ones are skipped.
        ref: the reference chunks (for context texts).
        relevant: item id -> its reference chunk ids.
        judge: when given, faithfulness and answer relevancy are scored too (this calls the judge model).
    """
    rm = _import_ragas()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = {
            "string_similarity": rm.NonLLMStringSimilarity(),
            "rouge": rm.RougeScore(),
            "bleu": rm.BleuScore(),
            "chrf": rm.ChrfScore(),
            "context_precision": rm.NonLLMContextPrecisionWithReference(),
            "context_recall": rm.NonLLMContextRecall(),
            "id_context_precision": rm.IDBasedContextPrecision(),
            "id_context_recall": rm.IDBasedContextRecall(),
        }
    items = [r for r in results if r.answerable and r.error is None]
    samples = {r.id: _sample(r, ref, relevant.get(r.id, [])) for r in items}
    for item in items:
        for name, metric in plain.items():
            item.metrics[f"ragas.{name}"] = _safe_score(metric, samples[item.id], name)
    if judge is not None:
        asyncio.run(_judge_all(items, samples, judge, rm))


def _safe_score(metric: Any, sample: Any, name: str) -> float | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return round(float(metric.single_turn_score(sample)), 4)
    except Exception as exc:  # noqa: BLE001 - one metric failing on one item must not stop the run
        log.warning("ragas %s failed: %s", name, exc)
        return None


async def _judge_all(items: Sequence[QuestionResult], samples: dict[str, Any], judge: Judge, rm: Any) -> None:
    from ragas.embeddings import LangchainEmbeddingsWrapper
    from ragas.llms import LangchainLLMWrapper

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        llm = LangchainLLMWrapper(judge.model)
        metrics = {
            "faithfulness": rm.Faithfulness(llm=llm),
            "answer_relevancy": rm.ResponseRelevancy(
                llm=llm, embeddings=LangchainEmbeddingsWrapper(_EmbedderAsLangChain(judge.embedder))
            ),
        }
    gate = asyncio.Semaphore(judge.concurrency)

    async def one(item: QuestionResult, name: str, metric: Any) -> None:
        async with gate:
            try:
                score = await metric.single_turn_ascore(samples[item.id], timeout=judge.timeout_s)
                item.metrics[f"ragas.{name}"] = round(float(score), 4)
            except Exception as exc:  # noqa: BLE001 - a judge error is recorded, not fatal
                log.warning("ragas %s failed on %s: %s", name, item.id, exc)
                item.metrics[f"ragas.{name}"] = None

    await asyncio.gather(*(one(i, n, mt) for i in items if not i.abstained for n, mt in metrics.items()))
