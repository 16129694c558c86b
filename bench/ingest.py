"""Ingest throughput against the floor (bare ``encode`` of the same chunk texts), and unchanged re-ingest."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any

from assistant.factory import build_services
from assistant.retrieval.embedder import SentenceTransformerEmbedder
from assistant.settings import BUNDLED_KNOWLEDGE_DIR, Settings
from bench.corpus import write_documents
from bench.stats import spread
from ingest.chunking import Chunker
from ingest.pipeline import IngestPipeline
from ingest.preview import chunk_folder


def build_corpus(dest: Path, synthetic_docs: int, seed: int, *, bundled: bool = True) -> Path:
    """The bundled playbook (``en/``, ``es/``) plus ``synthetic_docs`` generated documents."""
    dest.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "es") if bundled else ():
        shutil.copytree(BUNDLED_KNOWLEDGE_DIR / lang, dest / lang, dirs_exist_ok=True)
    if synthetic_docs:
        write_documents(dest / "synthetic", synthetic_docs, seed=seed)
    return dest


def chunk_texts(corpus: Path, chunker: Chunker) -> list[str]:
    """The texts the pipeline embeds (``index_text``), made by the same loaders and chunker."""
    return [c.index_text for c in chunk_folder([corpus], chunker)]


def ingest_once(corpus: Path, data_dir: Path, settings_kw: dict[str, Any]) -> tuple[Settings, float, int]:
    """One full ingest into a fresh data dir: (settings, seconds, chunks)."""
    settings = Settings(data_dir=data_dir, **settings_kw)
    services = build_services(settings)
    try:
        chunker = Chunker(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        pipeline = IngestPipeline(services.store, services.embedder, chunker, lock_path=data_dir / "ingest.lock")
        started = time.perf_counter()
        summary = pipeline.run([corpus])
        return settings, time.perf_counter() - started, summary.chunks
    finally:
        services.close()


def reingest_once(corpus: Path, settings: Settings) -> float:
    """Ingest an unchanged corpus again (nothing to embed): seconds."""
    services = build_services(settings)
    try:
        chunker = Chunker(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap)
        pipeline = IngestPipeline(services.store, services.embedder, chunker)
        started = time.perf_counter()
        pipeline.run([corpus])
        return time.perf_counter() - started
    finally:
        services.close()


def run(work: Path, *, synthetic_docs: int, repeats: int, seed: int = 7, bundled: bool = True) -> dict[str, Any]:
    """Full ingest ``repeats`` times (fresh data dirs) interleaved with the floor, then unchanged re-ingests."""
    corpus = build_corpus(work / "corpus", synthetic_docs, seed, bundled=bundled)
    settings_kw: dict[str, Any] = {"collection_prefix": "bench"}
    probe = Settings(data_dir=work / "probe", **settings_kw)
    chunker = Chunker(chunk_size=probe.chunk_size, chunk_overlap=probe.chunk_overlap)
    texts = chunk_texts(corpus, chunker)
    embedder = SentenceTransformerEmbedder(probe.embedding_model, device=probe.embedding_device,
                                           batch_size=probe.embedding_batch_size)
    embedder.warm_up()
    model = embedder._model  # the bare sentence-transformers model: the floor calls it directly
    model.encode(texts[:64], batch_size=probe.embedding_batch_size, show_progress_bar=False)  # warm the kernels

    pipeline_s: list[float] = []
    floor_s: list[float] = []
    chunks = 0
    last: Settings | None = None
    for r in range(repeats):
        started = time.perf_counter()
        model.encode(texts, batch_size=probe.embedding_batch_size, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
        floor_s.append(time.perf_counter() - started)
        data_dir = work / f"ingest-{r}"
        last, seconds, chunks = ingest_once(corpus, data_dir, settings_kw)
        pipeline_s.append(seconds)
    if last is None:
        raise ValueError("repeats must be at least 1")
    reingest_s = [reingest_once(corpus, last) for _ in range(repeats)]

    rates = [chunks / s for s in pipeline_s]
    floor_rates = [len(texts) / s for s in floor_s]
    median_rate = statistics.median(rates)
    median_floor = statistics.median(floor_rates)
    reingest_ratio = statistics.median(reingest_s) / statistics.median(pipeline_s)
    return {
        "corpus": {"bundled_playbook": bundled, "synthetic_docs": synthetic_docs, "seed": seed},
        "chunks": chunks,
        "floor_texts": len(texts),
        "batch_size": probe.embedding_batch_size,
        "repeats": repeats,
        "chunks_per_s": round(median_rate, 2),
        "floor_chunks_per_s": round(median_floor, 2),
        "ratio_to_floor": round(median_rate / median_floor, 3),
        "reingest_unchanged_ratio": round(reingest_ratio, 4),
        "seconds": spread(pipeline_s),
        "floor_seconds": spread(floor_s),
        "chunks_per_s_spread": spread(rates, 2),
        "floor_chunks_per_s_spread": spread(floor_rates, 2),
        "reingest_seconds": spread(reingest_s),
        "goals": {
            "ratio_to_floor_min": 0.9, "ratio_met": median_rate / median_floor >= 0.9,
            "reingest_ratio_max": 0.05, "reingest_met": reingest_ratio <= 0.05,
        },
        "data_dir": str(last.data_dir),
    }
