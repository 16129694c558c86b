"""Heading-aware chunking: one chunk per section (split further only when long), with the section path.

LangChain's ``MarkdownHeaderTextSplitter`` finds the sections (it knows code fences) and
``RecursiveCharacterTextSplitter`` cuts long ones at paragraph, line, then sentence boundaries.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from assistant.models import SECTION_SEPARATOR, Chunk
from assistant.retrieval.filters import audience_flags
from assistant.text import detect_language
from ingest.loaders.base import LoadedDocument

CHUNKER_VERSION = "4"  # bump when chunk text or index text changes (4: ingest screening): forces a rebuild
_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3"), ("####", "h4"), ("#####", "h5"), ("######", "h6")]
_KEEP_META = ("owner", "version", "effective_date", "audience", "topic", "category")


def clean_heading(text: str) -> str:
    """Drop Markdown emphasis, emoji and decoration from a heading."""
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"^[^\w¿¡(]+", "", text, flags=re.UNICODE)
    return re.sub(r"\s+", " ", text).strip(" :")


def slug(text: str) -> str:
    """URL-ish slug of a heading, for stable chunk ids."""
    text = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-")
    return text[:100].strip("-") or "section"


def _scalar(value: Any) -> str | int | float | bool:
    """Chroma metadata accepts scalars only."""
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


class Chunker:
    """Turns a loaded document into chunks that carry their section path and document metadata."""

    def __init__(self, *, chunk_size: int = 1200, chunk_overlap: int = 150) -> None:
        self.chunk_size = chunk_size
        self.chunk_overlap = min(chunk_overlap, chunk_size // 2)
        self._sections = MarkdownHeaderTextSplitter(_LEVELS, strip_headers=True)
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_size, chunk_overlap=self.chunk_overlap,
            separators=["\n\n", "\n", ". ", "; ", " ", ""], keep_separator="end",
        )

    @property
    def fingerprint(self) -> str:
        """Changes whenever chunks would come out differently: a reason to rebuild the index."""
        return f"v{CHUNKER_VERSION}-{self.chunk_size}-{self.chunk_overlap}"

    def chunk(self, doc: LoadedDocument, *, source: str, doc_id: str, source_hash: str) -> list[Chunk]:
        """Split a document into chunks with stable ids ``<doc_id>#<section slug>/<n>``."""
        sections = self._sections.split_text(doc.text)
        first_h1 = next((clean_heading(s.metadata["h1"]) for s in sections if s.metadata.get("h1")), "")
        title = str(doc.metadata.get("title") or first_h1 or doc_id)
        language = str(doc.metadata.get("language") or detect_language(doc.text[:6000]))[:2].lower()
        base_meta = {k: _scalar(doc.metadata[k]) for k in _KEEP_META if doc.metadata.get(k) not in (None, "")}
        base_meta.update(
            doc_id=doc_id, title=title, source=source, language=language, format=doc.format,
            source_hash=source_hash,
        )
        base_meta.update(audience_flags(doc.metadata.get("audience")))  # makes {"audience": "agents"} filterable
        chunks: list[Chunk] = []
        seen_ids: set[str] = set()
        for section_index, section in enumerate(sections):
            headings = [clean_heading(section.metadata[key]) for _, key in _LEVELS if key in section.metadata]
            if headings and headings[0] in (title, first_h1):
                headings = headings[1:]
            path = SECTION_SEPARATOR.join(h for h in headings if h)
            body = section.page_content.replace("  \n", "\n\n").strip()
            if not re.search(r"\w", body):
                continue
            key = slug(path.replace(SECTION_SEPARATOR, " ")) if path else "overview"
            while key in seen_ids:
                key += "-2"
            seen_ids.add(key)
            pieces = self._splitter.split_text(body) if len(body) > self.chunk_size else [body]
            for chunk_index, piece in enumerate(pieces):
                meta = dict(base_meta, section=path, section_index=section_index, chunk_index=chunk_index)
                chunks.append(
                    Chunk(
                        id=f"{doc_id}#{key}/{chunk_index}", text=piece.strip(), doc_id=doc_id, title=title,
                        section=path, source=source, language=language, section_index=section_index,
                        chunk_index=chunk_index, metadata=meta,
                    )
                )
        return chunks
