"""PDF text with pypdf; each page becomes a section so citations can name the page."""

from __future__ import annotations

from pathlib import Path

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import PyPdfError

from ingest.limits import IngestLimits, size_text
from ingest.loaders.base import LoadedDocument, UnreadableFile
from ingest.loaders.decoding import repair_text

# pypdf's own bounds on one decoded stream (75 MB each by default), lowered to ours; ours bound the whole document.
_STREAM_LIMITS = (
    "zlib_maximum_output_length", "lzw_maximum_output_length", "run_length_maximum_output_length",
    "brotli_maximum_output_length", "array_based_stream_maximum_output_length",
)
PYPDF_STREAM_LIMIT = 75_000_000


def _content_bytes(page: PageObject) -> int:
    contents = page.get_contents()
    return len(contents.get_data()) if contents is not None else 0


def _pages(reader: PdfReader, limits: IngestLimits) -> list[str]:
    """Each page's text, refusing the document once its content streams or its text pass the limits."""
    unpacked = chars = 0
    pages: list[str] = []
    for page in reader.pages:
        unpacked += _content_bytes(page)
        if unpacked > limits.max_unpacked_bytes:
            raise UnreadableFile(
                f"PDF content unpacks to over {size_text(limits.max_unpacked_bytes)} "
                "(PLAYBOOK_INGEST_MAX_UNPACKED_BYTES; a decompression bomb?)"
            )
        text = (page.extract_text() or "").strip()
        chars += len(text)
        if chars > limits.max_document_chars:
            raise UnreadableFile(
                f"over {limits.max_document_chars:,} characters of text (PLAYBOOK_INGEST_MAX_DOCUMENT_CHARS)"
            )
        pages.append(text)
    return pages


def load_pdf(path: Path, limits: IngestLimits | None = None) -> LoadedDocument:
    """Load a PDF's text layer, within the limits (default: the default limits).

    Raises:
        UnreadableFile: the PDF is corrupt, encrypted, over a limit, or has no text layer (scanned).
    """
    limits = limits or IngestLimits()
    bound = min(limits.max_unpacked_bytes, PYPDF_STREAM_LIMIT)
    try:
        with apply_configuration(None, **dict.fromkeys(_STREAM_LIMITS, bound)):
            reader = PdfReader(str(path))
            if reader.is_encrypted:
                raise UnreadableFile("encrypted PDF")
            pages = _pages(reader, limits)
            info = reader.metadata
    except UnreadableFile:
        raise
    except PyPdfError as exc:
        if type(exc).__name__ == "LimitReachedError":
            raise UnreadableFile(
                f"a PDF stream unpacks to over {size_text(bound)} (PLAYBOOK_INGEST_MAX_UNPACKED_BYTES; "
                "a decompression bomb?)"
            ) from exc
        raise UnreadableFile(f"corrupt PDF: {type(exc).__name__}") from exc
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadableFile(f"corrupt PDF: {type(exc).__name__}") from exc
    if not any(pages):
        raise UnreadableFile("PDF has no text layer (scanned?)")
    parts = [f"## Page {n}\n\n{repair_text(text)}" for n, text in enumerate(pages, start=1) if text]
    meta: dict[str, str] = {}
    if info is not None and info.title:
        meta["title"] = str(info.title)
    if info is not None and info.author:
        meta["owner"] = str(info.author)
    return LoadedDocument(text="\n\n".join(parts), format="pdf", metadata=meta)
