"""Chroma storage: generations of the index and an atomic pointer to the one that serves.

Every ingest that changes something builds a new collection (a *generation*) and, only when it is
complete, flips the pointer (the metadata of the ``<prefix>__pointer`` collection). A killed ingest
therefore leaves the previous generation serving; its half-built collections are orphans that the
next ingest deletes. The pointer lives in Chroma itself, so the same logic holds for an embedded
``PersistentClient`` and for a Chroma server shared by several workers. Inside a generation the
records are split by language (see :mod:`assistant.retrieval.chroma.generation`); the client comes from
:mod:`assistant.retrieval.chroma.client`.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from assistant.errors import IndexMissing
from assistant.retrieval.chroma.client import embedding_function
from assistant.retrieval.chroma.generation import LAYOUT, PARTITION_SEPARATOR, ChromaGenerationIndex
from assistant.retrieval.ports import Embedder

POINTER_SUFFIX = "__pointer"


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
            self._ef_cached = embedding_function(self.embedder)
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
