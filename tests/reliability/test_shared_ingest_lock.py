"""Ingests from several hosts onto one Chroma server are serialised by a lock in the shared database.

The file lock covers one data dir; API workers on two hosts have two data dirs but write the same index.
With PostgreSQL (the shared database of a scale-out deployment) the pipeline also takes an advisory lock
named after the index: a second writer is refused with a clear message, and a writer killed with -9 frees
the lock (PostgreSQL ends its session), so a crash never blocks the next ingest.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from assistant.errors import IngestLocked
from ingest.pipeline import pipeline_for

from .chroma_server import ChromaServer
from .helpers import MAIN_DIR, Backend, pg_schema, write_return_corpus

PG_URL = os.environ.get("PLAYBOOK_TEST_DATABASE_URL")
needs_pg = pytest.mark.skipif(not PG_URL, reason="PLAYBOOK_TEST_DATABASE_URL is not set (PostgreSQL tests)")

HOLDER = """
import sys, time
from assistant.settings import Settings
from assistant.factory import build_services
from ingest.pipeline import pipeline_for
s = Settings(data_dir=sys.argv[1], embedding_model="hash", chroma_url=sys.argv[2], collection_prefix=sys.argv[3],
             database_url=sys.argv[4])
with build_services(s) as services, pipeline_for(services)._locks():
    print("locked", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def server_backend(chroma_server: ChromaServer) -> Backend:
    """The shared Chroma server, a fresh collection prefix."""
    return Backend(name="server", chroma_url=chroma_server.url, prefix=f"lock{uuid.uuid4().hex[:12]}")


@needs_pg
@pytest.mark.integration
def test_second_host_is_refused_while_the_first_ingests(server_backend: Backend, tmp_path: Path) -> None:
    """A failure means two hosts sharing one Chroma server and database can ingest at once (one deletes the
    other's half-built generation)."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    assert PG_URL
    with pg_schema(PG_URL) as url:
        host_a = server_backend.services(tmp_path / "host-a", database_url=url)
        host_b = server_backend.services(tmp_path / "host-b", database_url=url)
        try:
            with pipeline_for(host_a)._locks():
                with pytest.raises(IngestLocked, match="another host or worker"):
                    pipeline_for(host_b).run([corpus])
            summary = pipeline_for(host_b).run([corpus])  # released: the next one goes through
            assert summary.added > 0
        finally:
            host_a.close()
            host_b.close()


@needs_pg
@pytest.mark.integration
def test_a_killed_holder_does_not_block_the_next_ingest(server_backend: Backend, tmp_path: Path) -> None:
    """A failure means an ingest killed with -9 on one host blocks every later ingest until someone intervenes."""
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    assert PG_URL
    with pg_schema(PG_URL) as url:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(tmp_path / "host-a"), str(server_backend.chroma_url),
             server_backend.prefix, url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=MAIN_DIR,
            env={**server_backend.env(tmp_path / "host-a")},
        )
        try:
            assert holder.stdout is not None
            assert holder.stdout.readline().strip() == "locked", holder.stderr.read() if holder.stderr else ""
            host_b = server_backend.services(tmp_path / "host-b", database_url=url)
            try:
                with pytest.raises(IngestLocked):
                    pipeline_for(host_b).run([corpus])
                holder.send_signal(signal.SIGKILL)
                holder.wait(timeout=10)
                deadline = time.monotonic() + 10
                while True:  # PostgreSQL notices the dead session within moments
                    try:
                        summary = pipeline_for(host_b).run([corpus])
                        break
                    except IngestLocked:
                        assert time.monotonic() < deadline, "the lock outlived its killed holder"
                        time.sleep(0.2)
                assert summary.added > 0
            finally:
                host_b.close()
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait()


def test_sqlite_deployments_rely_on_the_file_lock(tmp_path: Path) -> None:
    """A failure means a one-host SQLite setup takes a needless database lock (or lost its file lock)."""
    backend = Backend(name="embedded", chroma_url=None, prefix="sqlitelock")
    with backend.services(tmp_path / "data") as services:
        pipeline = pipeline_for(services)
        assert pipeline.shared_lock is None
        assert pipeline.lock_path == tmp_path / "data" / "ingest.lock"
