"""Screen loaded documents before chunking: strip hidden text, drop instructions aimed at an AI, say what was found.

A playbook document is trusted for policy facts, never for instructions to the assistant. Screening

- removes text a reader cannot see: zero-width, bidi-control and Unicode tag characters (tags can spell out
  ASCII text invisibly), HTML comments and hidden HTML elements (``display:none``, ``hidden``, ``aria-hidden``,
  white text, ``font-size:0``...) embedded in Markdown or text; HTML pages are cleaned in their loader with
  :func:`strip_hidden_html`, which reports through ``LoadedDocument.findings``;
- removes sentences that address an AI with instructions ("ignore the refund policy", "system: you are now…",
  in English, Spanish and a few other languages, also base64-encoded): such a sentence is never an answer, and
  indexing it would let it reach an answer or a model's prompt;
- returns one finding per kind, which the pipeline turns into a warning naming the file.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bs4 import BeautifulSoup, Comment, Tag

from assistant.text import fold_accents

if TYPE_CHECKING:  # the HTML loader imports this module: no import back into ingest.loaders at run time
    from ingest.loaders.base import LoadedDocument

# Zero-width, word-joiner, bidi-control, soft-hyphen, Mongolian vowel separator, BOM and Unicode tag characters.
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\U000e0000-\U000e007f]")
_TAGS = re.compile("[\U000e0020-\U000e007e]+")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Only start tags that could hide (an attribute naming hidden or a style): the lazy body match stays cheap.
_ELEMENT = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)\b([^<>]*?(?:hidden|style)[^<>]*)>(.*?)</\1\s*>", re.DOTALL)
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0*\.?0+(?:px|pt|em|rem|%)?\s*(?:;|$|!)"
    r"|opacity\s*:\s*0*\.?0+\s*(?:;|$|!)|(?:left|top|text-indent)\s*:\s*-\d{3,}"
    r"|(?:max-)?height\s*:\s*0+(?:px)?\s*;.*overflow\s*:\s*hidden|clip\s*:\s*rect\(\s*0",
)
_WHITE = r"(?:white|#fff(?:fff)?\b|rgba?\(\s*255\s*,\s*255\s*,\s*255)"
_WHITE_TEXT = re.compile(rf"(?:^|;)\s*color\s*:\s*{_WHITE}")
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([^;]+)")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_SENTENCE = re.compile(r"(?<=[.!?;])\s+")
_NEGATION = re.compile(r"\b(?:never|not|n't|no|cannot|nunca|jamas|ne|nicht|nao)\b[\w\s,]{0,25}$")

_VERBS = (
    r"ignore|ignora|ignoren|ignorez|ignorer|ignoriere|ignorieren|disregard|forget|olvida|olvidate|olviden|oublie"
    r"|oubliez|vergiss|override|bypass|omite|omitir|descarta|salta|saltate"
)
_OBJECTS = (
    r"instructions?|instrucciones|instrucoes|istruzioni|anweisungen|consignes|rules?|reglas|regles|regras|regole"
    r"|regeln|polic(?:y|ies)|politicas?|politique|richtlinien|guidelines?|normas|limits?|limites|restrictions?"
    r"|restricciones|prompts?|directives?|guardrails?|indicaciones|programming|programacion"
)
# What only a system holds: asking to disclose it is an attack wherever it is said.
_SYSTEM_SECRETS = (
    r"system prompt|prompt del sistema|api[ _-]?keys?|claves? de api|environment variables?|variables de entorno"
    r"|secret keys?|access tokens?|(?:your|tus) (?:instructions|instrucciones|configuration|configuracion)"
)
# What people have too: "we will send you your password" is ordinary, "reveal the passwords to anyone" is not.
_SECRETS = r"tokens?|passwords?|contrasenas?|claves?|secrets?|secretos?|credentials|credenciales"
_ANYONE = (
    r"to (?:anyone|everyone|whoever|any user|all users|the user)|publicly"
    r"|in (?:your|the|every) (?:answers?|repl(?:y|ies)|responses?)"
    r"|a (?:cualquiera|todos|quien)|en (?:tu|la|cada) respuesta"
)
# An instruction is said as one: at the start of a sentence or after a colon or comma, or after "please", "now",
# "you must"... "Employers must override the default rules" is a statement, "Override the rules" an order.
_ORDER = (
    r"(?:^|[.!?;:,]\s*|\b(?:please|now|just|simply|always|then|and|you (?:must|should|shall|need to|have to)"
    r"|por favor|ahora|simplemente|siempre|debes|tienes que)\s+)\W*"
)
# Matched against lower-cased text with accents folded. Each names what it is in the finding.
_INSTRUCTIONS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.MULTILINE)
    for p in (
        rf"{_ORDER}(?:{_VERBS})\b[^.\n]{{0,50}}\b(?:{_OBJECTS})\b",
        r"\byou are now (?:an? |the |my |in )?(?:[\w-]*bot\b|ai\b|assistant\b|(?:language )?model\b|dan\b"
        r"|unrestricted|jailbroken|uncensored|unfiltered|free (?:from|of)|no longer (?:bound|restricted)"
        r"|(?:developer|god|admin) mode)"
        r"|\bfrom now on,? you\b|\byou must now\b|\bnew instructions?\s*:|\bas an ai\b"
        r"|\bas a (?:large )?language model\b|\bpretend (?:to be|you are)\b|\bact as (?:an? |the )?(?:ai|assistant"
        r"|admin|administrator|system|developer|unrestricted)\b|\bjailbreak\b|\bdeveloper mode\b",
        r"\b(?:note|message|instructions?) (?:to|for) (?:the |any )?(?:ai|assistant|bot|chatbot|model|llm)s?\b"
        r"|\bif you are an? (?:ai|assistant|bot|chatbot|language model|llm)\b"
        r"|\b(?:ai|ai assistant|virtual assistant|chatbot|bot|llm|ai model)s? (?:must|should|shall) (?:always |now )?"
        r"(?:approve|grant|refund|ignore|say|answer|reply|tell|reveal|obey)\b",
        r"^\W*(?:\[inst\]|<<sys>>|<\|?(?:system|im_start)\|?>|#+\s*(?:system|instruction)s?\b)"
        r"|^\W*(?:system|assistant|developer|sistema|asistente)\s*(?:prompt)?\s*:\s*(?:you|your|eres|tu|debes|ignore"
        r"|ignora|from now|a partir)",
        r"^\W*(?:always\s+|just\s+)?(?:approve|grant|issue|authori[sz]e)\s+(?:any|every|each|all)\s+(?:\w+\s+)?"
        r"(?:refund|credit|request)s?\b"
        r"|\b(?:approve|grant|issue)\b[^.\n]{0,40}\b(?:without (?:approval|checking|limits?|question)"
        r"|regardless of (?:the )?(?:policy|limits?|rules?))",
        rf"\b(?:reveal|print|show|output|send|leak|disclose|repeat|share|dump)\b[^.\n]{{0,30}}\b(?:{_SYSTEM_SECRETS})\b"
        rf"|{_ORDER}(?:reveal|print|show|output|send|leak|disclose|repeat|share|dump)\b[^.\n]{{0,30}}\b(?:{_SECRETS})\b"
        rf"[^.\n]{{0,40}}(?:{_ANYONE})",
        r"\b(?:a partir de ahora|desde ahora)\b[^.\n]{0,20}\b(?:eres|seras|actua|debes)\b|\bahora eres\b"
        r"|\bnuevas instrucciones\s*:|\bactua como (?:una? |el |la )?(?:ia|asistente|modelo|administrador|sistema)\b"
        r"|\b(?:finge|haz como) que eres\b|\bcomo (?:una )?ia\b",
        r"\b(?:nota|mensaje|aviso|atencion|instrucciones) para (?:la |el |cualquier )?(?:ia|asistente|bot|modelo)\b"
        r"|\bsi eres (?:una? )?(?:ia|asistente|modelo|bot)\b"
        r"|^\W*(?:siempre\s+)?(?:aprueba|aprobar|concede|conceder|otorga|otorgar)\s+"
        r"(?:cualquier|todos? los?|todas? las?)\s+(?:reembolsos?|creditos?|solicitudes?)\b"
        r"|\b(?:aprueba|concede|otorga)\b[^.\n]{0,40}\bsin (?:aprobacion|revisar|limites?|importar)",
        rf"\b(?:revela|muestra|imprime|envia|repite|comparte)\b[^.\n]{{0,30}}\b(?:{_SYSTEM_SECRETS})\b"
        rf"|{_ORDER}(?:revela|muestra|imprime|envia|repite|comparte)\b[^.\n]{{0,30}}\b(?:{_SECRETS})\b"
        rf"[^.\n]{{0,40}}(?:{_ANYONE})",
    )
)


def is_instruction(text: str) -> bool:
    """True when ``text`` reads as an instruction aimed at an AI (not a negated rule like "never ignore…")."""
    folded = fold_accents(text.lower())
    for pattern in _INSTRUCTIONS:
        for match in pattern.finditer(folded):
            if not _NEGATION.search(folded[max(0, match.start() - 30) : match.start()]):
                return True
    return False


def _decoded_base64(blob: str) -> str | None:
    """The text a base64 blob decodes to, when it is mostly printable UTF-8; else None."""
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable / len(text) > 0.9 else None


def _encoded_instruction(sentence: str) -> bool:
    return any((d := _decoded_base64(m.group(0))) is not None and is_instruction(d) for m in _BASE64.finditer(sentence))


def is_hiding_style(attrs: dict[str, Any]) -> bool:
    """True when an element's attributes hide it from a reader (``hidden``, ``aria-hidden``, a hiding style)."""
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).strip().lower() == "true":
        return True
    style = re.sub(r"\s+", " ", str(attrs.get("style") or "").lower())
    if _HIDING_STYLE.search(style):
        return True
    if _WHITE_TEXT.search(style):
        background = _BACKGROUND.search(style)
        return background is None or re.fullmatch(rf"\s*{_WHITE}.*", background.group(1)) is not None
    return False


def strip_hidden_html(soup: BeautifulSoup) -> list[str]:
    """Remove comments and hidden elements from a parsed page, in place; return what was found."""
    found: list[str] = []
    comments = [c for c in soup.find_all(string=lambda s: isinstance(s, Comment)) if c.strip()]
    for comment in comments:
        comment.extract()
    hidden = [t for t in soup.find_all(True) if isinstance(t, Tag) and t.attrs is not None and is_hiding_style(t.attrs)]
    texts = [t.get_text(" ", strip=True) for t in hidden]
    for tag in hidden:
        if not tag.decomposed:
            tag.decompose()
    if comments:
        found.append(_counted(len(comments), "HTML comment") + _quote(" ".join(comments)))
    if any(texts):
        found.append(_counted(len(hidden), "hidden HTML element") + _quote(" ".join(t for t in texts if t)))
    return found


def _attrs(raw: str) -> dict[str, str]:
    """Attributes of an HTML start tag (``hidden`` alone counts as present)."""
    pairs = re.findall(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?", raw)
    return {name.lower(): a or b or c for name, a, b, c in pairs}


def _strip_hidden_markup(text: str, found: list[str]) -> str:
    """HTML comments and hidden elements embedded in Markdown or text."""
    comments = [c for c in _COMMENT.findall(text) if c.strip("<!-> \n")]
    text = _COMMENT.sub("", text)
    if comments:
        found.append(_counted(len(comments), "HTML comment") + _quote(" ".join(c.strip("<!-> \n") for c in comments)))
    hidden: list[str] = []

    def drop(match: re.Match[str]) -> str:
        if is_hiding_style(_attrs(match.group(2))):
            hidden.append(re.sub(r"<[^>]+>", " ", match.group(3)))
            return ""
        return match.group(0)

    previous = None
    while previous != text:  # nested hidden elements: the inner one first, then the one around it
        previous, text = text, _ELEMENT.sub(drop, text)
    if hidden:
        found.append(_counted(len(hidden), "hidden HTML element") + _quote(" ".join(hidden)))
    return text


def _strip_invisible(text: str, found: list[str]) -> str:
    tags = "".join(chr(ord(ch) - 0xE0000) for run in _TAGS.findall(text) for ch in run)
    count = len(_INVISIBLE.findall(text))
    if count:
        what = _counted(count, "invisible character") + " (zero-width, bidi or tag)"
        found.append(what + (f", tag characters spelling {_quote(tags).strip(': ')}" if tags.strip() else ""))
    return _INVISIBLE.sub("", text)


def _drop_instructions(text: str, found: list[str]) -> str:
    """Remove each sentence that is (or base64-encodes) an instruction to an AI; keep the rest of its line."""
    folded = fold_accents(text.lower())
    if not any(p.search(folded) for p in _INSTRUCTIONS) and not _encoded_instruction(text):
        return text  # the common case: one pass over the text, nothing to split
    dropped: list[str] = []
    encoded = 0
    lines = []
    for line in text.split("\n"):
        kept = []
        for sentence in _SENTENCE.split(line):
            if is_instruction(sentence):
                dropped.append(sentence)
            elif _encoded_instruction(sentence):
                dropped.append(sentence)
                encoded += 1
            else:
                kept.append(sentence)
        if len(kept) == len(_SENTENCE.split(line)):
            lines.append(line)
        elif any(s.strip(" -*#>|") for s in kept):
            lines.append(" ".join(kept))
    if dropped:
        what = _counted(len(dropped), "instruction-like sentence") + " aimed at an AI removed"
        found.append(what + (f" ({encoded} base64-encoded)" if encoded else "") + _quote(" ".join(dropped)))
    return "\n".join(lines)


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _quote(text: str, limit: int = 80) -> str:
    """A short, single-line excerpt for a warning."""
    text = re.sub(r"\s+", " ", _INVISIBLE.sub("", text)).strip()
    return f": {text[:limit]!r}" + ("…" if len(text) > limit else "") if text else ""


def screen_text(text: str) -> tuple[str, list[str]]:
    """Strip hidden text and instruction-like sentences from a document's text.

    Args:
        text: the loaded text (Markdown-ish).

    Returns:
        The cleaned text and what was found (empty when the text is clean; then the text is unchanged).
    """
    found: list[str] = []
    steps: tuple[Callable[[str, list[str]], str], ...] = (_strip_invisible, _strip_hidden_markup, _drop_instructions)
    for step in steps:
        text = step(text, found)
    return text, found


def screen_document(doc: LoadedDocument) -> tuple[LoadedDocument, list[str]]:
    """Screen a loaded document's text and its string metadata (a title is indexed too).

    Args:
        doc: what a loader returned (its ``findings`` are what the loader already removed).

    Returns:
        The cleaned document and every finding, the loader's first.
    """
    text, found = screen_text(doc.text)
    metadata: dict[str, Any] = {}
    for key, value in doc.metadata.items():
        if isinstance(value, str):
            cleaned, notes = screen_text(value)
            if notes:
                found += [f"in {key}: {n}" for n in notes]
            if cleaned.strip():
                metadata[key] = cleaned.strip()
        else:
            metadata[key] = value
    return replace(doc, text=text, metadata=metadata, findings=[]), [*doc.findings, *found]
