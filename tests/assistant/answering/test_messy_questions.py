"""Questions as support agents write them, asked of the bundled playbook (real model, the session's index)."""

from __future__ import annotations

import pytest

from assistant.answering.ask import ask
from assistant.services import Services

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "question",
    [
        "Hi. What is the refund window for tier B clients?",
        "hi, quick q: whats the refund windo for teir B?",
        "hey team!! refund window tier B pls, thanks",
    ],
)
def test_greetings_and_typos_do_not_make_a_covered_question_abstain(kb_services: Services, question: str) -> None:
    """A failure means a greeting or a misspelled word counts as an unknown topic and the agent gets no answer."""
    answer = ask(kb_services, question)
    assert not answer.abstained, answer
    assert "30 days" in answer.answer


def test_a_follow_up_in_a_thread_is_read_with_the_previous_question(kb_services: Services) -> None:
    """A failure means "and for tier C?" abstains or answers for tier B."""
    answer = ask(kb_services, "and for tier C?", thread=["whats the refund window for tier B?"])
    assert not answer.abstained
    assert "14 days" in answer.answer and "30 days" not in answer.answer


def test_which_tier_has_the_longest_window_is_answered_from_the_table(kb_services: Services) -> None:
    """A failure means a comparison across tiers abstains ("longest" is not a playbook word) or names no tier."""
    answer = ask(kb_services, "Which tier has the longest refund window?")
    assert not answer.abstained
    assert answer.answer.startswith("Tier A has the longest refund window (60 days)")
    assert all(days in answer.answer for days in ("60 days", "30 days", "14 days"))


def test_how_do_i_process_a_refund_gets_the_procedure_steps(kb_services: Services) -> None:
    """A failure means "how do I…" about a named procedure gets policy rules instead of the procedure's steps."""
    answer = ask(kb_services, "How do I process a refund?")
    assert [c.section.rsplit("›", 1)[-1].strip()[:6] for c in answer.citations[:4]] == ["Step 1", "Step 2",
                                                                                          "Step 3", "Step 4"]
    assert answer.answer.index("Step 1") < answer.answer.index("Step 4")


def test_a_greeting_alone_gets_a_greeting_not_playbook_text(kb_services: Services) -> None:
    """A failure means "thanks!" is answered with whatever playbook sentence says "thank"."""
    answer = ask(kb_services, "thanks!")
    assert answer.abstained and not answer.citations


def test_answers_are_well_formed_markdown(kb_services: Services) -> None:
    """A failure means raw or unbalanced "**", repeated sentences or source artefacts reach the reader."""
    for question in ("What are the steps of the rescue procedure?", "What is the refund policy?",
                     "What are the SLA targets for tier B?", "What are the ten SOPs of the CX manager?"):
        text = ask(kb_services, question).answer
        for line in text.splitlines():
            assert line.count("**") % 2 == 0, line
        sentences = [s for s in text.replace("\n", " ").split(". ") if len(s) > 40]
        assert len(sentences) == len(set(sentences)), text


def test_a_follow_up_leans_on_the_last_answer_of_its_thread_but_not_on_a_refusal(kb_services: Services) -> None:
    """A failure means the thread's last answer does not count as evidence of its topic ("yes, that one" after an
    answered question stays doubtful), or that a refusal or a greeting in the thread lifts a follow-up's confidence."""
    first = "How fast must we answer a chat from a tier A client?"
    reply = ask(kb_services, first)
    assert not reply.abstained
    follow_up = "Yes, they do."
    alone = ask(kb_services, follow_up, thread=[first])
    with_reply = ask(kb_services, follow_up, thread=[first], replies=[reply.answer])
    assert with_reply.confidence > alone.confidence
    refusal = ask(kb_services, "What is our policy on refunds in cryptocurrency?")
    assert refusal.abstained
    for not_an_answer in (refusal.answer, ask(kb_services, "hi!").answer):
        lifted = ask(kb_services, follow_up, thread=[first], replies=[not_an_answer])
        assert lifted.confidence == alone.confidence


def test_a_situation_told_before_the_question_does_not_make_it_abstain(kb_services: Services) -> None:
    """A failure means words of the user's situation the playbook never uses ("bakery", "Ohio") refuse the question."""
    answer = ask(kb_services, "My client runs a small bakery chain in Ohio and sounds furious. "
                              "What is the refund window for tier B?")
    assert not answer.abstained, answer
    assert "30 days" in answer.answer


def test_a_situation_does_not_make_an_uncovered_question_answerable(kb_services: Services) -> None:
    """A failure means splitting off the situation lets a question the playbook does not cover be answered."""
    answer = ask(kb_services, "I run a bakery in Ohio. How long should sourdough bread proof?")
    assert answer.abstained, answer


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("How many days does a tier B customer have to ask for their money back?", "30 days"),
        ("As a first-line agent, how much money can I give back to a tier C customer without asking anyone?", "USD 50"),
    ],
)
def test_a_figure_asked_in_other_words_comes_from_the_tables(kb_services: Services, question: str, figure: str) -> None:
    """A failure means "money back", "give back" or "first-line agent" are not read as a refund or as L1, and the
    tier's figure is not answered from the policy tables."""
    answer = ask(kb_services, question)
    assert answer.answer.startswith("Tier "), answer.answer
    assert figure in answer.answer.split("\n")[0]


def test_asking_for_time_to_get_an_approval_is_not_the_refund_window(kb_services: Services) -> None:
    """A failure means any "how long do I have to ask…" reads as the refund window."""
    answer = ask(kb_services, "How long do I have to ask the SEC for approval for a tier B refund?")
    assert "refund window" not in answer.answer


def test_an_acknowledgement_is_answered_in_a_covered_thread_and_refused_in_another(kb_services: Services) -> None:
    """A failure means "yes, they do" after a question the playbook answered is refused (the thread is its topic),
    or that the same words in a thread about something the playbook does not cover get an answer."""
    first = "How fast must we answer a chat from a tier A client?"
    reply = ask(kb_services, first)
    assert not ask(kb_services, "Yes, they do.", thread=[first], replies=[reply.answer]).abstained
    elsewhere = ask(kb_services, "Yes, they do.", thread=["How do I renew my driver's license at the DMV?"],
                    replies=["You can renew it online on the DMV website or at a DMV office with your old license."])
    assert elsewhere.abstained, elsewhere
