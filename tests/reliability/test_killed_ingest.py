"""``kill -9`` of a real ``playbook ingest`` halfway through embedding, on embedded Chroma and on a Chroma server.

The previous generation must keep answering exactly as before, and the next ingest must complete and delete the
killed ingest's half-built collection.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from assistant.answering.ask import ask
from tests.conftest import make_pipeline
from tests.integrations.cli.helpers import one_json, run

from .helpers import (
    RETURN_QUESTION,
    Backend,
    batches,
    days_in,
    kill,
    slow_cli,
    stray_collections,
    wait_until,
    write_return_corpus,
)


def test_killed_ingest_keeps_previous_index_and_next_ingest_cleans_up(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a crash during ingest changes or breaks what serves, or leaves an orphaned collection."""
    data_dir = tmp_path / "data"
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    with backend.services(data_dir) as svc:
        first = make_pipeline(svc).run([corpus])
        before = ask(svc, RETURN_QUESTION)
    assert days_in(before.answer) == {30}

    write_return_corpus(corpus, 45, extra_docs=20, sections=8)  # 166 chunks: 11 slow batches of 16
    marker = tmp_path / "batches.log"
    proc = slow_cli(backend, data_dir, marker, "ingest", str(corpus), "--json")
    try:
        with backend.services(data_dir) as svc:
            wait_until(lambda: batches(marker) >= 3, proc)
            generations = svc.store.generations()
            assert len(generations) == 2 and first.collection in generations
            orphan = next(name for name in generations if name != first.collection)
            assert 0 < svc.store.open(orphan).count() < 166  # killed mid-way through embedding
    finally:
        out, err = kill(proc)
    assert proc.returncode == -signal.SIGKILL, (out, err)
    assert out == ""  # no summary: it never finished

    with backend.services(data_dir) as fresh:
        assert fresh.store.active_name() == first.collection
        after = ask(fresh, RETURN_QUESTION)
        assert (after.answer, after.citations) == (before.answer, before.citations)
        assert orphan in fresh.store.generations()
        assert any(name.startswith(orphan) for name in stray_collections(fresh))

    # The next ingest, through the CLI, completes and removes the orphan.
    for key, value in backend.env(data_dir).items():
        if key.startswith("PLAYBOOK_"):
            monkeypatch.setenv(key, value)
    result = run("ingest", str(corpus), "--json")
    assert result.exit_code == 0, result.output
    summary = one_json(result)
    assert (summary["updated"], summary["added"], summary["chunks"]) == (6, 20, 166)
    with backend.services(data_dir) as fresh:
        pointer = fresh.store.pointer()
        assert (pointer["active"], pointer["previous"]) == (summary["collection"], first.collection)
        assert fresh.store.generations() == sorted([summary["collection"], first.collection])
        assert stray_collections(fresh) == []
        assert days_in(ask(fresh, RETURN_QUESTION).answer) == {45}
