"""Plain retrieval baselines measured in the same run as the product, on the same questions.

- BM25 over whole documents (bm25s, English stopwords, no stemming);
- plain dense: the product's embedder over ~200-word chunks, a document ranked by its best chunk; the top
  chunk is also a retrieve-and-show "answer" whose span recall is reported.

They are the figures of ``../shared/evaldata/README.md``; an answer that cites worse than them has lost
what plain retrieval already found.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.ports import Embedder
from evals.external_sets import ExternalQuestion, ExternalSet, span_recall

CHUNK_WORDS = 200
TOP = 5
Progress = Callable[[str, int, int], None]


@dataclass
class _DenseIndex:
    doc_of_chunk: list[str]
    texts: list[str]
    vectors: np.ndarray


def word_chunks(text: str, size: int = CHUNK_WORDS) -> list[str]:
    """Consecutive pieces of ``size`` words (the last one shorter); a document with no words gives none."""
    words = text.split()
    return [" ".join(words[i:i + size]) for i in range(0, len(words), size)]


class Baselines:
    """BM25 and plain dense rankings over one set's documents."""

    def __init__(self, documents: dict[str, str], embedder: Embedder, *, cache_dir: Path | None = None,
                 model_name: str = "") -> None:
        import bm25s

        self.doc_ids = list(documents)
        self._bm25 = bm25s.BM25()
        self._bm25.index(bm25s.tokenize(list(documents.values()), stopwords="en", show_progress=False),
                         show_progress=False)
        self.embedder = embedder
        self._dense = self._dense_index(documents, cache_dir, model_name)

    def _dense_index(self, documents: dict[str, str], cache_dir: Path | None, model_name: str) -> _DenseIndex:
        doc_of_chunk, texts = [], []
        for doc_id, text in documents.items():
            for piece in word_chunks(text):
                doc_of_chunk.append(doc_id)
                texts.append(piece)
        digest = hashlib.sha256("\x00".join([model_name, *doc_of_chunk, *texts]).encode()).hexdigest()[:20]
        cached = cache_dir / f"dense-{digest}.npy" if cache_dir else None
        if cached and cached.is_file():
            vectors = np.load(cached)
        else:
            vectors = np.asarray(self.embedder.embed_documents(texts), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
            if cached:
                cached.parent.mkdir(parents=True, exist_ok=True)
                np.save(cached, vectors)
        return _DenseIndex(doc_of_chunk, texts, vectors)

    def bm25_ranking(self, queries: Sequence[str]) -> list[list[str]]:
        """The top documents for each query, best first."""
        import bm25s

        k = min(TOP, len(self.doc_ids))
        results, _ = self._bm25.retrieve(bm25s.tokenize(list(queries), stopwords="en", show_progress=False),
                                         k=k, show_progress=False, n_threads=0)
        return [[self.doc_ids[int(i)] for i in row] for row in results]

    def dense_ranking(self, queries: Sequence[str]) -> list[tuple[list[str], str]]:
        """The top documents (each by its best chunk) and the top chunk's text, for each query."""
        vectors = np.asarray(self.embedder.embed_documents(list(queries)), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)
        scores = vectors @ self._dense.vectors.T
        out = []
        for row in scores:
            order = np.argsort(-row)
            docs: list[str] = []
            for i in order:
                doc = self._dense.doc_of_chunk[int(i)]
                if doc not in docs:
                    docs.append(doc)
                    if len(docs) == TOP:
                        break
            out.append((docs, self._dense.texts[int(order[0])]))
        return out


def _hits(ranking: list[str], gold: str) -> dict[str, float]:
    return {"hit@1": float(ranking[:1] == [gold]), "hit@5": float(gold in ranking[:TOP])}


def score_baselines(
    dataset: ExternalSet, questions: Sequence[ExternalQuestion], baselines: Baselines, *,
    progress: Progress | None = None, batch: int = 64,
) -> list[dict[str, Any]]:
    """Per question: ``{"bm25": {hit@1, hit@5}, "dense": {hit@1, hit@5, span_recall}}``.

    Follow-ups are searched with the thread's last two user turns prepended, as in the shared README.
    """
    report = progress or (lambda *_: None)
    out: list[dict[str, Any]] = []
    for start in range(0, len(questions), batch):
        part = questions[start:start + batch]
        queries = [q.search_text(with_scenario=dataset.with_scenario) for q in part]
        for q, bm25, (dense, top_chunk) in zip(
            part, baselines.bm25_ranking(queries), baselines.dense_ranking(queries), strict=True
        ):
            out.append({
                "bm25": _hits(bm25, q.gold),
                "dense": {**_hits(dense, q.gold), "span_recall": span_recall(q.span, top_chunk) if q.span else None},
            })
        report(f"{dataset.name} baselines", len(out), len(questions))
    return out
