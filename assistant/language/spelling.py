"""Misspelled words matched to the knowledge base's own vocabulary ("windo" -> "window", "teir" -> "tier").

rapidfuzz does the matching (optimal-string-alignment distance, so a swapped pair of letters costs one edit);
the vocabulary is the indexed text's own words, so any playbook, in any language, corrects to its terms.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from assistant.language.frequency import TYPO_ZIPF, zipf
from assistant.text import fold_accents

_WORD = re.compile(r"(?u)\b[^\W\d_]+\b")
MIN_LENGTH = 4  # shorter words have too many neighbours one edit away ("fee" -> "few", "see")


def word_counts(texts: Iterable[str]) -> Counter[str]:
    """How often each lower-cased, accent-folded word occurs in ``texts``."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(fold_accents(w) for w in _WORD.findall(text.lower()))
    return counts


class Speller:
    """Corrects words the vocabulary lacks to its closest frequent word (1 edit up to 5 letters, else 2)."""

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts
        self._words = [w for w in counts if len(w) >= MIN_LENGTH - 1]

    def correct_word(self, word: str, language: str = "en") -> str | None:
        """The vocabulary word ``word`` most likely misspells, or None when it is known or nothing is close.

        A word the knowledge base lacks but the language uses commonly ("came", "salary") is not a misspelling.
        """
        folded = fold_accents(word.lower())
        if folded in self.counts or len(folded) < MIN_LENGTH or zipf(word.lower(), language) >= TYPO_ZIPF:
            return None
        limit = 1 if len(folded) <= 5 else 2
        found = process.extract(folded, self._words, scorer=OSA.distance, score_cutoff=limit, limit=8)
        if not found:
            return None
        best = min(found, key=lambda m: (m[1], -self.counts[m[0]]))
        return str(best[0])

    def correct(self, text: str, language: str = "en") -> str:
        """``text`` with every unknown word replaced by its correction (case and punctuation kept)."""

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            fixed = self.correct_word(word, language)
            if fixed is None:
                return word
            return fixed.upper() if word.isupper() and len(word) > 1 else fixed

        return _WORD.sub(fix, text)
