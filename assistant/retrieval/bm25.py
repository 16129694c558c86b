"""Keyword retrieval with bm25s, one index per language so each gets its own stemmer and stopwords."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s

from assistant.models import Chunk
from assistant.text import terms


class BM25Index:
    """BM25 over chunks' index text (title, section path and body), per language."""

    def __init__(self, chunks: Sequence[Chunk], tokens: Sequence[list[str]] | None = None) -> None:
        """Index ``chunks``; ``tokens`` (one list per chunk, from :func:`terms`) avoids tokenizing twice."""
        self._positions: dict[str, list[int]] = {}
        self._indexes: dict[str, bm25s.BM25] = {}
        by_lang: dict[str, list[int]] = {}
        for pos, chunk in enumerate(chunks):
            by_lang.setdefault(chunk.language, []).append(pos)
        for lang, positions in by_lang.items():
            index = bm25s.BM25()
            docs = [
                (tokens[p] if tokens is not None else terms(chunks[p].keyword_text, lang)) or ["_"] for p in positions
            ]
            index.index(docs, show_progress=False)
            self._indexes[lang] = index
            self._positions[lang] = positions

    @property
    def languages(self) -> list[str]:
        """Languages that have at least one chunk."""
        return list(self._indexes)

    def search(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        """Return (chunk position, score) pairs with a positive score, best first."""
        index = self._indexes.get(language)
        tokens = terms(query, language)
        if index is None or not tokens:
            return []
        positions = self._positions[language]
        k = min(k, len(positions))
        docs, scores = index.retrieve([tokens], k=k, show_progress=False)
        return [(positions[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
