"""Two ingests at once on one data dir: the second is refused with a clear message (CLI and HTTP), the first
completes untouched, and a server that ran all along then answers from its result. The lock is a file in the data
dir, so this holds for embedded Chroma and for a Chroma server alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.answering.ask import ask
from integrations.http.app import create_app
from tests.conftest import make_pipeline
from tests.integrations.cli.helpers import assert_clean_error, one_json, run
from tests.integrations.http.helpers import KEYRING, auth, running

from .helpers import RETURN_QUESTION, Backend, batches, days_in, kill, slow_cli, wait_until, write_return_corpus


def days_answered(client: TestClient) -> set[int]:
    """The return windows stated in the server's answer to the return question."""
    response = client.post("/v1/ask", json={"question": RETURN_QUESTION}, headers=auth())
    assert response.status_code == 200, response.text
    return days_in(response.json()["answer"])


def test_second_ingest_is_refused_while_one_runs(
    backend: Backend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a second ingest ran into the first one's data dir (or failed unclearly), or the first broke."""
    data_dir = tmp_path / "data"
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    with backend.services(data_dir) as svc:
        first = make_pipeline(svc).run([corpus]).collection
    write_return_corpus(corpus, 45, extra_docs=4, sections=8)  # 38 chunks: 3 slow batches
    for key, value in backend.env(data_dir).items():
        if key.startswith("PLAYBOOK_"):
            monkeypatch.setenv(key, value)

    marker = tmp_path / "batches.log"
    # 1.5 s per batch: the in-process refusals and the app start-up must fit inside the slow ingest on a loaded machine.
    proc = slow_cli(backend, data_dir, marker, "ingest", str(corpus), "--json", delay=1.5)
    try:
        wait_until(lambda: batches(marker) >= 1, proc)
        plain = run("ingest", str(corpus))
        line = assert_clean_error(plain)
        assert line == f"error: another ingest is running on this data dir (lock: {data_dir / 'ingest.lock'})"
        as_json = run("ingest", str(corpus), "--json")
        assert as_json.exit_code == 1
        assert one_json(as_json)["error"]["code"] == "ingest_locked"
        with running(create_app(backend.settings(data_dir), keys=KEYRING)) as client:
            job = client.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth("admin")).json()
            job = client.get(f"/v1/ingest/{job['id']}", headers=auth("admin")).json()
            assert job["status"] == "failed" and job["error"].startswith("ingest_locked: another ingest is running")
            assert days_answered(client) == {30}
            out, err = proc.communicate(timeout=120)
            # The long-running server notices the generation the other process switched to.
            assert days_answered(client) == {45}
    finally:
        if proc.poll() is None:
            kill(proc)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert (summary["updated"], summary["added"], summary["chunks"]) == (6, 4, 38)

    with backend.services(data_dir) as svc:
        assert svc.store.active_name() == summary["collection"]
        assert svc.store.generations() == sorted([first, summary["collection"]])  # the refused ones made none
        assert svc.store.open_active().count() == 38
        assert days_in(ask(svc, RETURN_QUESTION).answer) == {45}
