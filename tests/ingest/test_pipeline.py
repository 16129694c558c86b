"""The ingest pipeline on a small corpus with the hash embedder and a real embedded Chroma in tmp_path:
incremental (hash diff), atomic (generations + pointer), locked, and robust to unreadable files."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock

from assistant.answering.ask import ask
from assistant.errors import IngestLocked, SourceNotFound
from assistant.factory import build_services
from assistant.services import Services
from tests.conftest import hash_settings, make_pipeline

SEEDS_DIR = Path(__file__).resolve().parents[3] / "shared" / "seeds"
MAIN_DIR = Path(__file__).resolve().parents[2]

DOCS = {
    "refunds.md": "---\ntitle: Refund Policy\nowner: CX Ops\n---\n# Refund Policy\n\n## Approval\n\n"
    "Refunds above 200 euros need approval from the team lead within two business days.\n",
    "vip.md": "# VIP Handling\n\n## Greeting\n\nVIP customers are greeted by name and routed to the concierge queue.\n",
    "crisis.md": "# Crisis Communication\n\n## Status updates\n\n"
    "During an outage the communications lead publishes a status page update every thirty minutes.\n",
    "loyalty.md": "# Loyalty Programme\n\n## Points\n\nMembers earn bronze points on every purchase.\n",
}


@pytest.fixture(autouse=True)
def _quiet_pypdf() -> None:
    """pypdf logs "EOF marker not found" for the corrupt PDF; expected noise here."""
    logging.getLogger("pypdf").setLevel(logging.ERROR)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder of four small Markdown documents."""
    root = tmp_path / "corpus"
    root.mkdir()
    for name, text in DOCS.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Hash-embedder services on a fresh data dir; never abstain, so plumbing is what is tested."""
    with build_services(hash_settings(tmp_path / "data", abstain_threshold=0.0)) as svc:
        yield svc


def index_texts(services: Services) -> dict[str, str]:
    """Chunk id -> text of the serving generation."""
    return {r["id"]: r["document"] for r in services.store.open_active().iter_records()}


def index_sources(services: Services) -> set[str]:
    """Sources present in the serving generation."""
    return {r["metadata"]["source"] for r in services.store.open_active().iter_records(include=("metadatas",))}


def top_text(services: Services, query: str) -> str:
    """Text of the best retrieved chunk for an English query."""
    results, _ = services.retriever.retrieve(query, language="en", k=3)
    assert results, query
    return results[0].chunk.text


def test_first_run_adds_every_document(services: Services, corpus: Path) -> None:
    """A failure means a first ingest miscounts documents/chunks or does not make the new generation serve."""
    summary = make_pipeline(services).run([corpus])
    assert summary.added == summary.documents == 4
    assert summary.updated == summary.removed == summary.unchanged == 0
    assert summary.chunks == 4
    assert summary.skipped == []
    assert summary.collection == services.store.active_name()
    assert index_sources(services) == {f"corpus/{n}" for n in DOCS}
    pointer = services.store.pointer()
    assert pointer["embedding_model"] == "hash-256"
    assert pointer["fingerprint"] == f"hash-256|{make_pipeline(services).chunker.fingerprint}"


def test_second_run_is_all_unchanged_and_keeps_collection(services: Services, corpus: Path) -> None:
    """A failure means an unchanged corpus is re-indexed (a new generation) instead of being skipped."""
    pipeline = make_pipeline(services)
    first = pipeline.run([corpus])
    second = pipeline.run([corpus])
    assert second.unchanged == second.documents == 4
    assert second.added == second.updated == second.removed == 0
    assert second.chunks == first.chunks
    assert second.collection == first.collection == services.store.active_name()
    assert services.store.generations() == [first.collection]


def test_edited_file_is_updated_and_old_text_is_gone(services: Services, corpus: Path) -> None:
    """A failure means an edited file is not re-indexed, or its old text still answers questions."""
    pipeline = make_pipeline(services)
    first = pipeline.run([corpus])
    assert "bronze points" in top_text(services, "What do loyalty members earn on every purchase?")
    (corpus / "loyalty.md").write_text(
        "# Loyalty Programme\n\n## Points\n\nMembers earn platinum stars on every purchase.\n", encoding="utf-8"
    )
    summary = pipeline.run([corpus])
    assert (summary.updated, summary.added, summary.removed, summary.unchanged) == (1, 0, 0, 3)
    assert summary.collection != first.collection
    texts = index_texts(services)
    assert not any("bronze" in t for t in texts.values())
    assert texts["corpus/loyalty#points/0"] == "Members earn platinum stars on every purchase."
    assert "platinum stars" in top_text(services, "What do loyalty members earn on every purchase?")
    answer = ask(services, "What do loyalty members earn on every purchase?")
    assert not answer.abstained
    assert "platinum stars" in answer.answer and "bronze" not in answer.answer
    assert answer.citations[0].source == "corpus/loyalty.md"


def test_deleted_file_is_removed(services: Services, corpus: Path) -> None:
    """A failure means a deleted file's chunks keep serving answers."""
    pipeline = make_pipeline(services)
    pipeline.run([corpus])
    (corpus / "vip.md").unlink()
    summary = pipeline.run([corpus])
    assert (summary.removed, summary.added, summary.updated, summary.unchanged) == (1, 0, 0, 3)
    assert summary.documents == 3 and summary.chunks == 3
    assert "corpus/vip.md" not in index_sources(services)
    assert not any("concierge" in t for t in index_texts(services).values())


def test_new_file_is_added(services: Services, corpus: Path) -> None:
    """A failure means a new file is not indexed incrementally (or the others are needlessly re-indexed)."""
    pipeline = make_pipeline(services)
    pipeline.run([corpus])
    (corpus / "training.md").write_text(
        "# Training\n\n## Onboarding\n\nNew hires shadow a senior agent for ten days.\n"
    )
    summary = pipeline.run([corpus])
    assert (summary.added, summary.updated, summary.removed, summary.unchanged) == (1, 0, 0, 4)
    assert summary.documents == 5
    assert "shadow a senior agent" in top_text(services, "How long do new hires shadow a senior agent?")


def test_rebuild_updates_every_document(services: Services, corpus: Path) -> None:
    """A failure means --rebuild does not re-index every file."""
    pipeline = make_pipeline(services)
    first = pipeline.run([corpus])
    summary = pipeline.run([corpus], rebuild=True)
    assert (summary.updated, summary.added, summary.removed, summary.unchanged) == (4, 0, 0, 0)
    assert summary.documents == 4 and summary.chunks == first.chunks
    assert summary.collection != first.collection


def test_unreadable_files_are_skipped_with_reason(services: Services, corpus: Path) -> None:
    """A failure means a corrupt PDF or binary file aborts the ingest, goes unreported, or counts as added."""
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n" + random.Random(7).randbytes(3000))
    (corpus / "blob.txt").write_bytes(b"header\x00\x00\x01\x02binary payload")
    (corpus / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    pipeline = make_pipeline(services)
    summary = pipeline.run([corpus])
    reasons = {s.path: s.reason for s in summary.skipped}
    assert set(reasons) == {"corpus/broken.pdf", "corpus/blob.txt", "corpus/sheet.xlsx"}
    assert reasons["corpus/broken.pdf"].startswith("corrupt PDF")
    assert reasons["corpus/blob.txt"] == "binary file (NUL bytes), not text"
    assert reasons["corpus/sheet.xlsx"] == "unsupported file type .xlsx"
    assert summary.added == summary.documents == 4
    assert index_sources(services) == {f"corpus/{n}" for n in DOCS}
    # Unchanged unreadable files must not force a new generation on the next run.
    again = pipeline.run([corpus])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert again.collection == summary.collection
    assert {s.path for s in again.skipped} == set(reasons)


def test_indexed_file_that_becomes_unreadable_keeps_old_chunks(services: Services, corpus: Path) -> None:
    """A failure means a file that turns unreadable loses its indexed version or is not reported as skipped."""
    pipeline = make_pipeline(services)
    first = pipeline.run([corpus])
    (corpus / "vip.md").write_bytes(b"\x00\x01corrupted by a bad sync\x00")
    summary = pipeline.run([corpus])
    skipped = {s.path: s.reason for s in summary.skipped}
    assert list(skipped) == ["corpus/vip.md"]
    assert "binary file" in skipped["corpus/vip.md"]
    assert "previously indexed version is kept" in skipped["corpus/vip.md"]
    assert summary.updated == 0 and summary.documents == 4
    assert summary.collection == first.collection
    assert "concierge queue" in index_texts(services)["corpus/vip#greeting/0"]

    # With another change in the same run, the old chunks are carried into the new generation.
    (corpus / "crisis.md").write_text("# Crisis Communication\n\n## Status updates\n\nUpdate the page hourly.\n")
    summary = pipeline.run([corpus])
    assert summary.collection != first.collection
    assert summary.updated == 1 and summary.documents == 4
    assert [s.path for s in summary.skipped] == ["corpus/vip.md"]
    texts = index_texts(services)
    assert "concierge queue" in texts["corpus/vip#greeting/0"]
    assert texts["corpus/crisis#status-updates/0"] == "Update the page hourly."


def test_only_active_and_previous_generations_are_kept(services: Services, corpus: Path) -> None:
    """A failure means old generations pile up in Chroma (or the previous one is not kept for rollback)."""
    pipeline = make_pipeline(services)
    names = []
    for n in range(4):
        (corpus / "loyalty.md").write_text(f"# Loyalty Programme\n\n## Points\n\nRevision {n} of the points rule.\n")
        names.append(pipeline.run([corpus]).collection)
    assert len(set(names)) == 4
    pointer = services.store.pointer()
    assert pointer["active"] == names[-1] and pointer["previous"] == names[-2]
    assert services.store.generations() == sorted(names[-2:])


def test_concurrent_ingest_is_refused(services: Services, corpus: Path) -> None:
    """A failure means two ingests could write the same data dir at once."""
    lock_path = services.settings.data_dir / "ingest.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock_path)), pytest.raises(IngestLocked, match="another ingest is running"):
        make_pipeline(services).run([corpus])
    assert services.store.active_name() is None
    assert make_pipeline(services).run([corpus]).added == 4  # the lock is free again


def test_missing_path_raises_source_not_found(services: Services, tmp_path: Path) -> None:
    """A failure means a typo in the ingest path is silently treated as an empty corpus."""
    with pytest.raises(SourceNotFound, match="no-such-folder"):
        make_pipeline(services).run([tmp_path / "no-such-folder"])
    assert services.store.active_name() is None


CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {main!r})
import ingest.pipeline as pipeline_module
from assistant.factory import build_services
from assistant.retrieval.embedder import HashEmbedder
from tests.conftest import hash_settings, make_pipeline

pipeline_module.EMBED_STEP = 1
marker = Path({marker!r})

class SlowEmbedder(HashEmbedder):
    def embed_documents(self, texts):
        with marker.open("a") as fh:
            fh.write("embed\\n")
        time.sleep(0.5)
        return super().embed_documents(texts)

services = build_services(hash_settings(Path({data!r})), embedder=SlowEmbedder(256))
make_pipeline(services).run([Path({corpus!r})])
print("child finished the ingest")
"""


def test_killed_ingest_leaves_previous_generation_serving(services: Services, corpus: Path, tmp_path: Path) -> None:
    """A failure means a killed ingest breaks the serving index, or its half-built generation is never cleaned up."""
    question = "What do loyalty members earn on every purchase?"
    first = make_pipeline(services).run([corpus])
    (corpus / "loyalty.md").write_text(
        "# Loyalty Programme\n\n## Points\n\nMembers earn platinum stars on every purchase.\n"
        + "".join(f"\n## Extra {n}\n\nFiller paragraph {n} about the stars scheme.\n" for n in range(30)),
        encoding="utf-8",
    )
    marker = tmp_path / "embed-calls.log"
    script = textwrap.dedent(CHILD).format(
        main=str(MAIN_DIR), marker=str(marker), data=str(services.settings.data_dir), corpus=str(corpus)
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and len(marker.read_text().splitlines()) >= 2):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "child never started embedding"
            time.sleep(0.05)
        generations = services.store.generations()
        assert len(generations) == 2 and first.collection in generations
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode == -signal.SIGKILL
    assert "child finished" not in stdout
    orphan = next(n for n in generations if n != first.collection)

    # The pointer never moved: the old content still answers, from a fresh client too.
    assert services.store.active_name() == first.collection
    with build_services(hash_settings(services.settings.data_dir, abstain_threshold=0.0)) as fresh:
        assert fresh.store.active_name() == first.collection
        old_answer = ask(fresh, question)
        assert "bronze points" in old_answer.answer and "platinum" not in old_answer.answer

        # The next ingest completes, serves the new content and deletes the orphan.
        summary = make_pipeline(fresh).run([corpus])
        assert summary.updated == 1 and summary.unchanged == 3
        pointer = fresh.store.pointer()
        assert pointer["active"] == summary.collection and pointer["previous"] == first.collection
        assert orphan not in fresh.store.generations()
        assert set(fresh.store.generations()) <= {pointer["active"], pointer["previous"]}
        new_answer = ask(fresh, question)
        assert "platinum stars" in new_answer.answer and "bronze" not in new_answer.answer


def test_seed_documents_ingest_cleanly(services: Services) -> None:
    """A failure means a seed document is skipped, lost, or indexed with mojibake left in it."""
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed folder not present: {SEEDS_DIR}")
    seeds = sorted(p.name for p in SEEDS_DIR.iterdir() if p.is_file())
    assert len(seeds) == 5
    summary = make_pipeline(services).run([SEEDS_DIR])
    assert summary.skipped == []
    assert summary.added == summary.documents == 5
    assert index_sources(services) == {f"seeds/{name}" for name in seeds}
    texts = index_texts(services)
    assert len(texts) == summary.chunks > 5
    assert not [cid for cid, t in texts.items() if "Ã" in t or "â€" in t]
