"""Protocols for the pluggable retrieval backends."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol


class Embedder(Protocol):
    """Turns text into unit-length vectors."""

    name: str

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages, batched."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        ...


class VectorIndex(Protocol):
    """A vector collection that answers nearest-neighbour queries."""

    def upsert(
        self, ids: Sequence[str], vectors: Sequence[Sequence[float]], texts: Sequence[str],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        """Insert or replace records."""
        ...

    def query(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """Return up to ``k`` (id, cosine similarity) pairs, best first."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Remove records by id."""
        ...

    def count(self) -> int:
        """Number of records."""
        ...
