"""Chroma storage: generations of the index and an atomic pointer to the one that serves.

Every ingest that changes something builds a new collection (a *generation*) and, only when it is
complete, flips the pointer (the metadata of the ``<prefix>__pointer`` collection). A killed ingest
therefore leaves the previous generation serving; its half-built collection is an orphan that the
next ingest deletes. The pointer lives in Chroma itself, so the same logic holds for an embedded
``PersistentClient`` and for a Chroma server shared by several workers.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit

from assistant.errors import ConfigError, IndexMissing
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings

POINTER_SUFFIX = "__pointer"


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


class ChromaCollectionIndex:
    """One Chroma collection seen as a :class:`~assistant.retrieval.ports.VectorIndex`."""

    def __init__(self, collection: Any, *, batch_size: int = 1000) -> None:
        self.collection = collection
        self.name: str = collection.name
        self._batch = batch_size

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[Sequence[float]], texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Insert or replace records, in batches Chroma accepts."""
        for start in range(0, len(ids), self._batch):
            end = start + self._batch
            self.collection.upsert(
                ids=list(ids[start:end]), embeddings=[list(v) for v in vectors[start:end]],
                documents=list(texts[start:end]), metadatas=list(metadatas[start:end]),
            )

    def query(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Return (id, cosine similarity) pairs, best first."""
        res = self.collection.query(
            query_embeddings=[list(vector)], n_results=k, where=where or None, include=["distances"]
        )
        return [(i, 1.0 - float(d)) for i, d in zip(res["ids"][0], res["distances"][0], strict=True)]

    def delete(self, ids: Sequence[str]) -> None:
        """Remove records by id."""
        for start in range(0, len(ids), self._batch):
            self.collection.delete(ids=list(ids[start : start + self._batch]))

    def count(self) -> int:
        """Number of records."""
        return int(self.collection.count())

    def iter_records(
        self, *, include: Sequence[str] = ("documents", "metadatas"), where: dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield every record as ``{"id", "document"?, "metadata"?, "embedding"?}``, page by page."""
        offset = 0
        while True:
            page = self.collection.get(include=list(include), where=where, limit=self._batch, offset=offset)
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

    def __init__(self, client: Any, embedder: Embedder, *, prefix: str = "playbook") -> None:
        self.client = client
        self.embedder = embedder
        self.prefix = prefix
        self._ef = _embedding_function(embedder)

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

    def open(self, name: str) -> ChromaCollectionIndex:
        """Open a collection by name."""
        return ChromaCollectionIndex(self.client.get_collection(name, embedding_function=self._ef))

    def open_active(self) -> ChromaCollectionIndex:
        """Open the serving collection.

        Raises:
            IndexMissing: no ingest has completed yet.
        """
        name = self.active_name()
        if not name:
            raise IndexMissing("no index yet: run `playbook ingest` first")
        try:
            return self.open(name)
        except Exception as exc:  # chromadb raises NotFoundError / ValueError by version
            raise IndexMissing(f"the index {name!r} is missing: run `playbook ingest --rebuild`") from exc

    def new_generation(self) -> ChromaCollectionIndex:
        """Create an empty collection for a new generation."""
        name = f"{self.prefix}_{time.strftime('%Y%m%d%H%M%S')}_{uuid.uuid4().hex[:6]}"
        coll = self.client.create_collection(
            name, embedding_function=self._ef, configuration={"hnsw": {"space": "cosine"}},
            metadata={"created_at": time.time()},
        )
        return ChromaCollectionIndex(coll)

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
        self._pointer().modify(metadata=new)
        self.drop_orphans()

    def generations(self) -> list[str]:
        """Names of every generation collection of this prefix."""
        names = [c if isinstance(c, str) else c.name for c in self.client.list_collections()]
        return sorted(n for n in names if n.startswith(f"{self.prefix}_") and n != self.pointer_name)

    def drop_orphans(self) -> list[str]:
        """Delete generations that are neither active nor the kept previous one."""
        keep = {v for k, v in self.pointer().items() if k in ("active", "previous")}
        dropped = [n for n in self.generations() if n not in keep]
        for name in dropped:
            self.client.delete_collection(name)
        return dropped
