"""Scale-out: two API workers (separate apps, data dirs and Chroma clients) share one Chroma server and one
database. An ingest through either is served by both, job status and feedback are shared, nothing is cached stale."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.factory import make_crm
from assistant.settings import Settings
from integrations.http.app import create_app
from tests.integrations.http.helpers import KEYRING, assert_error, auth, running

from .chroma_server import ChromaServer
from .helpers import RETURN_QUESTION, Backend, days_in, write_return_corpus

WORKERS = 4


def ingest_through(worker: TestClient, other: TestClient, corpus: Path) -> dict[str, Any]:
    """Start an ingest on ``worker``; read its (finished) job from ``other``, through the shared database."""
    started = worker.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth("admin"))
    assert started.status_code == 202, started.text
    job = other.get(f"/v1/ingest/{started.json()['id']}", headers=auth("admin")).json()
    assert job["status"] == "done", job
    return job["summary"]  # type: ignore[no-any-return]


def days_answered(worker: TestClient) -> set[int]:
    """The return windows in ``worker``'s answer to the return question."""
    response = worker.post("/v1/ask", json={"question": RETURN_QUESTION}, headers=auth())
    assert response.status_code == 200, response.text
    assert response.json()["citations"]
    return days_in(response.json()["answer"])


@pytest.mark.integration
def test_two_workers_share_one_chroma_server_and_one_database(
    chroma_server: ChromaServer, fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    """A failure means workers cannot share a Chroma server and database, or a worker keeps serving a stale index."""
    backend = Backend(name="server", chroma_url=chroma_server.url, prefix=f"t{uuid.uuid4().hex[:12]}")
    database_url = fresh_database()
    corpus = write_return_corpus(tmp_path / "corpus", 30)
    settings_a = backend.settings(tmp_path / "worker-a", database_url=database_url)
    settings_b = backend.settings(tmp_path / "worker-b", database_url=database_url)
    with running(create_app(settings_a, keys=KEYRING)) as a, running(create_app(settings_b, keys=KEYRING)) as b:
        # Both started before any index existed.
        assert_error(b.post("/v1/ask", json={"question": RETURN_QUESTION}, headers=auth()), 503, "index_missing")

        first = ingest_through(a, b, corpus)
        assert first["added"] == 6
        assert days_answered(a) == days_answered(b) == {30}

        write_return_corpus(corpus, 45)
        second = ingest_through(b, a, corpus)
        assert (second["updated"], second["collection"] != first["collection"]) == (6, True)
        assert days_answered(a) == days_answered(b) == {45}  # A notices the pointer B moved, without a restart

        rating = a.post("/v1/feedback", json={"answer_id": "ans-shared", "rating": "down"}, headers=auth())
        assert rating.status_code == 201, rating.text
        rows = b.app.state.services.crm.feedback.for_answer("ans-shared")  # type: ignore[attr-defined]
        assert [r.id for r in rows] == [rating.json()["id"]]

        store = a.app.state.services.store  # type: ignore[attr-defined]
        assert store.generations() == sorted([first["collection"], second["collection"]])
    assert not (tmp_path / "worker-a" / "playbook.db").exists()  # the CRM lives only in the shared database


def start_workers_together(settings: Settings) -> tuple[list[int], list[str]]:
    """Open (and seed) the CRM from WORKERS threads released at the same moment: client counts and errors."""
    barrier, counts, errors = threading.Barrier(WORKERS), [], []

    def start_worker() -> None:
        barrier.wait()
        try:
            crm = make_crm(settings)  # what each worker's lifespan does first
            counts.append(len(crm.clients.list()))
            crm.db.close()
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(repr(exc))

    threads = [threading.Thread(target=start_worker) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return counts, errors


def test_workers_starting_together_on_a_fresh_database_all_come_up(
    fresh_database: Callable[[], str], tmp_path: Path
) -> None:
    """A failure means workers started at the same moment on a new shared database crash with "table already
    exists" (they race to create the schema and seed it)."""
    for _ in range(3):
        settings = Backend("embedded", None, "playbook").settings(tmp_path / "data", database_url=fresh_database())
        counts, errors = start_workers_together(settings)
        assert errors == []
        assert len(counts) == WORKERS and len(set(counts)) == 1 and counts[0] > 0  # seeded once, seen by all
