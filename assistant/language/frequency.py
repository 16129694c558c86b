"""How common a word is in the language at large (wordfreq), apart from the knowledge base.

A question word the knowledge base never uses is evidence that the question is about something else only
when the word is a rare, topical one ("cryptocurrency", "parental"); everyday words ("came", "learn",
"alright") say nothing about the topic. wordfreq carries the frequency lists offline, in the package.
"""

from __future__ import annotations

from functools import lru_cache

from wordfreq import zipf_frequency

COMMON_ZIPF = 6.0  # "the", "and": no topic at all
RARE_ZIPF = 4.0  # "vacation", "cryptocurrency", "delinquency": a topic of their own
TYPO_ZIPF = 3.0  # below this a word unknown to the knowledge base may be a misspelling ("windo", "teir")


@lru_cache(maxsize=65536)
def zipf(word: str, language: str = "en") -> float:
    """The word's Zipf frequency (0 for unknown words, about 7 for the most common ones)."""
    return float(zipf_frequency(word, language if language in ("en", "es") else "en"))


def topicality(word: str, language: str = "en") -> float:
    """0-1: how much a word unknown to the knowledge base says the question is about something else."""
    z = zipf(word, language)
    return min(max((COMMON_ZIPF - z) / (COMMON_ZIPF - RARE_ZIPF), 0.0), 1.0)
