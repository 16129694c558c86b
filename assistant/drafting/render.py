"""Jinja2 templates (``templates/<kind>_<language>.j2``) and the formatting they need.

A knowledge base may bring its own templates in ``<data folder>/templates/`` (same names, same variables:
README, "Draft templates"); a template it does not bring comes from the bundled set.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).parent / "templates"
_DATE_FORMATS = {
    "en": "EEEE d MMMM y, HH:mm",
    "es": "EEEE d 'de' MMMM 'de' y, HH:mm",
    "fr": "EEEE d MMMM y, HH:mm",
    "de": "EEEE, d. MMMM y, HH:mm",
}


@lru_cache(maxsize=8)
def _environment(own: Path | None) -> Environment:
    # Plain-text e-mail/chat replies: nothing is HTML, and no customer text is ever inserted.
    folders = [own, TEMPLATES] if own is not None and own.is_dir() else [TEMPLATES]
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - plain-text replies, not HTML (see above)
        keep_trailing_newline=False,
        trim_blocks=False,
    )


def has_template(kind: str, language: str, own: Path | None = None) -> bool:
    """Whether a ``kind`` template exists in ``language`` (the knowledge base's own or the bundled one)."""
    name = f"{kind}_{language}.j2"
    return (TEMPLATES / name).is_file() or (own is not None and (own / name).is_file())


def render(kind: str, language: str, context: dict[str, Any], *, own: Path | None = None) -> str:
    """Render the ``kind`` template in ``language`` (English when the language has no template).

    Args:
        kind: ``refund`` or ``rescue``.
        language: the reply's language.
        context: the template variables.
        own: a folder of the knowledge base's own templates, searched first.
    """
    name = f"{kind}_{language}.j2" if has_template(kind, language, own) else f"{kind}_en.j2"
    text = _environment(own).get_template(name).render(**context)
    text = "\n".join(line.rstrip() for line in text.strip().splitlines())
    return re.sub(r"\n{3,}", "\n\n", text)


def format_due(moment: datetime, tz: ZoneInfo, language: str) -> str:
    """A due time in the client's zone, e.g. "Monday 24 November 2026, 18:00 (America/New_York)"."""
    pattern = _DATE_FORMATS.get(language, _DATE_FORMATS["en"])
    return f"{format_datetime(moment, pattern, tzinfo=tz, locale=language)} ({tz.key})"


_MONEY_LOCALES = {"en": "en", "es": "es_MX", "fr": "fr_FR", "de": "de_DE"}


def format_money(amount: float, currency: str, language: str) -> str:
    """Money as the client's locale writes it, always with the currency code ("USD 1,850.00")."""
    return format_currency(
        amount, currency, format="¤¤ #,##0.00", locale=_MONEY_LOCALES.get(language, "en"), currency_digits=False
    )
