"""Which language a customer wrote in, so a reply in another language is flagged rather than sent blind.

Hand-written on purpose: customer messages are short ("Me cobraron dos veces"), where statistical detectors
(langdetect, langid) often answer Portuguese or Catalan; counting function words of a few languages is right
on such texts and deterministic. A message in another script, or with no known words, is "other" / unknown.
"""

from __future__ import annotations

import re
import unicodedata

from babel import Locale

from assistant.text import fold_accents

# Function words that rarely appear in the other languages' messages (accents folded).
_MARKERS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and is are was were i we you my our your it this that of for with not have has please been "
        "would want me us charged twice",
        "es": "el los las del que y es son fue me nos mi mis su por para con un una muy este esta quiero "
        "queremos cobraron estamos hemos veces gracias",
        "fr": "le les des du et est sont je nous vous mon ma mes notre votre pour avec pas une ce cette ai "
        "avons ete suis on mois deux fois merci",
        "de": "der die das und ist sind ich wir sie mein meine unser unsere ihr fur mit nicht ein eine wurde "
        "wurden habe haben zu bitte doppelt zweimal danke",
        "pt": "o os as do da dos das e sao eu nos meu minha nosso nossa para com nao um uma foi fomos voces",
        "it": "il lo gli di della e sono io noi mio mia nostro nostra per con non stato siamo vorrei",
        "nl": "het een en ik wij we mijn onze voor met niet werd hebben graag",
    }.items()
}
# Letters that only some of these languages use, each worth a word of evidence.
_LETTERS = {"es": "ñ¿¡", "fr": "çœèêëàâîôû", "de": "ßäöü", "pt": "ãõ"}
_WORD = re.compile(r"[^\W\d_]+")


def _script_is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
    return not letters or latin * 2 >= len(letters)


def detect_message_language(text: str) -> str | None:
    """The language of a customer message, as an ISO 639-1 code.

    Args:
        text: the message.

    Returns:
        ``en``, ``es``, ``fr``, ``de``, ``pt``, ``it`` or ``nl``; ``other`` for a non-Latin script;
        None when the message has too few known words to tell.
    """
    if not _script_is_latin(text):
        return "other"
    lowered = text.lower()
    words = [fold_accents(w) for w in _WORD.findall(lowered)]
    scores = {lang: sum(w in markers for w in words) for lang, markers in _MARKERS.items()}
    for lang, letters in _LETTERS.items():
        scores[lang] += sum(lowered.count(c) for c in letters)
    best = max(scores, key=lambda lang: scores[lang])  # first wins a tie: English, then Spanish
    return best if scores[best] >= 2 else None


def language_name(code: str, in_language: str = "en") -> str:
    """The name of a language ("French"), in English by default; the code itself when unknown."""
    if code == "other":
        return "a language other than the supported ones"
    try:
        return str(Locale.parse(in_language).languages.get(code, code))
    except (ValueError, TypeError):
        return code
