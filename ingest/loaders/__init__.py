"""Loaders by file extension; :func:`load_document` picks one and turns failures into a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.limits import IngestLimits, size_text
from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.docx import check_docx_size, load_docx
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



def is_supported(path: Path) -> bool:
    """True when a loader exists for the file's extension."""
    return path.suffix.lower() in LOADERS


PLAIN_TEXT = {".md", ".markdown", ".txt", ".text"}


def _chars_over(n: int, limits: IngestLimits) -> UnreadableFile:
    return UnreadableFile(
        f"{n:,} characters of text, over the limit of {limits.max_document_chars:,} "
        "(PLAYBOOK_INGEST_MAX_DOCUMENT_CHARS)"
    )


def _check_plain_length(path: Path, limits: IngestLimits) -> None:
    """Refuse long plain text before decoding and repairing it (mojibake repair takes seconds per megabyte)."""
    chars = len(path.read_bytes().decode("utf-8", errors="replace"))
    if chars > limits.max_document_chars:
        raise _chars_over(chars, limits)


def load_document(path: Path, limits: IngestLimits | None = None) -> LoadedDocument:
    """Load one file with the loader for its extension, within the limits.

    Args:
        path: the file.
        limits: bytes on disk, unpacked bytes (DOCX, PDF) and characters of text; default: the default limits.

    Returns:
        The document's text and metadata.

    Raises:
        UnreadableFile: unsupported, over a limit, empty, corrupt, binary or undecodable.
    """
    limits = limits or IngestLimits()
    suffix = path.suffix.lower()
    loader = LOADERS.get(suffix)
    if loader is None:
        raise UnreadableFile(f"unsupported file type {path.suffix or '(none)'}")
    size = path.stat().st_size
    if size == 0:
        raise UnreadableFile("empty file")
    if size > limits.max_file_bytes:
        raise UnreadableFile(
            f"file is {size_text(size)}, over the limit of {size_text(limits.max_file_bytes)} "
            "(PLAYBOOK_INGEST_MAX_FILE_BYTES)"
        )
    if suffix in PLAIN_TEXT:
        _check_plain_length(path, limits)
    try:
        # Compressed formats are checked against the unpacked-size bound before anything is inflated.
        if suffix == ".docx":
            check_docx_size(path, limits)
        doc = load_pdf(path, limits) if suffix == ".pdf" else loader(path)
    except UnreadableFile:
        raise
    except (OSError, UnicodeError, ValueError, RecursionError) as exc:
        raise UnreadableFile(f"cannot read: {type(exc).__name__}: {exc}"[:200]) from exc
    if not doc.text.strip():
        raise UnreadableFile("no text")
    if len(doc.text) > limits.max_document_chars:
        raise _chars_over(len(doc.text), limits)
    return doc


__all__ = ["LOADERS", "IngestLimits", "LoadedDocument", "UnreadableFile", "is_supported", "load_document"]
