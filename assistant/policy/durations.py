"""ISO 8601 durations as ``sla.csv`` writes them, and durations in words (English and Spanish)."""

from __future__ import annotations

import re
from datetime import timedelta

# isodate is not installed and the table only uses days, hours, minutes and seconds: a strict regex for that
# subset costs no dependency and rejects years, months, weeks and fractions instead of guessing their length.
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
_UNIT_NAMES = {
    "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes"), ("second", "seconds")),
    "es": (("día", "días"), ("hora", "horas"), ("minuto", "minutos"), ("segundo", "segundos")),
}
_AND = {"en": "and", "es": "y"}


def parse_iso_duration(text: str) -> timedelta:
    """Read an ISO 8601 duration of the ``PnDTnHnMnS`` subset, e.g. ``PT30S``, ``PT2H``, ``P2D``.

    Args:
        text: The duration, upper case, without fractions.

    Returns:
        The duration.

    Raises:
        ValueError: The text is not a duration of that subset.
    """
    match = _DURATION.fullmatch(text.strip())
    if match is None or text.strip() == "P":
        raise ValueError(f"Not an ISO 8601 duration of the form PnDTnHnMnS: {text!r}")
    days, hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def _parts(duration: timedelta) -> tuple[int, int, int, int]:
    """Days, hours, minutes, seconds; under two days stays in hours, as the playbook writes "24 hours"."""
    if duration < timedelta(0):
        raise ValueError(f"A duration cannot be negative: {duration}")
    days, rest = divmod(duration.days * 86_400 + duration.seconds, 86_400)
    if days == 1:
        days, rest = 0, rest + 86_400
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    return days, hours, minutes, seconds


def format_iso_duration(duration: timedelta) -> str:
    """Write a duration the way ``sla.csv`` does (``PT24H`` for one day, ``P2D`` from two days up).

    Args:
        duration: A non-negative duration in whole seconds.

    Returns:
        The ISO 8601 text; ``parse_iso_duration`` reads it back to the same value.

    Raises:
        ValueError: The duration is negative or has a fraction of a second.
    """
    if duration.microseconds:
        raise ValueError(f"Durations are written in whole seconds: {duration}")
    days, hours, minutes, seconds = _parts(duration)
    clock = "".join(f"{n}{unit}" for n, unit in zip((hours, minutes, seconds), "HMS", strict=True) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{clock}" if clock else "")
    return "PT0S" if text == "P" else text


def humanize(duration: timedelta, language: str = "en") -> str:
    """Say a duration in words: "2 hours", "1 hour and 30 minutes", "2 días".

    Args:
        duration: A non-negative duration; fractions of a second are dropped.
        language: ``"en"`` or ``"es"``.

    Returns:
        The duration in words, in the largest units that fit (one day is said as 24 hours).

    Raises:
        ValueError: The language is not supported or the duration is negative.
    """
    if language not in _UNIT_NAMES:
        raise ValueError(f"Unsupported language {language!r}; expected one of: {', '.join(_UNIT_NAMES)}")
    counts = _parts(duration - timedelta(microseconds=duration.microseconds))
    words = [f"{n} {names[n != 1]}" for n, names in zip(counts, _UNIT_NAMES[language], strict=True) if n]
    if not words:
        return f"0 {_UNIT_NAMES[language][3][1]}"
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {_AND[language]} {words[-1]}"
