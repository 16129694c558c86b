"""Language detection and the tokenizer shared by BM25 and answer composition (stemmed, no stopwords)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_SPANISH

SUPPORTED_LANGUAGES = ("en", "es")
_WORD = re.compile(r"(?u)\b\w\w*\b")
_STEMMER_NAMES = {"en": "english", "es": "spanish"}
_ES_MARKERS = frozenset(
    "el la los las de del que qué cómo como cuál cuáles cuándo cuánto cuántos para por con una un es son "
    "se su sus al lo le puedo debo hay está están tiene tienen qué quién dónde según sobre".split()
)
_EN_MARKERS = frozenset(
    "the a an of to is are what how when which who can should do does for with in on my our their "
    "must be by from it this that".split()
)
# Words that carry little meaning in a support question but are not in the stopword lists.
_EXTRA_STOP = {
    "en": {"please", "tell", "know", "need", "want", "would", "could", "lumora", "playbook", "what", "how",
           "when", "which", "who", "where", "why", "do", "does", "did", "can", "should", "may", "might", "i",
           "we", "us", "me", "our", "my"},
    "es": {"favor", "saber", "necesito", "quiero", "podría", "lumora", "playbook", "cuál", "cuáles", "cómo",
           "cuándo", "qué", "quién", "dónde", "puedo", "debo", "debe", "hay", "cual", "como", "cuando"},
}


def detect_language(text: str) -> str:
    """Return ``"es"`` or ``"en"`` for a question or a document.

    Hand-written on purpose: the corpus is English and Spanish only, and a marker-word count is
    right on short questions where general detectors (langdetect, lingua) need more text or a model.
    """
    words = _WORD.findall(text.lower())
    es = sum(w in _ES_MARKERS for w in words) + 2 * len(re.findall(r"[¿¡ñáéíóú]", text.lower()))
    en = sum(w in _EN_MARKERS for w in words)
    return "es" if es > en else "en"


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMER_NAMES.get(language, "english"))


@lru_cache(maxsize=4)
def stopwords(language: str) -> frozenset[str]:
    """Stopwords of a language (bm25s lists plus a few support-chat fillers)."""
    base = STOPWORDS_SPANISH if language == "es" else STOPWORDS_EN
    return frozenset(base) | _EXTRA_STOP.get(language, set())


def fold_accents(word: str) -> str:
    """Remove diacritics so "política" and "politica" match."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


# "tier A", "Tier: B", "nivel C" become one token ("tiera"...): a lone letter is otherwise a stopword.
_TIER = re.compile(r"\b(?:tiers?|nivel(?:es)?|categor[ií]a)\s*:?\s*([abc])\b", re.IGNORECASE)


def terms(text: str, language: str = "en") -> list[str]:
    """Lower-case, drop stopwords, stem, fold accents. Numbers are kept; tier letters become tokens."""
    stop = stopwords(language)
    lowered = text.lower()
    words = [w for w in _WORD.findall(lowered) if w not in stop and (len(w) > 1 or w.isdigit())]
    stems = [fold_accents(s) for s in _stemmer(language).stemWords(words)]
    return stems + [f"tier{m.group(1)}" for m in _TIER.finditer(lowered)]
