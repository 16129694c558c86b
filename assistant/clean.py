r"""Text from the outside that is not quite text: invalid UTF-8, lone surrogates, control characters.

A command-line argument with invalid UTF-8 reaches Python as lone surrogates (``surrogateescape``), and JSON may
spell one out (``"\ud800"``); neither can be encoded, so it would crash the first library that writes it. Every
edge cleans what it receives with :func:`clean_text`: lone surrogates (undecodable bytes) and U+FFFD replacement
characters are dropped, since they carry no meaning, as are terminal escape codes (``ESC[31m``); other control
characters than newline and tab become spaces. A question left empty is then refused as empty.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_NOT_TEXT = re.compile("[\ud800-\udfff\ufffd]")
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")  # terminal escape codes
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` made safe to encode, log and store (see the module docstring); other text comes back unchanged."""
    return _CONTROL.sub(" ", _ANSI.sub("", _NOT_TEXT.sub("", text)))


def _clean_value(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


CleanText = Annotated[str, BeforeValidator(_clean_value)]
"""A request-model string field cleaned with :func:`clean_text` before its other checks."""
