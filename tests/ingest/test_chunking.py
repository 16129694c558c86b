"""Heading-aware chunking: section paths for citations, document metadata on every chunk, stable ids."""

from __future__ import annotations

import re

import pytest

from assistant.models import SECTION_SEPARATOR
from ingest.chunking import Chunker, clean_heading
from ingest.loaders.base import LoadedDocument
from ingest.loaders.markdown import parse_markdown

POLICY = """---
title: Refund Policy
owner: CX Ops
version: "2.1"
effective_date: 2025-01-15
audience: [agents, leads]
topic: refunds
language: en
---
# Refund Policy

Refunds protect trust; credits come before refunds.

## Eligibility

Customers are eligible within 30 days of purchase.

### Tier A

Tier A clients get a full refund without approval.

## Approval

Refunds above 200 EUR need the team lead.
"""

REQUIRED_META = (
    "doc_id", "title", "source", "language", "owner", "version", "effective_date", "audience", "topic",
    "section", "section_index", "chunk_index", "source_hash",
)


def chunk(text: str, *, chunk_size: int = 1200, chunk_overlap: int = 150, doc_id: str = "kb/refund-policy"):
    """Parse Markdown and chunk it as ingest does."""
    return Chunker(chunk_size=chunk_size, chunk_overlap=chunk_overlap).chunk(
        parse_markdown(text), source=f"{doc_id}.md", doc_id=doc_id, source_hash="sha-abc123",
    )


def test_section_paths_drop_title_h1_and_join_levels() -> None:
    """A failure means citations would show wrong section paths (title repeated, levels missing or unjoined)."""
    chunks = chunk(POLICY)
    assert [c.section for c in chunks] == ["", "Eligibility", f"Eligibility{SECTION_SEPARATOR}Tier A", "Approval"]
    assert SECTION_SEPARATOR == " › "
    assert chunks[2].section == "Eligibility › Tier A"
    assert [c.section_index for c in chunks] == [0, 1, 2, 3]
    assert {c.title for c in chunks} == {"Refund Policy"}
    assert chunks[0].text == "Refunds protect trust; credits come before refunds."
    assert chunks[2].text == "Tier A clients get a full refund without approval."


def test_h1_becomes_title_when_front_matter_has_none() -> None:
    """A failure means documents without front matter get no title, or their h1 leaks into section paths."""
    chunks = chunk("# VIP Handling\n\n## Greeting\n\nVIP customers are greeted by name.\n", doc_id="kb/vip")
    assert len(chunks) == 1
    assert chunks[0].title == "VIP Handling"
    assert chunks[0].section == "Greeting"
    assert chunks[0].id == "kb/vip#greeting/0"


def test_every_chunk_carries_document_metadata() -> None:
    """A failure means chunks lose metadata that filters, citations or incremental ingest rely on."""
    chunks = chunk(POLICY)
    assert chunks
    for c in chunks:
        missing = [k for k in REQUIRED_META if k not in c.metadata]
        assert not missing, (c.id, missing)
        meta = c.metadata
        assert meta["doc_id"] == "kb/refund-policy" == c.doc_id
        assert meta["title"] == "Refund Policy"
        assert meta["source"] == "kb/refund-policy.md" == c.source
        assert meta["language"] == "en" == c.language
        assert meta["owner"] == "CX Ops"
        assert meta["version"] == "2.1"
        assert meta["effective_date"] == "2025-01-15"
        assert meta["audience"] == "agents,leads"
        assert meta["topic"] == "refunds"
        assert meta["source_hash"] == "sha-abc123"
        assert meta["section"] == c.section
        assert meta["section_index"] == c.section_index
        assert meta["chunk_index"] == c.chunk_index
        # Chroma accepts scalar metadata only.
        assert all(isinstance(v, (str, int, float, bool)) for v in meta.values()), meta


def test_chunk_ids_are_stable_and_well_formed() -> None:
    """A failure means chunk ids change between runs (breaking incremental ingest and citations) or lose their form."""
    first = [c.id for c in chunk(POLICY)]
    second = [c.id for c in chunk(POLICY)]
    assert first == second
    assert first == [
        "kb/refund-policy#overview/0",
        "kb/refund-policy#eligibility/0",
        "kb/refund-policy#eligibility-tier-a/0",
        "kb/refund-policy#approval/0",
    ]
    for cid in first:
        assert re.fullmatch(r"kb/refund-policy#[\w-]+/\d+", cid), cid
    assert len(set(first)) == len(first)


def test_repeated_heading_gets_a_distinct_id() -> None:
    """A failure means two sections with the same heading collide on one chunk id (one overwrites the other)."""
    text = "# Doc\n\n## Notes\n\nFirst notes.\n\n## Other\n\nMiddle.\n\n## Notes\n\nSecond notes.\n"
    ids = [c.id for c in chunk(text, doc_id="kb/doc")]
    assert ids == ["kb/doc#notes/0", "kb/doc#other/0", "kb/doc#notes-2/0"]


def test_long_section_is_split_with_increasing_chunk_index() -> None:
    """A failure means long sections are not split, or their pieces lose the section path or ordering."""
    paragraphs = "\n\n".join(
        f"Paragraph {i} explains refund step {i} in enough detail to make the section long." for i in range(30)
    )
    chunks = chunk(f"# Refund Policy\n\n## Steps\n\n{paragraphs}\n", chunk_size=300, chunk_overlap=40)
    assert len(chunks) >= 5
    assert {c.section for c in chunks} == {"Steps"}
    assert {c.section_index for c in chunks} == {0}
    assert [c.chunk_index for c in chunks] == list(range(len(chunks)))
    assert [c.id for c in chunks] == [f"kb/refund-policy#steps/{n}" for n in range(len(chunks))]
    assert all(len(c.text) <= 300 for c in chunks)
    assert "Paragraph 0 " in chunks[0].text and "Paragraph 29 " in chunks[-1].text
    joined = " ".join(c.text for c in chunks)
    assert all(f"Paragraph {i} " in joined for i in range(30))


def test_spanish_is_detected_without_front_matter_language() -> None:
    """A failure means Spanish documents are indexed as English (wrong stemmer, wrong language filter)."""
    text = (
        "# Política de reembolsos\n\n## Plazos\n\n"
        "Los reembolsos se aprueban en cinco días hábiles según la política de la empresa y el nivel del cliente.\n"
    )
    chunks = chunk(text, doc_id="kb/es/reembolsos")
    assert [c.language for c in chunks] == ["es"]
    assert chunks[0].metadata["language"] == "es"
    assert chunks[0].title == "Política de reembolsos"
    assert chunks[0].section == "Plazos"


def test_front_matter_language_wins_over_detection() -> None:
    """A failure means an explicit front-matter language is ignored in favour of detection."""
    doc = LoadedDocument(text="## Plazos\n\nLos reembolsos se aprueban en cinco días hábiles.", format="markdown",
                         metadata={"language": "EN-us", "title": "Mixed"})
    chunks = Chunker().chunk(doc, source="kb/mixed.md", doc_id="kb/mixed", source_hash="h")
    assert [c.language for c in chunks] == ["en"]


def test_emoji_and_bold_are_removed_from_headings() -> None:
    """A failure means section paths and chunk ids carry emoji or Markdown emphasis."""
    text = "# 🎧 **Playbook de Servicio**\n\n## 🎯 **RESUMEN EJECUTIVO**\n\nEl playbook cubre la estrategia.\n"
    chunks = chunk(text, doc_id="kb/servicio")
    assert len(chunks) == 1
    assert chunks[0].title == "Playbook de Servicio"
    assert chunks[0].section == "RESUMEN EJECUTIVO"
    assert chunks[0].id == "kb/servicio#resumen-ejecutivo/0"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("💰 **Eligibility**", "Eligibility"), ("__Tier A__:", "Tier A"), ("¿Cómo  reembolsar?", "¿Cómo reembolsar?"),
     ("`code` heading", "code heading")],
)
def test_clean_heading(raw: str, clean: str) -> None:
    """A failure means heading decoration (emoji, emphasis, colons, extra spaces) survives or real text is cut."""
    assert clean_heading(raw) == clean
