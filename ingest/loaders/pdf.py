"""PDF text with pypdf; each page becomes a section so citations can name the page."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import PyPdfError

from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.decoding import repair_text


def load_pdf(path: Path) -> LoadedDocument:
    """Load a PDF's text layer.

    Raises:
        UnreadableFile: the PDF is corrupt, encrypted, or has no text layer (scanned).
    """
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise UnreadableFile("encrypted PDF")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata or {}
    except UnreadableFile:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"corrupt PDF: {type(exc).__name__}") from exc
    if not any(pages):
        raise UnreadableFile("PDF has no text layer (scanned?)")
    parts = [f"## Page {n}\n\n{repair_text(text)}" for n, text in enumerate(pages, start=1) if text]
    meta: dict[str, str] = {}
    if getattr(info, "title", None):
        meta["title"] = str(info.title)
    if getattr(info, "author", None):
        meta["owner"] = str(info.author)
    return LoadedDocument(text="\n\n".join(parts), format="pdf", metadata=meta)
