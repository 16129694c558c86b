"""The ingest pipeline: discover, diff against the serving index, load, chunk, embed, store, switch.

Incremental: files are compared by content hash with the serving generation; unchanged files keep
their chunks (and embeddings, copied without re-embedding), changed ones are replaced, deleted ones
removed. Atomic: the result is a new generation, and the pointer moves only when it is complete.
One ingest at a time per data dir (a file lock).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout

from assistant.errors import IngestLocked
from assistant.models import Chunk, IngestSummary, SkippedFile
from assistant.retrieval.chroma.generation import ChromaGenerationIndex
from assistant.retrieval.chroma.store import ChromaStore
from assistant.retrieval.ports import Embedder
from ingest.chunking import Chunker
from ingest.corpus import encode_roots, guard_removals, recorded_roots
from ingest.discovery import SourceFile, check_root, discover
from ingest.limits import IngestLimits
from ingest.loaders import UnreadableFile, load_document
from ingest.plan import Plan, dedupe_doc_ids, make_plan, manifest, require_documents
from ingest.screening import screen_document

if TYPE_CHECKING:
    from assistant.services import Services

Progress = Callable[[str, int, int], None]
EMBED_STEP = 512  # most chunks one embedding call takes
STEP_SECONDS = 0.5  # steps are sized to take about this long, so progress moves at least once a second


def document_id(source: str, meta: dict[str, Any]) -> str:
    """Front matter ``doc_id`` if given, else the source path without its extension."""
    given = str(meta.get("doc_id") or "").strip()
    return given or re.sub(r"\.[^./]+$", "", source)


class IngestPipeline:
    """Builds index generations from folders of documents."""

    def __init__(
        self, store: ChromaStore, embedder: Embedder, chunker: Chunker, *, lock_path: Path | None = None,
        shared_lock: Callable[[], AbstractContextManager[bool]] | None = None, limits: IngestLimits | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.chunker = chunker
        self.limits = limits or IngestLimits()
        self.lock_path = lock_path
        self.shared_lock = shared_lock  # serialises ingests of hosts sharing one Chroma server (see pipeline_for)

    @property
    def fingerprint(self) -> str:
        """Embedding model and chunker settings; a change forces a full rebuild."""
        return f"{self.embedder.name}|{self.chunker.fingerprint}"

    def run(
        self, paths: list[Path], *, rebuild: bool = False, replace: bool = False, progress: Progress | None = None
    ) -> IngestSummary:
        """Make ``paths`` the corpus: ingest them into a new generation (or do nothing when nothing changed).

        Args:
            paths: files or folders; together they are the whole corpus, and the index records them as its roots.
            rebuild: re-load and re-embed every file.
            replace: confirm an ingest that removes most of the indexed documents.
            progress: called as ``progress(stage, done, total)``.

        Returns:
            The ingest summary of PRODUCT.md.

        Raises:
            IngestLocked: another ingest is running on this data dir.
            SourceNotFound: a path does not exist or is neither a folder nor a supported file.
            NoDocuments: a path yields no document to index.
            ReplaceRequired: most documents would be removed and ``replace`` is false.
        """
        with self._locks():
            summary = self._run(paths, rebuild, replace, progress or (lambda *_: None))
        return summary

    @contextmanager
    def _locks(self) -> Iterator[None]:
        """This data dir's file lock, then the lock shared by every host writing the same index."""
        with ExitStack() as held:
            if self.lock_path is not None:
                self.lock_path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(self.lock_path))
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    raise IngestLocked(
                        f"another ingest is running on this data dir (lock: {self.lock_path})"
                    ) from None
                held.callback(lock.release)
            if self.shared_lock is not None and not held.enter_context(self.shared_lock()):
                raise IngestLocked("another ingest is running against this index (another host or worker)")
            yield

    def _run(self, paths: list[Path], rebuild: bool, replace: bool, report: Progress) -> IngestSummary:
        started = time.perf_counter()
        roots = list(dict.fromkeys(str(check_root(p)) for p in paths))
        report("scan", 0, len(roots))
        files, unsupported = discover([Path(r) for r in roots])
        require_documents(roots, files, unsupported)
        summary = IngestSummary(skipped=[SkippedFile(path=p, reason=r) for p, r in unsupported])
        pointer = self.store.pointer()
        active = self.store.open(pointer["active"]) if pointer.get("active") else None
        same_fingerprint = pointer.get("fingerprint") == self.fingerprint
        rebuild = rebuild or not same_fingerprint
        old = {} if active is None else manifest(active)
        plan = make_plan(files, old, rebuild)
        guard_removals(plan.removed, len(old), replace=replace)
        info = {"roots": encode_roots(roots)}
        if not plan.touched and active is not None:
            return self._keep_serving(summary, active, plan, len(plan.unchanged), started, info)
        new_chunks, kept_sources = self._load(plan, old, summary, report)
        require_documents(roots, [f for f in files if f.source in kept_sources or f.source in
                                   {c.source for c in new_chunks}], summary.skipped)
        if active is not None and same_fingerprint and not new_chunks and kept_sources == set(old):
            # Every added or changed file was skipped: the serving generation is still exact.
            return self._keep_serving(summary, active, plan, len(kept_sources), started, info)
        loaded = {c.source for c in new_chunks}
        summary.documents = len(kept_sources) + len(loaded)
        target = self.store.new_generation()
        try:
            if active is not None and kept_sources:
                self._copy(active, target, kept_sources, report)
            self._embed_into(target, new_chunks, report)
            summary.chunks = target.count()
            report("switch", 0, 1)
            self.store.switch(target.name, {
                "fingerprint": self.fingerprint, "embedding_model": self.embedder.name,
                "documents": summary.documents, "chunks": summary.chunks, **info,
            })
            report("switch", 1, 1)
        except BaseException:
            self._discard(target)
            raise
        # Files that were skipped (unreadable) are neither added nor updated.
        summary.added = sum(f.source in loaded for f in plan.added)
        summary.updated = sum(f.source in loaded for f in plan.changed)
        summary.removed = len(plan.removed)
        summary.unchanged = len(plan.unchanged)
        summary.collection = target.name
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _keep_serving(
        self, summary: IngestSummary, active: ChromaGenerationIndex, plan: Plan, documents: int, started: float,
        info: dict[str, Any],
    ) -> IngestSummary:
        """Nothing to change: keep the serving generation and report it (recording the roots if they changed)."""
        self.store.drop_orphans()
        summary.unchanged = len(plan.unchanged)
        summary.documents = documents
        summary.chunks = active.count()
        summary.collection = active.name
        if recorded_roots(self.store.pointer()) != recorded_roots(info) or "documents" not in self.store.pointer():
            self.store.annotate({**info, "documents": documents, "chunks": summary.chunks})
        summary.seconds = round(time.perf_counter() - started, 3)
        return summary

    def _load(
        self, plan: Plan, old: dict[str, str], summary: IngestSummary, report: Progress
    ) -> tuple[list[Chunk], set[str]]:
        """Load and chunk added/changed files; a file that fails keeps its previous version if any."""
        kept = set(plan.unchanged)
        chunks: list[Chunk] = []
        todo = plan.added + plan.changed
        report("load", 0, len(todo))
        for n, f in enumerate(todo, start=1):
            try:
                doc_chunks = self._chunks_of(f, summary, room=self.limits.max_chunks - len(chunks))
            except UnreadableFile as exc:
                reason = str(exc)
                if f.source in old:
                    kept.add(f.source)
                    reason += "; the previously indexed version is kept"
                summary.skipped.append(SkippedFile(path=f.source, reason=reason))
                continue
            finally:
                report("load", n, len(todo))
            chunks.extend(doc_chunks)
        ids = [c.id for c in chunks]
        if len(ids) != len(set(ids)):
            chunks = dedupe_doc_ids(chunks, summary)
        return chunks, kept

    def _chunks_of(self, f: SourceFile, summary: IngestSummary, *, room: int) -> list[Chunk]:
        """One file's chunks, screened and within the limits (``room``: chunks this ingest may still add)."""
        doc, found = screen_document(load_document(f.path, self.limits))
        if found:
            summary.warnings.append(f"{f.source}: " + "; ".join(found))
        doc_chunks = self.chunker.chunk(
            doc, source=f.source, doc_id=document_id(f.source, doc.metadata), source_hash=f.sha256
        )
        if not doc_chunks:
            raise UnreadableFile("no text to index")
        if len(doc_chunks) > self.limits.max_document_chunks:
            raise UnreadableFile(
                f"{len(doc_chunks)} chunks, over the limit of {self.limits.max_document_chunks} per document "
                "(PLAYBOOK_INGEST_MAX_DOCUMENT_CHUNKS)"
            )
        if len(doc_chunks) > room:
            raise UnreadableFile(
                f"this ingest reached its limit of {self.limits.max_chunks} new chunks (PLAYBOOK_INGEST_MAX_CHUNKS)"
            )
        return doc_chunks

    def _copy(
        self, src: ChromaGenerationIndex, dst: ChromaGenerationIndex, sources: set[str], report: Progress
    ) -> None:
        """Copy the records of unchanged files with their embeddings (no re-embedding)."""
        batch: dict[str, list[Any]] = {"ids": [], "vectors": [], "texts": [], "metas": []}
        total = src.count()
        for n, rec in enumerate(src.iter_records(include=("documents", "metadatas", "embeddings")), start=1):
            if str((rec["metadata"] or {}).get("source")) in sources:
                batch["ids"].append(rec["id"])
                batch["vectors"].append(list(rec["embedding"]))
                batch["texts"].append(rec["document"])
                batch["metas"].append(rec["metadata"])
            if len(batch["ids"]) >= 1000 or n == total:
                dst.upsert(batch["ids"], batch["vectors"], batch["texts"], batch["metas"])
                batch = {k: [] for k in batch}
                report("copy", n, total)
        if batch["ids"]:
            dst.upsert(batch["ids"], batch["vectors"], batch["texts"], batch["metas"])

    def _embed_into(self, dst: ChromaGenerationIndex, chunks: list[Chunk], report: Progress) -> None:
        # Embed in length order across the whole set, as one encode() call would: each step then pads its
        # batches to similar lengths (the profile showed step-local sorting costing ~10 % against bare encode).
        # Steps start small and grow to about STEP_SECONDS of work, so progress moves often on any machine.
        chunks = sorted(chunks, key=lambda c: len(c.index_text))
        warm_up = getattr(self.embedder, "warm_up", None)
        if chunks and callable(warm_up):  # loading the model is its own step: the embedding rate leaves it out
            report("model", 0, 1)
            warm_up()
            report("model", 1, 1)
        step = min(64, EMBED_STEP)
        start = 0
        report("embed", 0, len(chunks))
        while start < len(chunks):
            part = chunks[start : start + step]
            began = time.perf_counter()
            vectors = self.embedder.embed_documents([c.index_text for c in part])
            dst.upsert([c.id for c in part], vectors, [c.text for c in part], [c.metadata for c in part])
            start += len(part)
            report("embed", start, len(chunks))
            rate = len(part) / max(time.perf_counter() - began, 1e-6)
            step = max(min(64, EMBED_STEP), min(EMBED_STEP, round(rate * STEP_SECONDS / 64) * 64))

    def _discard(self, target: ChromaGenerationIndex) -> None:
        try:
            self.store.discard(target.name)
        except Exception:  # noqa: BLE001, S110 - best effort; drop_orphans() retries on the next ingest
            pass


def pipeline_for(services: Services) -> IngestPipeline:
    """The ingest pipeline for ``services``, with every lock it needs.

    The chunker comes from the settings and the file lock from the data dir. When the database is shared
    across hosts (PostgreSQL), a database lock on the index is added, so API workers and CLIs on several
    hosts writing one Chroma server never ingest at once.
    """
    settings = services.settings
    shared = None
    if settings.database_url is not None:
        db = services.crm.db
        if db.shared_across_hosts:
            where = settings.chroma_url or str(settings.chroma_path.resolve())
            name = f"playbook-ingest:{where}:{settings.collection_prefix}"
            shared = partial(db.advisory_lock, name)
    return IngestPipeline(
        services.store, services.embedder,
        Chunker(chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap),
        lock_path=settings.data_dir / "ingest.lock", shared_lock=shared, limits=IngestLimits.from_settings(settings),
    )
