"""Chroma storage: generations of the index and an atomic pointer to the one that serves.

Every ingest that changes something builds a new collection (a *generation*) and, only when it is
complete, flips the pointer (the metadata of the ``<prefix>__pointer`` collection). A killed ingest
therefore leaves the previous generation serving; its half-built collections are orphans that the
next ingest deletes. The pointer lives in Chroma itself, so the same logic holds for an embedded
``PersistentClient`` and for a Chroma server shared by several workers. Inside a generation the
records are split by language (see :class:`ChromaGenerationIndex`).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from assistant.errors import ConfigError, IndexMissing
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings

POINTER_SUFFIX = "__pointer"
PARTITION_SEPARATOR = "__lang_"
OTHER_PARTITION = "other"
LAYOUT = "by-language"
_PLAIN_LANGUAGE = re.compile(r"[a-z]{2,3}")


def make_chroma_client(settings: Settings) -> Any:
    """Build the Chroma client the settings ask for: embedded by default, HTTP with a URL."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        parts = urlsplit(settings.chroma_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"PLAYBOOK_CHROMA_URL must be http(s)://host:port, got {settings.chroma_url!r}")
        port = parts.port or (443 if parts.scheme == "https" else 8000)
        return chromadb.HttpClient(
            host=parts.hostname, port=port, ssl=parts.scheme == "https", settings=chroma_settings
        )
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_path), settings=chroma_settings)


def _embedding_function(embedder: Embedder) -> Any:
    """Wrap our embedder so Chroma never falls back to its default (downloading) one."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class PlaybookEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self) -> None:
            self._embedder = embedder

        def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's signature
            import numpy as np

            return [np.asarray(v, dtype=np.float32) for v in self._embedder.embed_documents(list(input))]

        @staticmethod
        def name() -> str:
            return "playbook-embedder"

        def get_config(self) -> dict[str, Any]:
            return {"model": embedder.name}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> PlaybookEmbeddingFunction:
            raise NotImplementedError("collections are always opened with an explicit embedder")

    return PlaybookEmbeddingFunction()


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


class ChromaStore:
    """Generations of the playbook index in one Chroma client, and the pointer to the serving one."""

    def __init__(
        self, client: Any, embedder: Embedder, *, prefix: str = "playbook", connect: Callable[[], Any] | None = None
    ) -> None:
        """Wrap a Chroma ``client``; or pass ``client=None`` and ``connect``, which builds it on first use.

        Lazy connection keeps chromadb (a second of imports) out of commands that never touch the index.
        """
        if client is None and connect is None:
            raise ValueError("ChromaStore needs a client or a connect function")
        self._client = client
        self._connect = connect
        self._connect_lock = threading.Lock()
        self.embedder = embedder
        self.prefix = prefix
        self._ef_cached: Any = None

    @property
    def client(self) -> Any:
        """The Chroma client, connected on first use."""
        if self._client is None:
            with self._connect_lock:
                if self._client is None and self._connect is not None:
                    self._client = self._connect()
        return self._client

    @property
    def connected(self) -> bool:
        """Whether the client exists yet (closing an unconnected store does nothing)."""
        return self._client is not None

    @property
    def _ef(self) -> Any:
        if self._ef_cached is None:
            self._ef_cached = _embedding_function(self.embedder)
        return self._ef_cached

    @property
    def pointer_name(self) -> str:
        """Name of the collection whose metadata is the pointer."""
        return f"{self.prefix}{POINTER_SUFFIX}"

    def _pointer(self) -> Any:
        return self.client.get_or_create_collection(self.pointer_name, embedding_function=self._ef)

    def pointer(self) -> dict[str, Any]:
        """Return the pointer's metadata (``active``, ``previous``, ``embedding_model``...), or ``{}``."""
        return dict(self._pointer().metadata or {})

    def active_name(self) -> str | None:
        """Name of the serving collection, if an index was ever built."""
        return self.pointer().get("active") or None

    def _names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def _collection(self, name: str) -> Any:
        return self.client.get_collection(name, embedding_function=self._ef)

    def _create(self, name: str) -> Any:
        return self.client.get_or_create_collection(
            name, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}}
        )

    def open(self, name: str) -> ChromaGenerationIndex:
        """Open a generation by name (its root collection and its language collections)."""
        root = self._collection(name)
        marker = f"{name}{PARTITION_SEPARATOR}"
        partitions = {n[len(marker) :]: self._collection(n) for n in self._names() if n.startswith(marker)}
        return ChromaGenerationIndex(root, partitions, self._create)

    def open_active(self) -> ChromaGenerationIndex:
        """Open the serving generation.

        Raises:
            IndexMissing: no ingest has completed yet.
        """
        name = self.active_name()
        if not name:
            raise IndexMissing("no index yet: run `playbook ingest` first")
        try:
            index = self.open(name)
        except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
            raise IndexMissing(f"the index {name!r} is missing: run `playbook ingest --rebuild`") from exc
        if index.count() == 0:  # an empty index answers nothing: say so rather than abstain on every question
            raise IndexMissing("the index is empty: run `playbook ingest PATH` with a folder of documents")
        return index

    def new_generation(self) -> ChromaGenerationIndex:
        """Create an empty generation (its root collection; language collections come with the records)."""
        name = f"{self.prefix}_{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"
        root = self.client.create_collection(
            name, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}},
            metadata={"created_at": time.time(), "layout": LAYOUT},
        )
        return ChromaGenerationIndex(root, {}, self._create)

    def switch(self, name: str, info: dict[str, Any]) -> None:
        """Point at ``name`` (atomically: one metadata write), keep the previous one, drop the rest."""
        old = self.pointer()
        new = {k: v for k, v in info.items() if v is not None}
        new["active"] = name
        if old.get("active") and old["active"] != name:
            new["previous"] = old["active"]
        elif old.get("previous"):
            new["previous"] = old["previous"]
        new["switched_at"] = time.time()
        new["generation"] = int(old.get("generation") or (1 if old.get("active") else 0)) + 1
        self._pointer().modify(metadata=new)
        self.drop_orphans()

    def annotate(self, info: dict[str, Any]) -> None:
        """Update the pointer's descriptive fields (roots, counts) without moving it."""
        current = self.pointer()
        kept: tuple[str, ...] = ("active", "previous", "switched_at", "generation")
        fixed: dict[str, Any] = {k: current[k] for k in kept if k in current}
        given = {k: v for k, v in info.items() if v is not None}
        metadata: dict[str, Any] = {**current, **given, **fixed}
        self._pointer().modify(metadata=metadata)

    def _own(self, names: list[str]) -> list[str]:
        """Collections of this prefix's generations (roots and language collections), not the pointer."""
        return [n for n in names if n.startswith(f"{self.prefix}_") and n != self.pointer_name]

    def generations(self) -> list[str]:
        """Names of every generation of this prefix."""
        return sorted({n.split(PARTITION_SEPARATOR, 1)[0] for n in self._own(self._names())})

    def discard(self, name: str) -> None:
        """Delete a generation's collections: language collections first, its root last."""
        marker = f"{name}{PARTITION_SEPARATOR}"
        for part in sorted(n for n in self._names() if n.startswith(marker)):
            self.client.delete_collection(part)
        if name in self._names():
            self.client.delete_collection(name)

    def drop_orphans(self) -> list[str]:
        """Delete generations that are neither active nor the kept previous one."""
        keep = {v for k, v in self.pointer().items() if k in ("active", "previous")}
        dropped = [n for n in self.generations() if n not in keep]
        for name in dropped:
            self.discard(name)
        return dropped
