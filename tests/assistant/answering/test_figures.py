"""Structured answers: tier-specific figures come from knowledge/data, cited beside a real section that states them."""

from __future__ import annotations

import re

import pytest

from assistant.answering.ask import ask
from assistant.answering.figures import structured_answer
from assistant.policy.durations import humanize
from assistant.services import Services

pytestmark = pytest.mark.slow


def _cited_texts(services: Services, chunk_ids: list[str | None]) -> str:
    _, corpus = services.retriever.snapshot()
    by_id = {c.id: c for c in corpus.chunks}
    return "\n".join(corpus.section_text(by_id[cid]) for cid in chunk_ids if cid in by_id)


def test_tier_c_sla_question_gets_the_table_figure_and_a_real_citation(kb_services: Services) -> None:
    """A failure means a tier C SLA question quotes another tier's row or a channel standard, or cites no chunk."""
    answer = ask(kb_services, "What is the first response target for a tier C urgent email?")
    expected = humanize(kb_services.sla.get("C", "email", "urgent").first_response)  # sla.csv: PT30M
    assert not answer.abstained
    assert expected == "30 minutes" and expected in answer.answer, answer.answer
    assert answer.citations and all(c.chunk_id for c in answer.citations)
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)
    assert any("Tier C" in c.section for c in answer.citations), [c.section for c in answer.citations]
    assert "| C | Email | Urgent | 30 minutes" in _cited_texts(kb_services, [c.chunk_id for c in answer.citations])


def test_tier_c_contact_time_comes_from_the_rescue_table(kb_services: Services) -> None:
    """A failure means the rescue contact time of a neighbouring tier (or none) is given for tier C."""
    answer = ask(kb_services, "How quickly must the owner contact a tier C client flagged at risk?")
    assert "3 business days" in answer.answer and "1 business day" not in answer.answer, answer.answer
    assert answer.citations[0].doc_id in {"rescue-policy", "rescue-procedure"}


def test_spanish_multi_part_tier_question_answers_both_parts_in_spanish(kb_services: Services) -> None:
    """A failure means a Spanish "window and approver" question lost a part, or was answered in English."""
    answer = ask(
        kb_services,
        "¿Cuál es la ventana de reembolso del nivel A y quién aprueba los reembolsos por encima del límite del L1?",
    )
    assert answer.language == "es" and not answer.abstained
    assert "60 días" in answer.answer and "Subdirector de Cuentas Clave" in answer.answer, answer.answer
    assert "Tier" not in answer.answer
    assert {c.doc_id for c in answer.citations} == {"politica-de-reembolsos"}
    cited = _cited_texts(kb_services, [c.chunk_id for c in answer.citations])
    assert "60 días" in cited and "USD 5000" in cited


@pytest.mark.parametrize(
    "question",
    [
        "What are the four steps of procedure R1?",  # no tier
        "Who handles a cancellation request from a tier C client?",  # a tier, but no figure the tables hold
        "A tier C client requests a video session on Friday at 16:50 local time. When is the first response due?",
        "What priority does a duplicate-charge refund request get, and what is its resolution target for a tier B "
        "client?",  # one part no table answers
        "What is the refund window for tier A and tier B clients?",  # two tiers
    ],
)
def test_questions_that_are_not_a_tier_lookup_fall_through(kb_services: Services, question: str) -> None:
    """A failure means the structured path took over a question it cannot answer whole (the composer must)."""
    results, corpus = kb_services.retriever.retrieve(question, language="en", k=5)
    found = structured_answer(
        question, "en", results=results, corpus=corpus, conf=1.0, policy=kb_services.policy, sla=kb_services.sla,
        vocabulary=kb_services.vocabulary,
    )
    assert found is None


def test_out_of_scope_tier_question_still_abstains(kb_services: Services) -> None:
    """A failure means naming a tier made the assistant answer something the playbook does not cover."""
    answer = ask(kb_services, "What is the parental leave policy for tier A employees?")
    assert answer.abstained and answer.citations == []


def test_answer_lines_each_carry_a_marker(kb_services: Services) -> None:
    """A failure means a structured line was left uncited."""
    answer = ask(kb_services, "What are the first response and resolution targets for a normal-priority chat "
                              "from a tier B client?")
    assert "1 minute" in answer.answer and "2 days" in answer.answer
    assert all(re.search(r"\[\d+\]$", line) for line in answer.answer.splitlines())
