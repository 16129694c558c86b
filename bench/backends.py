"""Embedding backends on the same texts: PyTorch (the default) and ONNX Runtime when it can be loaded.

ONNX goes through sentence-transformers ``backend="onnx"``, which needs ``optimum-onnx``; the export is
done once, offline, and cached under ``<data dir>/onnx``. When the backend cannot be loaded the result
says ``"unavailable: <reason>"`` and the default stays PyTorch.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.embedder import SentenceTransformerEmbedder, resolve_model_path
from assistant.settings import BUNDLED_MODEL
from bench.stats import spread


def _time_encode(model: Any, texts: list[str], batch_size: int, repeats: int) -> tuple[list[float], np.ndarray]:
    model.encode(texts[:8], batch_size=batch_size, show_progress_bar=False)
    seconds: list[float] = []
    vecs = np.zeros((0,))
    for _ in range(repeats):
        t0 = time.perf_counter()
        vecs = model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                            show_progress_bar=False)
        seconds.append(time.perf_counter() - t0)
    return seconds, vecs


def _onnx_model(cache: Path) -> Any:
    """The bundled model with the ONNX backend, exported once into ``cache``."""
    from sentence_transformers import SentenceTransformer

    if (cache / "onnx" / "model.onnx").exists():
        return SentenceTransformer(str(cache), backend="onnx", device="cpu")
    model = SentenceTransformer(resolve_model_path(BUNDLED_MODEL), backend="onnx", device="cpu")
    model.save_pretrained(str(cache))
    return model


def _onnx_unavailable_reason() -> str | None:
    try:
        import optimum.onnxruntime  # noqa: F401 - only whether it imports matters
    except ImportError as exc:
        return (
            f"{exc}. sentence-transformers backend='onnx' needs optimum-onnx[onnxruntime]; its latest release on "
            "PyPI (0.1.0) requires transformers<4.58, while sentence-transformers>=5 here runs on transformers 5.x, "
            "so it cannot be installed alongside"
        )
    return None


def run(texts: list[str], *, data_dir: Path, batch_size: int, repeats: int) -> dict[str, Any]:
    """Throughput of each backend on ``texts`` and the cosine agreement of ONNX with PyTorch."""
    torch_emb = SentenceTransformerEmbedder(BUNDLED_MODEL, batch_size=batch_size)
    torch_emb.warm_up()
    t_seconds, t_vecs = _time_encode(torch_emb._model, texts, batch_size, repeats)
    out: dict[str, Any] = {
        "texts": len(texts), "batch_size": batch_size, "repeats": repeats,
        "torch": {"texts_per_s": round(len(texts) / float(np.median(t_seconds)), 2), "seconds": spread(t_seconds)},
    }
    reason = _onnx_unavailable_reason()
    if reason is None:
        try:
            model = _onnx_model(data_dir / "onnx" / "all-MiniLM-L6-v2")
            o_seconds, o_vecs = _time_encode(model, texts, batch_size, repeats)
            cos = np.sum(t_vecs * o_vecs, axis=1)
            out["onnx"] = {"texts_per_s": round(len(texts) / float(np.median(o_seconds)), 2),
                           "seconds": spread(o_seconds)}
            out["cosine_agreement"] = {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5)}
            faster = out["onnx"]["texts_per_s"] > out["torch"]["texts_per_s"]
            agree = float(cos.min()) >= 0.99
            out["recommended_default"] = "onnx" if faster and agree else "torch"
            return out
        except Exception as exc:  # noqa: BLE001 - any failure to export or load is reported, not raised
            reason = f"{type(exc).__name__}: {exc}"
    out["onnx"] = f"unavailable: {reason}"
    out["recommended_default"] = "torch"
    return out
