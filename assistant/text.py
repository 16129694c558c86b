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
    "en": {"please", "tell", "know", "need", "want", "would", "could", "playbook", "what", "how",
           "when", "which", "who", "where", "why", "do", "does", "did", "can", "should", "may", "might", "i",
           "we", "us", "me", "our", "my"},
    "es": {"favor", "saber", "necesito", "quiero", "podría", "playbook", "cuál", "cuáles", "cómo",
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
    if word.isascii():  # most words; the snapshot folds every word of every chunk
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


# "tier A", "Tier: B", "nivel C" become one token ("tiera"...): a lone letter is otherwise a stopword.
_TIER = re.compile(r"\b(?:tiers?|nivel(?:es)?|categor[ií]a)\s*:?\s*([abc])\b", re.IGNORECASE)


_NUMBER_WORDS = {
    w: str(n)
    for n, ws in enumerate(
        [(), ("one", "uno", "una"), ("two", "dos"), ("three", "tres"), ("four", "four", "cuatro"), ("five", "cinco"),
         ("six", "seis"), ("seven", "siete"), ("eight", "ocho"), ("nine", "nueve"), ("ten", "diez")]
    )
    for w in ws
}


# Support levels: "nivel 3", "level three", "tier-3", "third level", "tercer nivel" and "N3" all mean "L3", the
# playbook's spelling. Only adjacent words count: "plazo del nivel: 1 día" is not a level.
_LEVEL_NUMBERS = {"1": "1", "2": "2", "3": "3", "4": "4", "one": "1", "two": "2", "three": "3", "four": "4",
                  "uno": "1", "dos": "2", "tres": "3", "cuatro": "4"}
_LEVEL_ORDINALS = {"first": "1", "second": "2", "third": "3", "fourth": "4", "primer": "1", "primero": "1",
                   "segundo": "2", "tercer": "3", "tercero": "3", "cuarto": "4"}
_LEVEL_NUMBER = re.compile(rf"\b(nivel|level|tier)[ -]+({'|'.join(_LEVEL_NUMBERS)})\b")
_LEVEL_ORDINAL = re.compile(rf"\b({'|'.join(_LEVEL_ORDINALS)})[ -]+(nivel|level|tier)\b")
_N_LEVEL = re.compile(r"\bn([1-4])\b")


def _support_levels(lowered: str) -> str:
    """Write every spelling of a support level as "l1".."l4", as the playbook does."""
    lowered = _LEVEL_NUMBER.sub(lambda m: f"{m.group(1)} l{_LEVEL_NUMBERS[m.group(2)]}", lowered)
    lowered = _LEVEL_ORDINAL.sub(lambda m: f"l{_LEVEL_ORDINALS[m.group(1)]} {m.group(2)}", lowered)
    return _N_LEVEL.sub(r"l\1", lowered)


def terms(text: str, language: str = "en") -> list[str]:
    """Lower-case, drop stopwords, stem, fold accents.

    Numbers are kept; tier letters become tokens ("tiera"); support levels become "l1".."l4" tokens.
    """
    stop = stopwords(language)
    lowered = text.lower()
    words = [_NUMBER_WORDS.get(w, w) for w in _WORD.findall(_support_levels(lowered))]
    words = [w for w in words if w not in stop and (len(w) > 1 or w.isdigit())]
    stems = [fold_accents(s) for s in _stemmer(language).stemWords(words)]
    return stems + [f"tier{m.group(1)}" for m in _TIER.finditer(lowered)]


_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")


def table_rows(lines: list[str]) -> list[str]:
    """Render Markdown table lines as "Header: value; Header: value" rows, one per data row.

    A row then reads on its own (and carries "Tier: A"), which suits both retrieval and answers.
    """
    cells = [[c.strip() for c in ln.strip().strip("|").split("|")] for ln in lines]
    if len(cells) < 2:
        return [" ".join(c for row in cells for c in row)]
    header = cells[0]
    body = [row for row, ln in zip(cells[1:], lines[1:], strict=True) if not _TABLE_SEPARATOR.match(ln.strip())]
    return ["; ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v) for row in body]


def linearize_tables(text: str) -> str:
    """Replace every Markdown table in ``text`` by its rows rendered with :func:`table_rows`."""
    out: list[str] = []
    run: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.lstrip().startswith("|"):
            run.append(line)
            continue
        if run:
            out.extend(table_rows(run))
            run = []
        out.append(line)
    return "\n".join(out[:-1])
