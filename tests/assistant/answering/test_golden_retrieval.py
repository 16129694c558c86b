"""Answer correctness on the bundled playbook, item by item, from the one golden set (evals/datasets/golden.yaml):
the right section is cited, every key fact is in the answer, Spanish questions are answered from Spanish
documents, and out-of-scope questions abstain.

Items tagged ``messy`` (greetings, typos, paraphrases, comparisons, negations, follow-ups) are measured by
``playbook eval`` (their pass rate per tag) rather than asserted here one by one.
"""

from __future__ import annotations

import pytest

from assistant.entry import answer
from assistant.models import Answer
from assistant.questions import AskRequest, Turn
from assistant.services import Services
from evals.dataset import Question, load_dataset

GOLDEN = load_dataset("golden").questions
ASSERTED = [q for q in GOLDEN if "messy" not in q.tags]
ANSWERABLE = [q for q in ASSERTED if q.answerable]
# Answered today although the playbook does not cover it (evals/baseline.json: abstention recall 0.95). Strict:
# the day it abstains, this test fails and the entry goes.
KNOWN_GAPS = {"oos-near-call-recording-retention": "a near miss answered from the account-review section"}
OUT_OF_SCOPE = [
    pytest.param(q, id=q.id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[q.id])) if q.id in KNOWN_GAPS
    else pytest.param(q, id=q.id)
    for q in ASSERTED if not q.answerable
]

pytestmark = pytest.mark.slow


def _ask(services: Services, item: Question) -> Answer:
    thread = [Turn(role=t.role, text=t.text) for t in item.thread]
    return answer(services, AskRequest(question=item.question, thread=thread))


def test_golden_set_is_big_enough() -> None:
    """A failure means the labelled set shrank below what the acceptance asks (25+ answerable, 10+ out of scope)."""
    assert len(ANSWERABLE) >= 25
    assert sum(q.language == "es" for q in ANSWERABLE) >= 5
    assert len(OUT_OF_SCOPE) >= 10


@pytest.mark.parametrize("item", ANSWERABLE, ids=[q.id for q in ANSWERABLE])
def test_answer_cites_the_right_section(kb_services: Services, item: Question) -> None:
    """A failure means a question the playbook answers got the wrong section, no citation, or lost a key fact."""
    result = _ask(kb_services, item)
    assert not result.abstained, f"abstained (confidence {result.confidence})"
    assert result.language == item.language
    cited = [(c.doc_id, c.section) for c in result.citations]
    assert any(s.matches(doc, section) for s in item.sources for doc, section in cited) or any(
        c.chunk_id in item.chunks for c in result.citations
    ), cited
    missing = [fact for fact in item.facts if fact.lower() not in result.answer.lower()]
    assert not missing, f"missing {missing}: {result.answer}"
    for n in range(1, len(result.citations) + 1):
        assert f"[{n}]" in result.answer


@pytest.mark.parametrize("item", OUT_OF_SCOPE)
def test_out_of_scope_questions_abstain(kb_services: Services, item: Question) -> None:
    """A failure means the assistant answered something the playbook does not cover (a guess)."""
    result = _ask(kb_services, item)
    assert result.abstained, f"answered with confidence {result.confidence}: {result.answer[:200]}"
    assert result.citations == []
    assert "Subdirector de Experiencia del Cliente" in result.answer  # who to ask, from the escalation table


def test_spanish_questions_cite_spanish_documents(kb_services: Services) -> None:
    """A failure means a Spanish question was answered from English text."""
    result = answer(kb_services, AskRequest(
        question="¿Cuándo se procesa una cancelación si el cliente rechaza la oferta de rescate?"))
    assert result.language == "es" and not result.abstained
    _, corpus = kb_services.retriever.snapshot()
    languages = {c.language for c in corpus.chunks if c.id in {cit.chunk_id for cit in result.citations}}
    assert languages == {"es"}
    assert "24 horas" in result.answer


def test_procedural_answer_keeps_steps_in_order(kb_services: Services) -> None:
    """A failure means a how-to answer lost steps or shuffled them."""
    text = answer(kb_services, AskRequest(question="What are the four steps of procedure R1?")).answer
    positions = [text.find(f"Step {n}") for n in range(1, 5)]
    if -1 in positions:  # the steps may be cited section by section instead of as one list
        positions = [text.lower().find(w) for w in ("identify", "understand", "typify", "win-win")]
    assert -1 not in positions and positions == sorted(positions), text
