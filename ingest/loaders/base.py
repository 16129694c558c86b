"""What every loader returns, and the error for files that cannot be used."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class UnreadableFile(Exception):
    """A file that ingest skips; the message is the reason shown in ``skipped``."""


@dataclass
class LoadedDocument:
    """A file as text with Markdown headings (``#``) where the source had headings.

    ``metadata`` holds front matter or document properties (title, owner, version...). ``findings`` says what
    hidden content the loader already removed (ingest screening reports it with its own findings).
    """

    text: str
    format: str
    metadata: dict[str, Any] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
