"""Connecting to Chroma: the client the settings ask for, and our embedder in the shape Chroma wants.

Embedded (``PersistentClient`` in the data dir) by default, or a Chroma server when ``PLAYBOOK_CHROMA_URL`` is set;
telemetry is always off. Collections are always opened with :func:`embedding_function`, so Chroma never falls
back to its own default embedding function (which downloads a model).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from assistant.errors import ConfigError
from assistant.retrieval.ports import Embedder
from assistant.settings import Settings


def make_chroma_client(settings: Settings) -> Any:
    """Build the Chroma client the settings ask for: embedded by default, HTTP with a URL.

    Raises:
        ConfigError: ``PLAYBOOK_CHROMA_URL`` is not an ``http(s)://host:port`` URL.
    """
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


def embedding_function(embedder: Embedder) -> Any:
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
