"""In-process ``ask`` latency at several collection sizes, against the floor (query embedding + one Chroma query).

Synthetic collections are built by inserting precomputed vectors: ``unique`` synthetic chunk texts are
embedded with the real model, and record ``i`` reuses text/vector ``i % unique`` with a few words swapped
and a small seeded perturbation of the vector (re-normalised). Embedding 100k texts with the real model on
2 CPU cores would take over an hour; this keeps the collection realistic in size, dimension and
neighbourhood structure while the queries are embedded for real.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answering.ask import ask
from assistant.factory import build_services
from assistant.retrieval.hybrid import CANDIDATES
from assistant.services import Services
from assistant.settings import Settings
from assistant.text import SUPPORTED_LANGUAGES, detect_language
from bench.corpus import base_records, golden_questions, load_vocabulary, perturb_text
from bench.stats import percentile, spread

NOISE = 0.05


def _records(base: list[dict[str, Any]], vectors: np.ndarray, start: int, stop: int, seed: int) -> tuple[
    list[str], list[list[float]], list[str], list[dict[str, Any]]
]:
    vocabs = load_vocabulary()
    rng = random.Random(seed * 1_000_003 + start)  # noqa: S311 - seeded synthetic data, not a secret
    nrng = np.random.default_rng(seed * 1_000_003 + start)
    ids, vecs, texts, metas = [], [], [], []
    for i in range(start, stop):
        b = base[i % len(base)]
        text = b["text"] if i < len(base) else perturb_text(rng, b["text"], vocabs[b["language"]])
        vec = vectors[i % len(base)]
        if i >= len(base):
            vec = vec + nrng.normal(0.0, NOISE / np.sqrt(len(vec)), size=len(vec)).astype(np.float32)
            vec = vec / np.linalg.norm(vec)
        doc = i // 12
        ids.append(f"synthetic-{doc:05d}#s{i % 12}/0")
        vecs.append(vec.tolist())
        texts.append(text)
        metas.append({
            "doc_id": f"synthetic-{doc:05d}", "title": b["title"], "section": b["section"],
            "source": f"synthetic/{doc:05d}.md", "language": b["language"], "section_index": i % 12,
            "chunk_index": 0, "format": "markdown", "source_hash": "synthetic",
        })
    return ids, vecs, texts, metas


def build_collection(services: Services, size: int, base: list[dict[str, Any]], vectors: np.ndarray,
                     seed: int) -> float:
    """Create a generation of ``size`` synthetic records and point at it; seconds taken."""
    started = time.perf_counter()
    target = services.store.new_generation()
    step = 5000
    for start in range(0, size, step):
        target.upsert(*_records(base, vectors, start, min(size, start + step), seed))
    services.store.switch(target.name, {"fingerprint": "bench-synthetic", "embedding_model": services.embedder.name})
    return time.perf_counter() - started


def measure(services: Services, questions: list[tuple[str, str | None]], repeats: int) -> dict[str, Any]:
    """Time ``ask`` and the floor for every question, interleaved, ``repeats`` passes."""
    index, corpus = services.retriever.snapshot()
    langs = corpus.bm25.languages
    for q, lang in questions[:5]:  # warm up: caches, BLAS threads, Chroma applying its write log
        ask(services, q, language=lang)
        index.query(services.embedder.embed_query(q), 1)
    ask_ms: list[float] = []
    floor_ms: list[float] = []
    pass_p95: list[float] = []
    pass_floor_p95: list[float] = []
    for _ in range(repeats):
        a_pass: list[float] = []
        f_pass: list[float] = []
        for q, lang in questions:
            t0 = time.perf_counter()
            ask(services, q, language=lang)
            a_pass.append((time.perf_counter() - t0) * 1000)
            qlang = lang if lang in SUPPORTED_LANGUAGES else detect_language(q)
            qlang = qlang if qlang in langs else langs[0]
            t0 = time.perf_counter()
            vec = services.embedder.embed_query(q)
            index.query(vec, min(CANDIDATES, len(corpus.chunks)), {"language": qlang})  # the product's query
            f_pass.append((time.perf_counter() - t0) * 1000)
        ask_ms += a_pass
        floor_ms += f_pass
        pass_p95.append(percentile(a_pass, 95))
        pass_floor_p95.append(percentile(f_pass, 95))
    p95 = percentile(ask_ms, 95)
    floor_p95 = percentile(floor_ms, 95)
    return {
        "chunks": len(corpus.chunks),
        "queries": len(ask_ms),
        "p50_ms": round(percentile(ask_ms, 50), 2),
        "p95_ms": round(p95, 2),
        "p99_ms": round(percentile(ask_ms, 99), 2),
        "floor_p50_ms": round(percentile(floor_ms, 50), 2),
        "floor_p95_ms": round(floor_p95, 2),
        "ratio_p95": round(p95 / floor_p95, 3) if floor_p95 else None,
        "p95_ms_per_pass": spread(pass_p95, 2),
        "floor_p95_ms_per_pass": spread(pass_floor_p95, 2),
    }


def run(work: Path, *, sizes: list[int], unique: int, repeats: int, real_data_dir: Path | None,
        seed: int = 11, max_questions: int | None = None) -> dict[str, Any]:
    """Latency at each synthetic size (and on the real ingested playbook when given)."""
    questions = golden_questions()
    if max_questions:
        questions = questions[:max_questions]
    out: dict[str, Any] = {
        "method": (
            f"synthetic collections: {unique} unique synthetic chunk texts embedded with the real model; record i "
            f"reuses text/vector i % {unique} with ~10% of words swapped and the vector perturbed (gaussian, "
            f"norm ~{NOISE}, re-normalised); queries are the golden questions, embedded for real. Floor: "
            "embed_query + one Chroma query of the shape the product sends (same generation, same k, restricted to the "
            "question's language, which the index answers from that language's collection)."
        ),
        "unique_embedded_texts": unique,
        "repeats": repeats,
        "sizes": {},
    }
    base = base_records(unique, seed=seed)
    builder = build_services(Settings(data_dir=work / "ask-probe", collection_prefix="bench"))
    started = time.perf_counter()
    vectors = np.asarray(builder.embedder.embed_documents([b["text"] for b in base]), dtype=np.float32)
    out["embed_unique_seconds"] = round(time.perf_counter() - started, 2)
    builder.close()
    for size in sizes:
        services = build_services(Settings(data_dir=work / f"ask-{size}", collection_prefix="bench"))
        try:
            build_s = build_collection(services, size, base, vectors, seed)
            t0 = time.perf_counter()
            services.warm_up()
            load_s = time.perf_counter() - t0
            result = measure(services, questions, repeats)
            result.update(build_seconds=round(build_s, 2), snapshot_load_seconds=round(load_s, 2))
            out["sizes"][str(size)] = result
        finally:
            services.close()
    if real_data_dir is not None:
        services = build_services(Settings(data_dir=real_data_dir, collection_prefix="bench"))
        try:
            services.warm_up()
            out["real"] = measure(services, questions, repeats)
        finally:
            services.close()
    keys = sorted(out["sizes"], key=int)
    for key in keys:
        r = out["sizes"][key]
        r["goal_ratio_p95_met"] = r["ratio_p95"] is not None and r["ratio_p95"] <= 2.0
    if "10000" in out["sizes"] and "100000" in out["sizes"]:
        growth = out["sizes"]["100000"]["p95_ms"] / out["sizes"]["10000"]["p95_ms"]
        out["p95_growth_10k_to_100k"] = round(growth, 3)
        out["goal_growth_met"] = growth <= 2.0
    return out
