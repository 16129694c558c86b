"""How questions are read as people write them: chit-chat, misspellings, follow-ups, domain words from data."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from assistant.language.chitchat import is_chitchat, strip_chitchat
from assistant.language.followup import contextual_query
from assistant.language.spelling import Speller, word_counts
from assistant.language.vocabulary import DomainVocabulary

KB_DATA = Path(__file__).resolve().parents[3] / "knowledge" / "data"


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("hi, quick q: whats the refund window for tier B? thanks!", "whats the refund window for tier B?"),
        ("Hello, who can use the retirement estimator?", "who can use the retirement estimator?"),
        ("Hola, ¿cuál es la ventana de reembolso?", "¿cuál es la ventana de reembolso?"),
        ("hey team, how do I process a refund please", "how do I process a refund"),
        ("Which quick wins count?", "Which quick wins count?"),
        ("Q1 revenue targets?", "Q1 revenue targets?"),
    ],
)
def test_greetings_and_thanks_are_not_the_question(text: str, core: str) -> None:
    """A failure means "hi" or "thanks" is searched as a topic (and, unknown to the playbook, makes it abstain),
    or a real word that merely looks like a filler ("quick wins", "Q1") is cut from the question."""
    assert strip_chitchat(text) == core


@pytest.mark.parametrize("text", ["thanks!", "Hi!", "hello there", "gracias", "ok thanks"])
def test_a_message_that_is_only_chitchat_is_recognised(text: str) -> None:
    """A failure means "thanks!" in a thread would be answered with playbook text."""
    assert is_chitchat(text)
    assert not is_chitchat("thanks, and what about tier C?")


def test_misspellings_are_matched_to_the_corpus_words_only() -> None:
    """A failure means "windo"/"teir" stay unknown words (the question abstains), or a common word the corpus lacks
    ("came") is "corrected" into a corpus word and changes the question's meaning."""
    speller = Speller(word_counts(["The refund window for tier B is 30 days.", "Policy on refunds and names."]))
    assert speller.correct("whats the refund windo for teir B, polcy?") == "whats the refund window for tier B, policy?"
    assert speller.correct("I came here for a salary question") == "I came here for a salary question"
    assert speller.correct_word("refund") is None


def test_word_counts_fold_case_and_accents() -> None:
    """A failure means "Política" and "politica" count as two words, so an unaccented question looks misspelled."""
    assert word_counts(["Política", "politica"]) == Counter({"politica": 2})


def test_domain_words_come_from_the_data_folder() -> None:
    """A failure means tiers, levels or channels are hard-coded instead of read from knowledge/data."""
    vocabulary = DomainVocabulary.load(KB_DATA)
    assert vocabulary.groups["tier"] == {"tiera", "tierb", "tierc"}
    assert {"l1", "l2", "l3"} <= vocabulary.groups["level"]
    assert vocabulary.tiers_in("the window for tier B and Tier: C") == ["B", "C"]


def test_another_companys_tier_names_get_the_same_treatment() -> None:
    """A failure means only one-letter tiers work: "Gold"/"Silver" follow-ups would not be rewritten."""
    vocabulary = DomainVocabulary.build(tiers=["Gold", "Silver"], levels=["T1", "T2"], channels=["chat"])
    assert vocabulary.tiers_in("Is the Silver window longer than Gold's?") == ["Silver", "Gold"]
    query = contextual_query("and for Silver?", ["What is the refund window for Gold members?"], vocabulary)
    assert query.search == "What is the refund window for Silver members?"


def test_a_follow_up_naming_another_tier_is_the_previous_question_for_that_tier() -> None:
    """A failure means "and for tier C?" is searched as "tier C" alone, or mixed with tier B's question."""
    vocabulary = DomainVocabulary.load(KB_DATA)
    query = contextual_query("and for tier C?", ["whats the refund window for tier B?"], vocabulary)
    assert query.search == "whats the refund window for tier C?" and query.rewritten


def test_any_other_follow_up_is_searched_with_the_last_user_turns() -> None:
    """A failure means "Yes" or "what is the deadline?" is searched alone and finds nothing of the thread's topic."""
    vocabulary = DomainVocabulary()
    query = contextual_query("Yes", ["My plates were stolen", "I need new ones", "ok"], vocabulary)
    assert query.search == "I need new ones ok Yes" and query.focus == "Yes" and query.has_context
    assert contextual_query("Yes", [], vocabulary).search == "Yes"


def test_a_follow_up_keeps_its_thread_context_apart() -> None:
    """A failure means the confidence of a follow-up ("Yeah, I don't have one") cannot lean on its thread's topic,
    or a rewritten follow-up ("and for tier C?") would still carry the previous tier as context."""
    vocabulary = DomainVocabulary.load(KB_DATA)
    query = contextual_query("Yeah, I don't have one", ["How do I renew my licence?"], vocabulary)
    assert query.context == "How do I renew my licence?"
    assert contextual_query("and for tier C?", ["the refund window for tier B?"], vocabulary).context == ""
