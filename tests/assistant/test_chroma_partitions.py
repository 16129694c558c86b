"""The per-language collections of an index generation: routing, the legacy single-collection layout, cleanup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.factory import build_services
from assistant.retrieval.chroma.generation import PARTITION_SEPARATOR, split_language
from assistant.services import Services
from tests.conftest import hash_settings


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = build_services(hash_settings(tmp_path / "data"))
    yield svc
    svc.close()


def _records(n: int, language: str | None) -> tuple[list[str], list[list[float]], list[str], list[dict[str, object]]]:
    tag = language or "none"
    ids = [f"{tag}-{i}" for i in range(n)]
    vectors = [[1.0, float(i), 0.5] for i in range(n)]
    metas: list[dict[str, object]] = [{"doc_id": f"doc-{tag}", "section_index": i} for i in range(n)]
    if language is not None:
        for meta in metas:
            meta["language"] = language
    return ids, vectors, [f"text {tag} {i}" for i in range(n)], metas


def test_split_language_takes_the_language_out_of_the_filter() -> None:
    assert split_language(None) == (None, None)
    assert split_language({"language": "en"}) == ("en", None)
    assert split_language({"language": {"$eq": "es"}}) == ("es", None)
    assert split_language({"$and": [{"language": "en"}, {"doc_id": "a"}]}) == ("en", {"doc_id": "a"})
    both = {"$and": [{"language": "en"}, {"doc_id": "a"}, {"audience_agents": True}]}
    assert split_language(both) == ("en", {"$and": [{"doc_id": "a"}, {"audience_agents": True}]})
    assert split_language({"doc_id": "a"}) == (None, {"doc_id": "a"})


def test_records_go_to_their_language_collection_and_queries_stay_in_it(services: Services) -> None:
    """A failure means a language-restricted query returns other languages, or misses records of its own."""
    gen = services.store.new_generation()
    for language in ("en", "es", None):
        gen.upsert(*_records(5, language))
    services.store.switch(gen.name, {})

    index = services.store.open_active()
    names = sorted(c.name.split(PARTITION_SEPARATOR)[-1] for c in index.collections)
    assert names == ["en", "es", "other"]
    assert index.count() == 15
    es = index.query([1.0, 0.0, 0.5], 50, {"language": "es"})
    assert {cid for cid, _ in es} == {f"es-{i}" for i in range(5)}
    narrowed = index.query([1.0, 0.0, 0.5], 50, {"$and": [{"language": "en"}, {"section_index": 2}]})
    assert [cid for cid, _ in narrowed] == ["en-2"]
    everything = index.query([1.0, 0.0, 0.5], 50)
    assert len(everything) == 15
    assert [s for _, s in everything] == sorted((s for _, s in everything), reverse=True)
    assert index.query([1.0, 0.0, 0.5], 5, {"language": "fr"}) == []
    assert {r["id"] for r in index.iter_records(where={"language": "es"})} == {f"es-{i}" for i in range(5)}

    index.delete(["en-0", "es-0"])
    assert index.count() == 13


def test_a_generation_from_before_the_partitions_still_answers_with_the_filter(services: Services) -> None:
    """A failure means upgrading breaks (or mixes languages in) an index built by an older version."""
    name = f"{services.store.prefix}_20250101000000_abcdef"
    legacy = services.store.client.create_collection(
        name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
    )
    for language in ("en", "es"):
        ids, vectors, texts, metas = _records(4, language)
        legacy.upsert(ids=ids, embeddings=vectors, documents=texts, metadatas=metas)
    services.store.switch(name, {})

    index = services.store.open_active()
    assert index.count() == 8
    assert {cid for cid, _ in index.query([1.0, 0.0, 0.5], 50, {"language": "en"})} == {f"en-{i}" for i in range(4)}


def test_discarded_and_orphaned_generations_leave_no_collection_behind(services: Services) -> None:
    """A failure means killed or replaced generations leak their per-language collections."""
    store = services.store
    first = store.new_generation()
    first.upsert(*_records(3, "en"))
    first.upsert(*_records(3, "es"))
    store.switch(first.name, {})
    half_built = store.new_generation()
    half_built.upsert(*_records(3, "en"))
    store.discard(half_built.name)
    assert store.generations() == [first.name]

    for _ in range(2):
        gen = store.new_generation()
        gen.upsert(*_records(2, "es"))
        store.switch(gen.name, {})
    kept = {store.pointer()["active"], store.pointer()["previous"]}
    assert set(store.generations()) == kept
    own = [c if isinstance(c, str) else c.name for c in store.client.list_collections()]
    assert all(n.split(PARTITION_SEPARATOR)[0] in kept for n in own if n != store.pointer_name)
