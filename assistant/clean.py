"""Text from the outside that is not quite text: invalid UTF-8, lone surrogates, control characters.

A command-line argument with invalid UTF-8 reaches Python as lone surrogates (``surrogateescape``), and JSON may
spell one out (``"\\ud800"``); neither can be encoded, so it would crash the first library that writes it. Every
edge cleans what it receives with :func:`clean_text`: an undecodable byte becomes U+FFFD (shown as ``?`` by
terminals), a lone surrogate is dropped, control characters other than newline and tab become spaces.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` made safe to encode, log and store (see the module docstring); other text comes back unchanged."""
    if _SURROGATE.search(text):
        # Bytes smuggled in by surrogateescape (U+DC80..U+DCFF) go back to bytes and are decoded with replacement;
        # any other lone surrogate is dropped.
        raw = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else None
        text = raw.decode("utf-8", "replace") if raw is not None else _SURROGATE.sub("", text)
    return _CONTROL.sub(" ", text)


def _only_escapes(text: str) -> bool:
    return all("\udc80" <= ch <= "\udcff" for ch in _SURROGATE.findall(text))


def _clean_value(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_value)]
"""A request-model string field cleaned with :func:`clean_text` before its other checks."""
