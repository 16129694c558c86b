"""Load and chunk a folder without embedding or storing anything: what an ingest *would* index.

The evaluation suite resolves its labels against these chunks when the index lives on another machine,
and the benchmark measures the embedding floor on exactly the texts the pipeline embeds. Same loaders,
same chunker, same ids as :class:`ingest.pipeline.IngestPipeline`.
"""

from __future__ import annotations

from pathlib import Path

from assistant.models import Chunk
from ingest.chunking import Chunker
from ingest.discovery import discover
from ingest.loaders import UnreadableFile, load_document
from ingest.pipeline import document_id


def chunk_folder(paths: list[Path], chunker: Chunker) -> list[Chunk]:
    """The chunks an ingest of ``paths`` would index (unreadable files are left out, as ingest skips them).

    Raises:
        SourceNotFound: a path does not exist.
    """
    files, _ = discover(paths)
    chunks: list[Chunk] = []
    for f in files:
        try:
            doc = load_document(f.path)
        except UnreadableFile:
            continue
        chunks.extend(
            chunker.chunk(doc, source=f.source, doc_id=document_id(f.source, doc.metadata), source_hash=f.sha256)
        )
    return chunks
