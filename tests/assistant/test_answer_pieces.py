"""Unit tests of the pieces answers are built from: text splitting, tables, tokens, overlap joins, filters."""

from __future__ import annotations

import pytest

from assistant.answer import novelty, split_units
from assistant.ask import ask
from assistant.factory import Services
from assistant.models import Chunk
from assistant.retrieval.hybrid import Corpus, join_overlapping, normalize_filters, reciprocal_rank_fusion
from assistant.text import detect_language, linearize_tables, terms


def test_table_rows_read_on_their_own() -> None:
    """A failure means table rows lost their headers, so "Tier: A" rows could not be matched or quoted."""
    text = "Intro line.\n| Tier | Window |\n|---|---|\n| A | 60 days |\n| B | 30 days |\nAfter."
    assert linearize_tables(text) == "Intro line.\nTier: A; Window: 60 days\nTier: B; Window: 30 days\nAfter."


def test_units_split_sentences_lists_and_tables() -> None:
    """A failure means answers would quote half a step, merge two rows, or lose the order of a numbered list."""
    section = (
        "First sentence. Second one follows.\n\n1. Do this.\n2. Then that,\n   continued.\n\n"
        "| Tier | Window |\n|---|---|\n| C | 14 days |"
    )
    units = split_units(section)
    texts = [u.text for u in units]
    assert texts == [
        "First sentence.",
        "Second one follows.",
        "1. Do this.",
        "2. Then that, continued.",
        "Tier: C; Window: 14 days",
    ]
    assert units[2].numbered_group == units[3].numbered_group is not None
    assert [u.order for u in units] == sorted(u.order for u in units)


def test_overlapping_chunks_rejoin_without_repeats() -> None:
    """A failure means a section split into chunks would repeat its overlapping lines or break a table."""
    head = "para one\n| a | b |\n| 1 | 2 |"
    tail = "| 1 | 2 |\n| 3 | 4 |"
    assert join_overlapping(head, tail) == "para one\n| a | b |\n| 1 | 2 |\n| 3 | 4 |"
    assert join_overlapping("x", "y") == "x\n\ny"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("¿Cuál es la ventana de reembolso?", "es"),
        ("What is the refund window?", "en"),
        ("politica de reembolsos", "es"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    """A failure means questions would be searched in the wrong language's documents."""
    assert detect_language(text) == lang


def test_terms_keep_tiers_numbers_and_fold_accents() -> None:
    """A failure means "tier A" or "three" stops matching "Tier: A" or "3", or accents split Spanish words."""
    assert "tiera" in terms("What is the SLA for tier A?")
    assert "tierc" in terms("Tier: C; Window: 14 days")
    assert "3" in terms("the three questions")
    assert terms("política", "es") == terms("politica", "es")


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    """A failure means a chunk ranked well by both retrievers would not beat one ranked first by only one."""
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert max(fused, key=fused.get) == "b"


def test_audience_filter_is_mapped_to_stored_flags() -> None:
    """A failure means {"audience": "agents"} could never match (audience lists are stored as flags)."""
    assert normalize_filters({"audience": "agents", "doc_id": "x"}) == {"audience_agents": True, "doc_id": "x"}


@pytest.mark.slow
def test_filters_restrict_the_answer_to_matching_documents(kb_services: Services) -> None:
    """A failure means metadata filters (document, audience) are ignored by retrieval."""
    answer = ask(kb_services, "What is the refund window?", filters={"doc_id": "refund-policy"})
    assert answer.citations and {c.doc_id for c in answer.citations} == {"refund-policy"}
    answer = ask(kb_services, "What are the KPI targets?", filters={"audience": "leads"})
    _, corpus = kb_services.retriever.snapshot()
    by_id = {c.id: c for c in corpus.chunks}
    assert answer.citations
    assert all(by_id[c.chunk_id].metadata.get("audience_leads") is True for c in answer.citations)


def test_novelty_is_the_share_of_words_the_playbook_never_uses() -> None:
    """A failure means a near-miss question ("refunds in cryptocurrency") would be answered from the nearest
    refund text, or a question phrased with a frame word or a number the playbook lacks would abstain."""
    texts = ["Refunds are paid to the original payment method.", "The refund window is 30 days for tier B."]
    corpus = Corpus("t", [
        Chunk(id=f"d#{n}", text=t, doc_id="d", title="Refund policy", section=f"s{n}", source="d.md", section_index=n)
        for n, t in enumerate(texts)
    ])
    assert novelty("What is the refund window for tier B?", "en", corpus) == 0.0
    assert novelty("How big is the refund window?", "en", corpus) == 0.0  # "big" frames the question
    assert novelty("Is a refund of 45 days paid?", "en", corpus) == 0.0  # numbers need not be in the text
    crypto = novelty("Are refunds paid in cryptocurrency?", "en", corpus)
    assert 0.3 < crypto < 1.0
    assert novelty("Are refunds paid in cryptocurrency or gold bullion?", "en", corpus) > crypto
