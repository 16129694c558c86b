"""What one ingest does: the serving manifest, the plan against it, and the checks on its outcome.

The plan sorts files into added, changed, unchanged and removed; the checks make sure every root yields a document
and doc ids are unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import NoDocuments
from assistant.models import Chunk, IngestSummary, SkippedFile
from assistant.retrieval.chroma.generation import ChromaGenerationIndex
from ingest.discovery import SourceFile


@dataclass
class Plan:
    """What an ingest does to each file."""

    added: list[SourceFile] = field(default_factory=list)
    changed: list[SourceFile] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        """Whether anything is added, changed or removed."""
        return bool(self.added or self.changed or self.removed)


def manifest(index: ChromaGenerationIndex | None) -> dict[str, str]:
    """Source -> content hash, read from the serving generation's chunk metadata."""
    if index is None:
        return {}
    out: dict[str, str] = {}
    for rec in index.iter_records(include=("metadatas",)):
        meta = rec["metadata"] or {}
        out[str(meta.get("source"))] = str(meta.get("source_hash"))
    return out


def make_plan(files: list[SourceFile], old: dict[str, str], rebuild: bool) -> Plan:
    """Sort the files into added, changed and unchanged against the serving manifest, and what is removed."""
    plan = Plan()
    for f in files:
        if f.source not in old:
            plan.added.append(f)
        elif rebuild or old[f.source] != f.sha256:
            plan.changed.append(f)
        else:
            plan.unchanged.append(f.source)
    current = {f.source for f in files}
    plan.removed = sorted(s for s in old if s not in current)
    return plan


def require_documents(roots: list[str], files: list[SourceFile], skipped: list[Any]) -> None:
    """Every root must yield at least one document: a mistyped or empty path is an error, not an empty corpus.

    Raises:
        NoDocuments: the first root without a document, with what was skipped there.
    """
    for root in roots:
        if not any(f.root == root for f in files):
            why = [s if isinstance(s, tuple) else (s.path, s.reason) for s in skipped]
            mine = [f"{p}: {r}" for p, r in why if p.split("/", 1)[0] == Path(root).name][:3]
            detail = f" (skipped: {'; '.join(mine)})" if mine else ""
            raise NoDocuments(f"no documents to index in {root}{detail}; nothing was changed")


def dedupe_doc_ids(chunks: list[Chunk], summary: IngestSummary) -> list[Chunk]:
    """Two files declaring the same doc_id: keep the first, report the second."""
    owner: dict[str, str] = {}
    out: list[Chunk] = []
    for c in chunks:
        first = owner.setdefault(c.doc_id, c.source)
        if first == c.source:
            out.append(c)
        elif not any(s.path == c.source for s in summary.skipped):
            summary.skipped.append(
                SkippedFile(path=c.source, reason=f"duplicate doc_id {c.doc_id!r} (also in {first})")
            )
    return out
