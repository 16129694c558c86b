"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused with reciprocal rank fusion.

Three rankings are fused: dense over chunks, BM25 over chunks, and BM25 over whole documents, whose rank adds
to each candidate chunk of that document. A document that speaks of the question's subject throughout (a web
page, a policy) is better evidence than the one chunk that happens to share most words with it; the chunk
rankings still decide which of its chunks comes first.

A :class:`Corpus` is a read-only snapshot of one index generation (its chunks, in document order,
plus the BM25 index); the retriever swaps snapshots when the pointer moves, so a query always sees
one complete generation.
"""

from __future__ import annotations

import gc
import math
import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cached_property
from typing import Any

from assistant.language.spelling import Speller, word_counts
from assistant.models import Chunk, ScoredChunk
from assistant.retrieval.bm25 import BM25Index
from assistant.retrieval.chroma.generation import ChromaGenerationIndex
from assistant.retrieval.chroma.store import ChromaStore
from assistant.retrieval.filters import chroma_where, matches, stored_filters
from assistant.retrieval.ports import Embedder
from assistant.text import terms

RRF_K = 60
CANDIDATES = 30
DOCUMENT_CANDIDATES = 20  # documents ranked by whole-document BM25 (their rank adds to their chunks' fused score)


def chunk_from_record(rec: dict[str, Any]) -> Chunk:
    """Rebuild a :class:`Chunk` from a Chroma record (document + metadata)."""
    meta = dict(rec.get("metadata") or {})
    return Chunk(
        id=rec["id"], text=rec.get("document") or "", doc_id=str(meta.get("doc_id", "")),
        title=str(meta.get("title", "")), section=str(meta.get("section", "")),
        source=str(meta.get("source", "")), language=str(meta.get("language", "en")),
        section_index=int(meta.get("section_index", 0)), chunk_index=int(meta.get("chunk_index", 0)),
        metadata=meta,
    )


class Corpus:
    """Every chunk of one generation, its BM25 index, and sections for parent-document lookups."""

    def __init__(self, name: str, chunks: Sequence[Chunk]) -> None:
        self.name = name
        self.chunks = sorted(chunks, key=lambda c: (c.doc_id, c.section_index, c.chunk_index))
        self.position = {c.id: n for n, c in enumerate(self.chunks)}
        tokens = [terms(c.keyword_text, c.language) for c in self.chunks]
        self.bm25 = BM25Index.for_chunks(self.chunks, tokens)
        self.idf = _idf(tokens)
        self.max_idf = max(self.idf.values(), default=1.0)
        sections: dict[tuple[str, int], list[Chunk]] = defaultdict(list)
        for chunk in self.chunks:
            sections[chunk.parent_key].append(chunk)
        self.sections = dict(sections)
        by_doc: dict[str, list[list[Chunk]]] = defaultdict(list)
        for (doc_id, _), parts in self.sections.items():  # chunks are sorted, so sections come in order
            by_doc[doc_id].append(parts)
        self.doc_sections = dict(by_doc)
        self.doc_ids = list(self.doc_sections)
        self.documents_bm25 = BM25Index(
            [self.doc_sections[d][0][0].language for d in self.doc_ids],
            [_document_terms(self.doc_sections[d], tokens, self.position) for d in self.doc_ids],
        )

    @classmethod
    def load(cls, index: ChromaGenerationIndex) -> Corpus:
        """Read every record of a collection."""
        return cls(index.name, [chunk_from_record(r) for r in index.iter_records()])

    @cached_property
    def speller(self) -> Speller:
        """Spelling corrections to this corpus's own words (built on first use)."""
        return Speller(word_counts(c.keyword_text for c in self.chunks))

    def section_text(self, chunk: Chunk) -> str:
        """The whole section a chunk belongs to, its chunks re-joined without their overlap."""
        text = ""
        for part in self.sections.get(chunk.parent_key, [chunk]):
            text = join_overlapping(text, part.text)
        return text


def _document_terms(sections: list[list[Chunk]], tokens: Sequence[list[str]], position: dict[str, int]) -> list[str]:
    """A document's terms: its chunks' keyword terms one after the other."""
    return [t for parts in sections for chunk in parts for t in tokens[position[chunk.id]]]


def join_overlapping(head: str, tail: str) -> str:
    """Append ``tail`` to ``head``, dropping tail's leading lines that repeat head's last lines."""
    if not head:
        return tail
    head_lines, tail_lines = head.splitlines(), tail.splitlines()
    for n in range(min(len(head_lines), len(tail_lines)), 0, -1):
        if head_lines[-n:] == tail_lines[:n]:
            tail_lines = tail_lines[n:]
            break
    if not tail_lines:
        return head
    table = head_lines[-1].lstrip().startswith("|") and tail_lines[0].lstrip().startswith("|")
    return head + ("\n" if table else "\n\n") + "\n".join(tail_lines)


def _idf(tokens: Sequence[list[str]]) -> dict[str, float]:
    """Inverse document frequency of every term over the chunks."""
    df: Counter[str] = Counter()
    for chunk_terms in tokens:
        df.update(set(chunk_terms))
    n = max(len(tokens), 1)
    return {t: math.log(1 + n / (1 + c)) for t, c in df.items()}


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> dict[str, float]:
    """Fuse rankings of ids: score = sum of 1 / (k + rank)."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            fused[item] += 1.0 / (k + rank)
    return dict(fused)


class HybridRetriever:
    """Dense + BM25 retrieval over the serving generation of a :class:`ChromaStore`."""

    def __init__(self, store: ChromaStore, embedder: Embedder, *, mode: str = "hybrid") -> None:
        self.store = store
        self.embedder = embedder
        self.mode = mode  # "hybrid", or "dense" / "bm25" alone (for comparisons in `playbook eval --compare`)
        self._lock = threading.Lock()
        self._snapshot: tuple[ChromaGenerationIndex, Corpus] | None = None

    def snapshot(self) -> tuple[ChromaGenerationIndex, Corpus]:
        """Return the serving (collection, corpus), reloading when the pointer has moved.

        Raises:
            IndexMissing: nothing has been ingested.
        """
        name = self.store.active_name()
        current = self._snapshot
        if current is not None and current[0].name == name:
            return current
        with self._lock:
            if self._snapshot is None or self._snapshot[0].name != name:
                index = self.store.open_active()
                self._snapshot = (index, Corpus.load(index))
                _freeze_long_lived()
            return self._snapshot

    def retrieve(
        self, query: str, *, language: str, k: int, where: dict[str, Any] | None = None
    ) -> tuple[list[ScoredChunk], Corpus]:
        """Return the top ``k`` chunks for ``query`` and the corpus they come from.

        Dense search is restricted to the question's language when that language has documents;
        BM25 uses that language's stemmer. Ties in the fused score keep the dense order.
        """
        index, corpus = self.snapshot()
        where = stored_filters(where)
        if not corpus.chunks:
            return [], corpus
        lang = language if language in corpus.bm25.languages else corpus.bm25.languages[0]
        n = min(CANDIDATES, len(corpus.chunks))
        dense = index.query(self.embedder.embed_query(query), n, chroma_where(lang, where))
        allowed = _allowed(corpus, where)
        sparse = [(corpus.chunks[p].id, s) for p, s in corpus.bm25.search(query, lang, n * 2)]
        sparse = [(cid, s) for cid, s in sparse if allowed is None or cid in allowed][:n]
        rankings = {"dense": [dense], "bm25": [sparse]}.get(self.mode, [dense, sparse])
        fused = reciprocal_rank_fusion([[i for i, _ in ranking] for ranking in rankings])
        if self.mode == "hybrid":
            _add_document_ranks(fused, corpus, query, lang)
        sims = dict(dense)
        dense_rank = {cid: r for r, (cid, _) in enumerate(dense, start=1)}
        sparse_rank = {cid: r for r, (cid, _) in enumerate(sparse, start=1)}
        ranked = sorted(fused, key=lambda cid: (-fused[cid], dense_rank.get(cid, 10**6)))
        out = [
            ScoredChunk(
                chunk=corpus.chunks[corpus.position[cid]], score=fused[cid],
                dense_similarity=sims.get(cid, 0.0), dense_rank=dense_rank.get(cid),
                bm25_rank=sparse_rank.get(cid),
            )
            for cid in ranked[:k] if cid in corpus.position
        ]
        return out, corpus


def _add_document_ranks(fused: dict[str, float], corpus: Corpus, query: str, language: str) -> None:
    """Add to each candidate chunk the reciprocal rank of its document in whole-document BM25.

    Only chunks already retrieved (and so already filtered) gain: a document's rank never brings in a chunk that
    no chunk ranking found.
    """
    ranked = corpus.documents_bm25.search(query, language, DOCUMENT_CANDIDATES)
    doc_rank = {corpus.doc_ids[p]: rank for rank, (p, _) in enumerate(ranked, start=1)}
    for cid in fused:
        rank = doc_rank.get(corpus.chunks[corpus.position[cid]].doc_id)
        if rank is not None:
            fused[cid] += 1.0 / (RRF_K + rank)


def _freeze_long_lived() -> None:
    """Exempt what is alive now, the new snapshot above all, from the cyclic garbage collector.

    A snapshot is ~10 tracked objects per chunk that live until the next generation; left tracked, every
    full collection walks them all (0.5-0.9 s pauses at 100k chunks, landing on whichever request runs).
    Frozen objects are still freed by reference counting when the snapshot is replaced.
    """
    gc.freeze()


def _allowed(corpus: Corpus, where: dict[str, Any] | None) -> set[str] | None:
    """Chunk ids matching simple equality filters (for the BM25 side), or None for no filter."""
    if not where:
        return None
    return {c.id for c in corpus.chunks if matches(c.metadata, where)}
