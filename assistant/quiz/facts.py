"""Checkable facts in a sentence or an answer: durations, amounts, percentages, times, codes and roles.

A fact is ``(kind, value)`` with the value normalised so that the ways people write it compare equal:
"2h" = "2 hours" = "two hours" = "2 horas" (``duration``, 7200 seconds), "USD 500" = "$500" = "500 dólares"
(``money``, 500), "25%" = "25 por ciento" (``percent``), "REF-02" (``code``), "08:00" (``time``), and role
titles in English or Spanish (``role``, the role id from ``roles.yaml``). Everything here is pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.text import fold_accents

_NUMBERS = {
    "zero": 0, "cero": 0, "one": 1, "a": 1, "an": 1, "un": 1, "uno": 1, "una": 1, "two": 2, "dos": 2,
    "three": 3, "tres": 3, "four": 4, "cuatro": 4, "five": 5, "cinco": 5, "six": 6, "seis": 6, "seven": 7,
    "siete": 7, "eight": 8, "ocho": 8, "nine": 9, "nueve": 9, "ten": 10, "diez": 10, "twelve": 12, "doce": 12,
    "fourteen": 14, "catorce": 14, "fifteen": 15, "quince": 15, "twenty": 20, "veinte": 20,
    "twenty-four": 24, "veinticuatro": 24, "thirty": 30, "treinta": 30, "forty": 40, "cuarenta": 40,
    "forty-eight": 48, "fifty": 50, "cincuenta": 50, "sixty": 60, "sesenta": 60, "ninety": 90, "noventa": 90,
    "hundred": 100, "cien": 100, "ciento": 100,
}
_UNIT_SECONDS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "segundo": 1, "segundos": 1, "seg": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "minuto": 60, "minutos": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "hora": 3600, "horas": 3600,
    "d": 86400, "day": 86400, "days": 86400, "dia": 86400, "dias": 86400,
    "business day": 86400, "business days": 86400, "dia habil": 86400, "dias habiles": 86400,
    "week": 604800, "weeks": 604800, "semana": 604800, "semanas": 604800,
    "month": 2592000, "months": 2592000, "mes": 2592000, "meses": 2592000,
}
_WORDS = "|".join(sorted((re.escape(w) for w in _NUMBERS), key=len, reverse=True))
_NUM = rf"(\d+(?:[.,]\d+)?|{_WORDS})"
_UNITS = "|".join(sorted((re.escape(u) for u in _UNIT_SECONDS), key=len, reverse=True))
_LONG_UNITS = "|".join(sorted((re.escape(u) for u in _UNIT_SECONDS if len(u) > 2), key=len, reverse=True))
# Digits take any unit ("2h", "30 s"); number words only whole unit words ("two hours", not "an" + "d").
_DURATION = re.compile(rf"\b(?:(\d+(?:[.,]\d+)?)\s?({_UNITS})|({_WORDS})[\s-]({_LONG_UNITS}))\b")
_MONEY = re.compile(r"(?:\bUSD|\$|US\$)\s?(\d[\d,]*(?:\.\d+)?)|\b(\d[\d,]*(?:\.\d+)?)\s?(?:USD|dollars|dolares)\b")
_PERCENT = re.compile(rf"\b{_NUM}\s?(?:%|percent\b|por ciento\b)")
_TIME = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")
_CODE = re.compile(r"\b([A-Z]{2,4}-\d{1,3})\b")
_LEVEL = re.compile(r"\b(L[1-4])\b")


@dataclass(frozen=True)
class Fact:
    """One normalised fact: its kind, its comparable value and the words it was found in."""

    kind: str
    value: str
    surface: str


def _number(token: str) -> float:
    """A number written in digits ("1,000", "2.5") or in English or Spanish words."""
    token = token.lower()
    if token in _NUMBERS:
        return float(_NUMBERS[token])
    if re.fullmatch(r"\d{1,3}(,\d{3})+", token):
        return float(token.replace(",", ""))
    return float(token.replace(",", "."))


def _fmt(number: float) -> str:
    return str(int(number)) if number == int(number) else f"{number:g}"


def load_roles(path: Path) -> dict[str, tuple[str, ...]]:
    """Role aliases from ``roles.yaml``: id -> titles in English and Spanish, and the acronym in parentheses.

    Args:
        path: The ``roles.yaml`` file; a missing file gives no roles.

    Returns:
        Aliases per role id, lower case, accents folded.
    """
    if not path.is_file():
        return {}
    roles = yaml.safe_load(path.read_text(encoding="utf-8")).get("roles", [])
    out: dict[str, tuple[str, ...]] = {}
    for role in roles:
        names = {str(role.get("title_en", "")), str(role.get("title_es", ""))}
        for name in list(names):
            acronym = re.search(r"\(([A-Z]{2,5})\)", name)
            if acronym:
                names |= {acronym.group(1), re.sub(r"\s*\([^)]*\)", "", name)}
        out[str(role["id"])] = tuple(sorted({fold_accents(n.lower()).strip() for n in names if n.strip()}))
    return out


def _roles(text: str, roles: Mapping[str, Iterable[str]]) -> list[Fact]:
    folded = fold_accents(text.lower())
    found: list[Fact] = []
    for role_id, aliases in roles.items():
        for alias in sorted(aliases, key=len, reverse=True):
            match = re.search(rf"(?<![\w#-]){re.escape(alias)}(?![\w-])", folded)
            if match:
                found.append(Fact("role", role_id, text[match.start():match.end()]))
                break
    return found


def extract_facts(text: str, roles: Mapping[str, Iterable[str]] | None = None) -> list[Fact]:
    """Every checkable fact in ``text``, in order of kind, without repeats.

    Args:
        text: A sentence, table row or answer, in English or Spanish.
        roles: Role aliases (:func:`load_roles`); without them no ``role`` facts are found.

    Returns:
        The facts, each value normalised for comparison.
    """
    folded = fold_accents(text)
    lowered = folded.lower()
    facts: list[Fact] = []
    for m in _DURATION.finditer(lowered):
        number, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        seconds = _number(number) * _UNIT_SECONDS[unit]
        facts.append(Fact("duration", _fmt(seconds), text[m.start():m.end()]))
    for m in _MONEY.finditer(folded):
        facts.append(Fact("money", _fmt(_number((m.group(1) or m.group(2)).replace(",", ""))), m.group(0)))
    for m in _PERCENT.finditer(lowered):
        facts.append(Fact("percent", _fmt(_number(m.group(1))), text[m.start():m.end()]))
    for m in _TIME.finditer(folded):
        facts.append(Fact("time", f"{int(m.group(1)):02d}:{m.group(2)}", m.group(0)))
    facts += [Fact("code", m.group(1), m.group(1)) for m in _CODE.finditer(text)]
    facts += [Fact("level", m.group(1), m.group(1)) for m in _LEVEL.finditer(text)]
    facts += _roles(text, roles or {})
    seen: set[tuple[str, str]] = set()
    unique = []
    for fact in facts:
        if (fact.kind, fact.value) not in seen:
            seen.add((fact.kind, fact.value))
            unique.append(fact)
    return unique
