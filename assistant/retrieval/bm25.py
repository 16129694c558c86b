"""Keyword retrieval with bm25s, one index per language so each gets its own stemmer and stopwords.

The items indexed are chunks (the usual case) or whole documents (their chunks' terms together): a document
that speaks of the question's subject throughout is evidence for each of its chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s

from assistant.models import Chunk
from assistant.text import terms


class BM25Index:
    """BM25 over items' terms (chunks' index text: title, section path and body; or whole documents), per language."""

    def __init__(self, languages: Sequence[str], tokens: Sequence[list[str]]) -> None:
        """Index one item per entry of ``languages`` (its language) and ``tokens`` (its terms, from :func:`terms`)."""
        self._positions: dict[str, list[int]] = {}
        self._indexes: dict[str, bm25s.BM25] = {}
        by_lang: dict[str, list[int]] = {}
        for pos, lang in enumerate(languages):
            by_lang.setdefault(lang, []).append(pos)
        for lang, positions in by_lang.items():
            index = bm25s.BM25()
            index.index([tokens[p] or ["_"] for p in positions], show_progress=False)
            self._indexes[lang] = index
            self._positions[lang] = positions

    @classmethod
    def for_chunks(cls, chunks: Sequence[Chunk], tokens: Sequence[list[str]] | None = None) -> BM25Index:
        """Index ``chunks``; ``tokens`` (one list per chunk, from :func:`terms`) avoids tokenizing twice."""
        if tokens is None:
            tokens = [terms(c.keyword_text, c.language) for c in chunks]
        return cls([c.language for c in chunks], tokens)

    @property
    def languages(self) -> list[str]:
        """Languages that have at least one chunk."""
        return list(self._indexes)

    def search(self, query: str, language: str, k: int) -> list[tuple[int, float]]:
        """Return (item position, score) pairs with a positive score, best first."""
        index = self._indexes.get(language)
        tokens = terms(query, language)
        if index is None or not tokens:
            return []
        positions = self._positions[language]
        k = min(k, len(positions))
        docs, scores = index.retrieve([tokens], k=k, show_progress=False)
        return [(positions[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
