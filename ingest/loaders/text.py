"""Plain text. Text that is really Markdown (front matter, ``#`` headings) is read as Markdown."""

from __future__ import annotations

from pathlib import Path

from ingest.loaders.base import LoadedDocument
from ingest.loaders.decoding import decode_bytes
from ingest.loaders.markdown import looks_like_markdown, parse_markdown

# Lines that web-page copies start with and that are never a document's title.
_BOILERPLATE = {"skip to main content", "skip to content", "menu", "home", "main menu"}


def load_text(path: Path) -> LoadedDocument:
    """Load a text file; the first non-empty line becomes the title when it is short."""
    text = decode_bytes(path.read_bytes(), path=str(path))
    if looks_like_markdown(text):
        return parse_markdown(text, fmt="text")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    lines = [ln for ln in lines if ln.lower() not in _BOILERPLATE]
    meta = {}
    if lines and len(lines[0]) <= 120:
        meta["title"] = lines[0]
    return LoadedDocument(text=text, format="text", metadata=meta)
