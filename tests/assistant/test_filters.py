"""The audience-filter encoding: written into chunk metadata at ingest, matched by dense (Chroma) and BM25 search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.factory import build_services
from assistant.retrieval.filters import audience_flags, chroma_where, matches, stored_filters
from assistant.services import Services
from ingest.chunking import Chunker
from ingest.loaders.base import LoadedDocument
from tests.conftest import hash_settings, make_pipeline

DOCS = {
    "agents-only.md": ("[agents]", "Refund window for agents: thirty days from purchase."),
    "leads-only.md": ("leads", "Refund window for leads: thirty days, approval above the limit."),
    "everyone.md": ("[agents, leads, trainers]", "Refund window overview: thirty days for every tier."),
    "untagged.md": (None, "Refund window notes: thirty days, see the policy."),
}


def test_audience_values_become_one_flag_each() -> None:
    """A failure means stored flags changed: existing indexes would stop matching their audience filters."""
    assert audience_flags(["agents", "leads"]) == {"audience_agents": True, "audience_leads": True}
    assert audience_flags("trainers") == {"audience_trainers": True}
    assert audience_flags(["Team Leads"]) == {"audience_team-leads": True}
    assert audience_flags(None) == {} == audience_flags([]) == audience_flags("")


def test_audience_filter_is_mapped_to_stored_flags() -> None:
    """A failure means {"audience": "agents"} could never match (audience lists are stored as flags)."""
    assert stored_filters({"audience": "agents", "doc_id": "x"}) == {"audience_agents": True, "doc_id": "x"}
    assert stored_filters({}) is None
    assert stored_filters(None) is None


def test_dense_where_is_the_language_and_each_filter() -> None:
    """A failure means the dense side ignores the filters, or Chroma gets a where it cannot read."""
    assert chroma_where("en", None) == {"language": "en"}
    assert chroma_where("es", {"audience_agents": True, "doc_id": "x"}) == {
        "$and": [{"language": "es"}, {"audience_agents": True}, {"doc_id": "x"}]
    }


def test_chunk_metadata_written_at_ingest_is_matched_at_query() -> None:
    """A failure means the encoding at ingest and the one at query time disagree: filters would match nothing."""
    doc = LoadedDocument("# Policy\n\n## Window\n\nThirty days.", "markdown", {"audience": ["agents", "leads"]})
    chunks = Chunker().chunk(doc, source="policy.md", doc_id="policy", source_hash="h")
    assert chunks
    for chunk in chunks:
        assert matches(chunk.metadata, stored_filters({"audience": "agents"}) or {})
        assert matches(chunk.metadata, stored_filters({"audience": "leads", "doc_id": "policy"}) or {})
        assert not matches(chunk.metadata, stored_filters({"audience": "trainers"}) or {})
        assert not matches(chunk.metadata, stored_filters({"doc_id": "other"}) or {})


@pytest.fixture
def tagged(tmp_path: Path) -> Iterator[Services]:
    """Four small documents with different audiences, ingested with the hash embedder into embedded Chroma."""
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, (audience, body) in DOCS.items():
        front = f"---\naudience: {audience}\n---\n" if audience else ""
        (folder / name).write_text(f"{front}# {name[:-3]}\n\n## Refunds\n\n{body}\n", encoding="utf-8")
    services = build_services(hash_settings(tmp_path / "data"))
    make_pipeline(services).run([folder])
    yield services
    services.close()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_an_audience_filter_keeps_only_that_audience_on_both_sides(tagged: Services, mode: str) -> None:
    """A failure means an audience filter leaks other documents through dense (Chroma) or BM25 retrieval."""
    tagged.retriever.mode = mode
    hits, _ = tagged.retriever.retrieve("refund window thirty days", language="en", k=10)
    assert {h.chunk.doc_id.removeprefix("kb/") for h in hits} == {"agents-only", "leads-only", "everyone", "untagged"}
    for audience, expected in [("agents", {"agents-only", "everyone"}), ("leads", {"leads-only", "everyone"})]:
        hits, _ = tagged.retriever.retrieve(
            "refund window thirty days", language="en", k=10, where={"audience": audience}
        )
        assert {h.chunk.doc_id.removeprefix("kb/") for h in hits} == expected
    hits, _ = tagged.retriever.retrieve("refund window", language="en", k=10, where={"audience": "nobody"})
    assert hits == []
