"""The composition root: the one place that creates clients and models from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.policy_data import PolicyData
from assistant.retrieval.chroma_index import ChromaStore, make_chroma_client
from assistant.retrieval.embedder import HashEmbedder, SentenceTransformerEmbedder
from assistant.retrieval.hybrid import HybridRetriever
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings


def make_embedder(settings: Settings) -> Embedder:
    """The configured embedder; ``hash`` or ``hash-<dim>`` selects the deterministic fake."""
    name = settings.embedding_model
    if name == "hash" or name.startswith("hash-"):
        dim = int(name.split("-", 1)[1]) if "-" in name else 256
        return HashEmbedder(dim)
    return SentenceTransformerEmbedder(name, device=settings.embedding_device, batch_size=settings.embedding_batch_size)


@dataclass
class Services:
    """Long-lived objects of one process; build with :func:`build_services`, close when done."""

    settings: Settings
    embedder: Embedder
    store: ChromaStore
    retriever: HybridRetriever
    policy: PolicyData
    extras: dict[str, Any] = field(default_factory=dict)

    def warm_up(self) -> None:
        """Load the embedding model and the serving corpus now rather than on the first request."""
        warm = getattr(self.embedder, "warm_up", None)
        if warm:
            warm()
        self.retriever.snapshot()

    def close(self) -> None:
        """Release clients (Chroma's embedded client needs nothing; HTTP clients close their pool)."""
        closer = getattr(self.store.client, "close", None)
        if callable(closer):
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_services(settings: Settings, *, embedder: Embedder | None = None) -> Services:
    """Create the embedder (lazy), the Chroma store and the retriever for ``settings``."""
    embedder = embedder or make_embedder(settings)
    store = ChromaStore(make_chroma_client(settings), embedder, prefix=settings.collection_prefix)
    return Services(
        settings=settings, embedder=embedder, store=store, retriever=HybridRetriever(store, embedder),
        policy=PolicyData.load(settings.policy_data_dir),
    )
