"""The closing question of a message that first tells its situation."""

from __future__ import annotations

import pytest

from assistant.language.situation import question_part


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("I work part time at a bakery. Am I entitled to the minimum wage?", "Am I entitled to the minimum wage?"),
        ("yeah, I'm the qualifying patient Can I consume this marijuana?", "Can I consume this marijuana?"),
        ("Tengo un cliente del nivel B. ¿Cuál es la ventana de reembolso?", "¿Cuál es la ventana de reembolso?"),
        ("I was charged twice this month. What do I do? And how soon?", "What do I do? And how soon?"),
    ],
)
def test_the_question_after_a_situation_is_found(message: str, question: str) -> None:
    """A failure means the situation's words would still decide whether the knowledge base covers the question."""
    assert question_part(message) == question


@pytest.mark.parametrize(
    "message",
    [
        "What is the refund window for tier B?",  # a question alone
        "So. Can I get a refund?",  # too short to be a situation
        "I need help understanding family benefits.",  # no question at the end
        "Can I get a refund? I was charged twice.",  # the statement comes after: nothing to set apart
    ],
)
def test_no_split_without_a_situation_before_a_closing_question(message: str) -> None:
    """A failure means a plain question is cut, or a message without a closing question gets a "question part"."""
    assert question_part(message) is None
