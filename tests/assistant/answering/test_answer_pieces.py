"""Unit tests of the pieces answers are built from: text splitting, tables, tokens, overlap joins, filtered answers."""

from __future__ import annotations

import pytest

from assistant.answering.ask import ask
from assistant.answering.compose import compose
from assistant.answering.confidence import novelty
from assistant.answering.units import split_units
from assistant.models import SECTION_SEPARATOR, Chunk, ScoredChunk
from assistant.retrieval.hybrid import Corpus, join_overlapping, reciprocal_rank_fusion
from assistant.services import Services
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


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Quién es responsable del soporte de nivel 3?", "es"),
        ("el tercer nivel de soporte", "es"),
        ("soporte N3", "es"),
        ("Who handles level three support?", "en"),
        ("third-level support", "en"),
        ("tier 3 support", "en"),
    ],
)
def test_every_spelling_of_a_support_level_is_the_l_token(text: str, language: str) -> None:
    """A failure means "nivel 3" or "third level" no longer matches "Soporte L3" / "L3 Support" in the playbook."""
    assert "l3" in terms(text, language)
    assert "l3" in terms("Soporte L3 e Ingeniería", "es")


def test_a_level_word_followed_by_punctuation_is_not_a_level() -> None:
    """A failure means "plazo del nivel: 1 día hábil" is indexed as support level L1."""
    assert "l1" not in terms("Dentro del plazo del nivel: 1 día hábil (A)", "es")


def _section(n: int, section: str, text: str) -> Chunk:
    return Chunk(id=f"d#{n}", text=text, doc_id="d", title="Rescate", section=section, source="d.md",
                 language="es", section_index=n)


def test_a_section_headed_for_another_level_does_not_answer() -> None:
    """A failure means "soporte de nivel 3" is answered with the L1 duties, because "L3" is in their parent heading."""
    parent = "Niveles de soporte L1, L2 y L3"
    chunks = [
        _section(0, f"{parent}{SECTION_SEPARATOR}Soporte L1", "Responsabilidades: atender el primer contacto."),
        _section(1, f"{parent}{SECTION_SEPARATOR}Soporte L3", "Responsabilidades: resolver incidentes críticos."),
    ]
    corpus = Corpus("t", chunks)
    results = [ScoredChunk(chunk=c, score=1.0 - n / 10) for n, c in enumerate(chunks)]
    composed = compose("¿Quién es responsable del soporte de nivel 3?", "es", results, corpus, 1.0)
    assert "incidentes críticos" in composed.text
    assert "primer contacto" not in composed.text


def test_the_rows_of_the_section_the_question_names_answer_it() -> None:
    """A failure means "what are the early warning signs" gets sentences that repeat its words, not the signs
    themselves (rows like "30 días sin iniciar sesión" share no word with the question)."""
    signs = (
        "| Señal | Qué revisar |\n|---|---|\n| 30 días sin iniciar sesión | Último acceso"
        " |\n| Uso que cae 40% | - |"
    )
    chunks = [
        _section(0, "Manejo de quejas con riesgo de abandono",
                 "Una queja formal es una señal de alerta temprana. Agregue RSC-03 si hay riesgo de abandono."),
        _section(1, "Señales de alerta temprana", f"Un cliente queda en riesgo con estas señales:\n\n{signs}"),
    ]
    corpus = Corpus("t", [*chunks, _section(2, "Otra", "Texto sin relación con el tema.")])
    results = [ScoredChunk(chunk=c, score=1.0 - n / 10) for n, c in enumerate(chunks)]
    composed = compose("¿Cuáles son las señales de alerta temprana de riesgo de abandono?", "es", results, corpus, 1.0)
    assert "30 días sin iniciar sesión" in composed.text
    assert "40%" in composed.text


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    """A failure means a chunk ranked well by both retrievers would not beat one ranked first by only one."""
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]])
    assert max(fused, key=fused.get) == "b"


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
