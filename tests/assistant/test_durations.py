"""ISO 8601 durations as sla.csv writes them, and durations said in English and Spanish."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest

from assistant.policy.durations import format_iso_duration, humanize, parse_iso_duration
from assistant.settings import BUNDLED_KNOWLEDGE_DIR

SLA_CSV = BUNDLED_KNOWLEDGE_DIR / "data" / "sla.csv"


def test_every_duration_in_the_table_round_trips() -> None:
    """A failure means a target read from sla.csv would be shown or stored differently from how it is written."""
    with SLA_CSV.open(encoding="utf-8", newline="") as handle:
        texts = {row[column] for row in csv.DictReader(handle) for column in ("first_response", "resolution")}
    assert {"PT20S", "PT15M", "PT24H", "P2D", "P7D"} <= texts
    for text in texts:
        assert format_iso_duration(parse_iso_duration(text)) == text


def test_durations_parse_to_exact_values() -> None:
    """A failure means the parser misreads units, so every due time built on it is wrong."""
    assert parse_iso_duration("PT30S") == timedelta(seconds=30)
    assert parse_iso_duration("PT2H") == timedelta(hours=2)
    assert parse_iso_duration("P2D") == timedelta(days=2)
    assert parse_iso_duration("P1DT2H3M4S") == timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert format_iso_duration(timedelta(hours=1, minutes=30)) == "PT1H30M"
    assert format_iso_duration(timedelta(0)) == "PT0S"


@pytest.mark.parametrize("text", ["", "P", "PT", "2H", "PT2", "P1W", "P1Y", "P1M", "PT1.5H", "pt2h", "-PT1H", "PT1HT"])
def test_durations_outside_the_subset_are_refused(text: str) -> None:
    """A failure means a malformed or ambiguous duration (weeks, months, fractions) would be guessed at."""
    with pytest.raises(ValueError):
        parse_iso_duration(text)


@pytest.mark.parametrize(
    ("duration", "english", "spanish"),
    [
        (timedelta(seconds=30), "30 seconds", "30 segundos"),
        (timedelta(minutes=1), "1 minute", "1 minuto"),
        (timedelta(hours=1), "1 hour", "1 hora"),
        (timedelta(hours=2), "2 hours", "2 horas"),
        (timedelta(hours=24), "24 hours", "24 horas"),
        (timedelta(days=2), "2 days", "2 días"),
        (timedelta(hours=1, minutes=30), "1 hour and 30 minutes", "1 hora y 30 minutos"),
        (timedelta(days=3, hours=1, seconds=5), "3 days, 1 hour and 5 seconds", "3 días, 1 hora y 5 segundos"),
    ],
)
def test_humanize_in_english_and_spanish(duration: timedelta, english: str, spanish: str) -> None:
    """A failure means agents would read targets with wrong units, plurals or wording."""
    assert humanize(duration) == english
    assert humanize(duration, language="es") == spanish


def test_humanize_refuses_unknown_language() -> None:
    """A failure means an unsupported language would silently get English."""
    with pytest.raises(ValueError, match="en, es"):
        humanize(timedelta(hours=1), language="fr")
