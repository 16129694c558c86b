"""ragas metrics: the non-LLM ones on a hand-made item, and the judge path with a fake chat model.

The judge is LangChain's GenericFakeChatModel answering each ragas prompt with the JSON that prompt's output
model expects, so ragas' real prompt building, parsing and scoring run; nothing leaves the machine.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage

from assistant.models import Chunk
from assistant.retrieval.embedder import HashEmbedder
from evals.ragas_metrics import Judge, add_ragas_metrics
from evals.results import QuestionResult, RetrievedRow
from evals.scoring import ReferenceIndex

QUESTION = "What is the refund window for tier B?"


class RagasJudge(GenericFakeChatModel):
    """Replies to ragas' statement, verdict and question-generation prompts; ``prompts`` records them."""

    prompts: list[str] = []

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        from langchain_core.outputs import ChatGeneration, ChatResult

        prompt = "\n".join(str(m.content) for m in messages)
        self.prompts.append(prompt)
        if "Break down each sentence" in prompt:
            reply: dict[str, Any] = {"statements": ["Tier B refunds are possible within 30 days.",
                                                    "Refunds are paid in gold bars."]}
        elif "judge the faithfulness" in prompt:
            reply = {"statements": [
                {"statement": "Tier B refunds are possible within 30 days.", "reason": "in context", "verdict": 1},
                {"statement": "Refunds are paid in gold bars.", "reason": "not in context", "verdict": 0},
            ]}
        elif "Generate a question for the given answer" in prompt:
            reply = {"question": QUESTION, "noncommittal": 0}
        else:
            raise AssertionError(f"unexpected prompt: {prompt[:200]}")
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=json.dumps(reply)))])


def _item() -> tuple[QuestionResult, ReferenceIndex, dict[str, list[str]]]:
    chunks = [
        Chunk(id="refund#b/0", text="Tier B clients can ask for a refund within 30 days of the charge.",
              doc_id="refund", title="Refunds", section="Tier B", source="refund.md"),
        Chunk(id="kpis#nps/0", text="NPS is promoters minus detractors.", doc_id="kpis", title="KPIs",
              section="NPS", source="kpis.md"),
    ]
    item = QuestionResult(
        id="q1", dataset="t", question=QUESTION, language="en", answerable=True, tags=[],
        reference="Tier B clients can ask for a refund within 30 days of the charge.",
        answer="Tier B clients can ask for a refund within 30 days of the charge [1].",
        retrieved=[RetrievedRow(chunk_id="refund#b/0", doc_id="refund", section="Tier B", relevant=True),
                   RetrievedRow(chunk_id="kpis#nps/0", doc_id="kpis", section="NPS", relevant=False)],
    )
    return item, ReferenceIndex(chunks), {"q1": ["refund#b/0"]}


def test_non_llm_metrics_on_a_hand_made_item() -> None:
    """A failure means a ragas non-LLM metric is wired to the wrong fields (ids, contexts, reference)."""
    item, ref, relevant = _item()
    add_ragas_metrics([item], ref, relevant)
    got = item.metrics
    assert got["ragas.id_context_recall"] == 1.0      # the one reference id was retrieved
    assert got["ragas.id_context_precision"] == 0.5   # one of the two retrieved ids is a reference
    assert got["ragas.context_recall"] == 1.0
    assert got["ragas.rouge"] is not None and got["ragas.rouge"] > 0.9  # answer = reference + " [1]"
    assert got["ragas.string_similarity"] is not None and got["ragas.string_similarity"] > 0.9
    assert "ragas.faithfulness" not in got  # no judge, no LLM metric


def test_unanswerable_items_are_not_scored() -> None:
    """A failure means abstention questions drag ragas means down (they have no reference)."""
    item, ref, relevant = _item()
    item.answerable = False
    add_ragas_metrics([item], ref, relevant)
    assert item.metrics == {}


def test_judge_metrics_with_a_fake_chat_model() -> None:
    """A failure means faithfulness/relevancy do not reach the judge or misread its JSON.

    Two statements, one supported: faithfulness 0.5. The generated question equals the user's, so with the
    hash embedder every cosine is 1 and answer relevancy is 1.0.
    """
    item, ref, relevant = _item()
    judge_model = RagasJudge(messages=iter([]))
    add_ragas_metrics([item], ref, relevant, judge=Judge(model=judge_model, embedder=HashEmbedder()))
    assert item.metrics["ragas.faithfulness"] == pytest.approx(0.5)
    assert item.metrics["ragas.answer_relevancy"] == pytest.approx(1.0, abs=1e-3)
    assert any("gold bars" in p for p in judge_model.prompts)  # the NLI step saw the generated statements
