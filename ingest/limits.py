"""Bounds on the work one ingest may do.

Bytes per file (on disk and unpacked), characters and chunks per document, chunks per ingest. Each file over a bound
is skipped with a reason that names the bound and its setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.settings import Settings

MB = 1_048_576


@dataclass(frozen=True)
class IngestLimits:
    """The bounds (defaults as in :class:`assistant.settings.Settings`)."""

    max_file_bytes: int = 10 * MB
    max_unpacked_bytes: int = 50 * MB
    max_document_chars: int = 1_000_000
    max_document_chunks: int = 2000
    max_chunks: int = 250_000

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestLimits:
        """The limits the ``PLAYBOOK_INGEST_MAX_*`` settings ask for."""
        return cls(
            max_file_bytes=settings.ingest_max_file_bytes,
            max_unpacked_bytes=settings.ingest_max_unpacked_bytes,
            max_document_chars=settings.ingest_max_document_chars,
            max_document_chunks=settings.ingest_max_document_chunks,
            max_chunks=settings.ingest_max_chunks,
        )


def size_text(n: int) -> str:
    """A byte count for people: ``12.3 MB``, ``640 KB``."""
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.0f} KB"
