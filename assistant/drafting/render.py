"""Jinja2 templates (``templates/<kind>_<language>.j2``) and the formatting they need."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
_DATE_FORMATS = {"en": "EEEE d MMMM y, HH:mm", "es": "EEEE d 'de' MMMM 'de' y, HH:mm"}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain-text e-mail/chat replies: nothing is HTML, and no customer text is ever inserted.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def render(kind: str, language: str, context: dict[str, Any]) -> str:
    """Render the ``kind`` template in ``language`` (English when the language has no template)."""
    name = f"{kind}_{language}.j2" if (TEMPLATES / f"{kind}_{language}.j2").is_file() else f"{kind}_en.j2"
    text = _environment().get_template(name).render(**context)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text)


def format_due(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """A due time in the client's zone, e.g. "Monday 24 November 2026, 18:00 (America/New_York)"."""
    pattern = _DATE_FORMATS.get(language, _DATE_FORMATS["en"])
    return f"{format_datetime(moment, pattern, tzinfo=tz, locale=language)} ({tz.key})"


def format_money(amount: float, currency: str, language: str) -> str:
    """Money as the client's locale writes it, always with the currency code ("USD 1,850.00")."""
    return format_currency(
        amount, currency, format="¤¤ #,##0.00", locale="en" if language == "en" else "es_MX", currency_digits=False
    )
