"""Loaders by file extension; :func:`load_document` picks one and turns failures into a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.docx import load_docx
from ingest.loaders.html import load_html
from ingest.loaders.markdown import load_markdown
from ingest.loaders.pdf import load_pdf
from ingest.loaders.text import load_text

LOADERS: dict[str, Callable[[Path], LoadedDocument]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".text": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}

MAX_FILE_BYTES = 50 * 1024 * 1024


def is_supported(path: Path) -> bool:
    """True when a loader exists for the file's extension."""
    return path.suffix.lower() in LOADERS


def load_document(path: Path) -> LoadedDocument:
    """Load one file with the loader for its extension.

    Raises:
        UnreadableFile: unsupported, too large, empty, corrupt, binary or undecodable.
    """
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty file")
    if size > MAX_FILE_BYTES:
        raise UnreadableFile(f"file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        doc = loader(path)
    except UnreadableFile:
        raise
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot read: {type(exc).__name__}: {exc}"[:200]) from exc
    if not doc.text.strip():
        raise UnreadableFile("no text")
    return doc


__all__ = ["LOADERS", "LoadedDocument", "UnreadableFile", "is_supported", "load_document"]
