"""Greetings, thanks and fillers around a question ("hi, quick q:", "thanks!"): not the question's topic.

Hand-written patterns on purpose: the set is small and closed (English and Spanish pleasantries), and a
classifier would need a model and training data for what a dozen anchored expressions say exactly.
"""

from __future__ import annotations

import re

_NAME = r"(?:\s+(?:there|team|all|everyone|folks|guys|y'all|bot|equipo|a todos|chicos))?"
_OPENERS = [
    rf"(?:hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)){_NAME}",
    rf"(?:hola|buen(?:os|as) (?:d[ií]as|tardes|noches)|buenas|saludos|qu[eé] tal){_NAME}",
    r"(?:sorry to bother(?: you)?|excuse me|perd[oó]n(?: la molestia)?|disculp[ae](?: la molestia)?)",
    r"(?:(?:a |one )?quick (?:q|qs|question|one)|(?:i have )?a question|question|q"
    r"|una (?:pregunta|duda)(?: r[aá]pida)?|pregunta(?: r[aá]pida)?|duda)",
    r"(?:how are you(?: doing)?(?: today)?|hope you(?:'re| are) (?:well|good)|c[oó]mo est[aá]s)",
    r"(?:ok(?:ay)?|so|well|um+|uh+|bueno|oye|pues)",
]
_CLOSERS = [
    r"(?:thanks?(?: you)?(?: (?:so|very) much)?(?: in advance)?|thx|ty|cheers|much appreciated|appreciate it)",
    r"(?:muchas gracias|gracias(?: de antemano)?|mil gracias|saludos)",
    r"(?:please|pls|plz|por favor)",
]
_SEPARATOR = r"[\s,;:!.¡¿?\-–—]*"
_LEADING = re.compile(rf"^(?:{_SEPARATOR}(?:{'|'.join(_OPENERS)}){_SEPARATOR}(?=\W|$))+", re.IGNORECASE)
_TRAILING = re.compile(rf"(?:{_SEPARATOR}\b(?:{'|'.join(_CLOSERS)}))+{_SEPARATOR}$", re.IGNORECASE)


def strip_chitchat(text: str) -> str:
    """The question without greetings, fillers and thanks around it; the text itself when nothing else is left.

    >>> strip_chitchat("hi, quick q: whats the refund window for tier B? thanks!")
    'whats the refund window for tier B?'
    """
    core = _TRAILING.sub("", _LEADING.sub("", text)).strip()
    if not re.search(r"\w", core):
        return text.strip()
    if "?" in text[len(core):] and not core.endswith("?"):
        core += "?"
    return core


def is_chitchat(text: str) -> bool:
    """True when the text is only a greeting, thanks or filler ("hi!", "thanks", "gracias")."""
    rest = _TRAILING.sub("", _LEADING.sub("", text))
    return not re.search(r"\w", rest)
