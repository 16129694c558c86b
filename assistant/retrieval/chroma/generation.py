"""One index generation in Chroma, its records split into one collection per language.

A language-restricted query goes to that language's collection without a metadata filter, which keeps it fast
(see :class:`ChromaGenerationIndex`); :func:`split_language` takes the language out of a ``where`` to route it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

PARTITION_SEPARATOR = "__lang_"
OTHER_PARTITION = "other"
LAYOUT = "by-language"
_PLAIN_LANGUAGE = re.compile(r"[a-z]{2,3}")


def partition_key(language: object) -> str:
    """The partition of a record's language: a plain ISO 639 code, or ``other`` for anything else."""
    lang = str(language or "")
    return lang if _PLAIN_LANGUAGE.fullmatch(lang) else OTHER_PARTITION


def split_language(where: dict[str, Any] | None) -> tuple[str | None, dict[str, Any] | None]:
    """Take a language equality out of a ``where`` filter: ``(language, the rest of the filter)``."""
    if not where:
        return None, None
    clauses = list(where["$and"]) if set(where) == {"$and"} else [where]
    lang: str | None = None
    rest: list[dict[str, Any]] = []
    for clause in clauses:
        value = clause.get("language") if len(clause) == 1 else None
        if isinstance(value, dict) and set(value) == {"$eq"}:
            value = value["$eq"]
        if lang is None and isinstance(value, str):
            lang = value
        else:
            rest.append(clause)
    if lang is None:
        return None, where
    return lang, (None if not rest else rest[0] if len(rest) == 1 else {"$and": rest})


class ChromaGenerationIndex:
    """One index generation seen as a :class:`~assistant.retrieval.ports.VectorIndex`.

    A generation is a root collection (its name is the generation's name) and one collection per
    language (``<root>__lang_<code>``) holding the records. A query restricted to one language goes to
    that language's collection with no metadata filter: Chroma resolves a ``where`` by collecting every
    matching record before the vector search, so a filtered query costs O(collection) (~200 ms at 100k
    chunks against ~1.5 ms unfiltered). A root from before the partitions holds every language itself
    (``mixed``) and is still queried with the filter. Records keep their language within a generation.
    """

    def __init__(
        self, root: Any, partitions: dict[str, Any], make_partition: Callable[[str], Any], *, batch_size: int = 1000
    ) -> None:
        self.root = root
        self.name: str = root.name
        self._parts = dict(partitions)
        self._make_partition = make_partition
        self._mixed = (root.metadata or {}).get("layout") != LAYOUT
        self._batch = batch_size

    @property
    def collections(self) -> list[Any]:
        """Every Chroma collection that holds records of this generation."""
        return ([self.root] if self._mixed else []) + [self._parts[k] for k in sorted(self._parts)]

    def _partition(self, key: str) -> Any:
        if key not in self._parts:
            self._parts[key] = self._make_partition(f"{self.name}{PARTITION_SEPARATOR}{key}")
        return self._parts[key]

    def _targets(self, where: dict[str, Any] | None) -> list[tuple[Any, dict[str, Any] | None]]:
        """The collections a ``where`` can match, each with the filter it still needs."""
        lang, rest = split_language(where)
        if lang is None or partition_key(lang) != lang:
            return [(c, where) for c in self.collections]
        own = [(self._parts[lang], rest)] if lang in self._parts else []
        return own + ([(self.root, where)] if self._mixed else [])

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[Sequence[float]], texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Insert or replace records in their language's collection, in batches Chroma accepts."""
        rows_of: dict[str, list[int]] = {}
        for n, meta in enumerate(metadatas):
            rows_of.setdefault(partition_key((meta or {}).get("language")), []).append(n)
        for key, rows in rows_of.items():
            collection = self._partition(key)
            for start in range(0, len(rows), self._batch):
                batch = rows[start : start + self._batch]
                collection.upsert(
                    ids=[ids[n] for n in batch], embeddings=[list(vectors[n]) for n in batch],
                    documents=[texts[n] for n in batch], metadatas=[metadatas[n] for n in batch],
                )

    def query(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Return (id, cosine similarity) pairs, best first."""
        targets = self._targets(where)
        hits: list[tuple[str, float]] = []
        for collection, filters in targets:
            res = collection.query(
                query_embeddings=[list(vector)], n_results=k, where=filters or None, include=["distances"]
            )
            hits += [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]
        if len(targets) > 1:
            hits.sort(key=lambda hit: -hit[1])
        return hits[:k]

    def delete(self, ids: Sequence[str]) -> None:
        """Remove records by id (from whichever collection holds them)."""
        for collection in self.collections:
            for start in range(0, len(ids), self._batch):
                collection.delete(ids=list(ids[start : start + self._batch]))

    def count(self) -> int:
        """Number of records."""
        return sum(int(c.count()) for c in self.collections)

    def iter_records(
        self, *, include: Sequence[str] = ("documents", "metadatas"), where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every record as ``{"id", "document"?, "metadata"?, "embedding"?}``, page by page."""
        for collection, filters in self._targets(where):
            yield from self._iter_collection(collection, include, filters)

    def _iter_collection(
        self, collection: Any, include: Sequence[str], where: dict[str, Any] | None
    ) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            page = collection.get(include=list(include), where=where, limit=self._batch, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            for n, rid in enumerate(ids):
                rec: dict[str, Any] = {"id": rid}
                if "documents" in include:
                    rec["document"] = page["documents"][n]
                if "metadatas" in include:
                    rec["metadata"] = page["metadatas"][n]
                if "embeddings" in include:
                    rec["embedding"] = page["embeddings"][n]
                yield rec
            offset += len(ids)
