"""Writes over HTTP, on throwaway data dirs (hash embedder): feedback is stored durably once acknowledged, and
``POST /v1/ingest`` runs a background job whose status ``GET /v1/ingest/{job}`` reports."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.factory import build_services
from integrations.http.app import create_app
from tests.conftest import hash_settings

from .helpers import INGEST_KEYS, KEYRING, assert_error, auth, running, write_corpus


def wait_for_job(client: TestClient, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    """Poll GET /v1/ingest/{job} until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(f"/v1/ingest/{job_id}", headers=auth("admin"))
        assert response.status_code == 200, response.text
        job = response.json()
        assert job["status"] in ("queued", "running", "done", "failed"), job
        if job["status"] in ("done", "failed") or time.monotonic() > deadline:
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)


# --- feedback ------------------------------------------------------------------------------------------------


def test_feedback_is_stored_and_survives_a_restart(tmp_path: Path) -> None:
    """A failure means an acknowledged rating is lost, stored with other values, or gone after a restart."""
    settings = hash_settings(tmp_path / "data")
    body = {"answer_id": "ans-123", "rating": "down", "reason": "outdated", "comment": "The limit changed in May."}
    with running(create_app(settings, keys=KEYRING)) as client:
        response = client.post("/v1/feedback", json=body, headers=auth("trainer"))
        assert response.status_code == 201, response.text
        stored = response.json()
        assert {k: stored[k] for k in body} == body
        assert stored["role"] == "trainer" and isinstance(stored["id"], int) and stored["created_at"]
        client.post("/v1/feedback", json={"answer_id": "ans-123", "rating": "up"}, headers=auth("agent"))
        rows = client.app.state.services.crm.feedback.for_answer("ans-123")  # type: ignore[attr-defined]
        assert [(r.rating, r.role) for r in rows] == [("down", "trainer"), ("up", "agent")]
        assert rows[0].id == stored["id"] and rows[0].comment == body["comment"]

    with build_services(hash_settings(tmp_path / "data")) as services:
        rows = services.crm.feedback.for_answer("ans-123")
        assert [(r.rating, r.reason, r.comment, r.role) for r in rows] == [
            ("down", "outdated", "The limit changed in May.", "trainer"), ("up", None, None, "agent")]
        assert services.crm.feedback.for_answer("other") == []

    with running(create_app(hash_settings(tmp_path / "data"), keys=KEYRING)) as client:
        assert len(client.app.state.services.crm.feedback.for_answer("ans-123")) == 2  # type: ignore[attr-defined]


def test_feedback_on_a_real_answer_id(tmp_path: Path) -> None:
    """A failure means the id that /v1/ask returns cannot be rated."""
    settings = hash_settings(tmp_path / "data")
    services = build_services(settings)
    from tests.conftest import make_pipeline

    make_pipeline(services).run([write_corpus(tmp_path / "corpus")])
    try:
        with running(create_app(settings, services=services, keys=KEYRING)) as client:
            answer = client.post("/v1/ask", json={"question": "Who approves large refunds?"}, headers=auth("agent"))
            assert answer.status_code == 200, answer.text
            answer_id = answer.json()["id"]
            response = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"}, headers=auth("qa"))
            assert response.status_code == 201, response.text
            assert [r.role for r in services.crm.feedback.for_answer(answer_id)] == ["qa"]
    finally:
        services.close()


# --- ingest --------------------------------------------------------------------------------------------------


def test_admin_ingest_runs_in_the_background_and_reports_the_summary(tmp_path: Path) -> None:
    """A failure means POST /v1/ingest does not index the folder, or its job never reports the ingest summary."""
    corpus = write_corpus(tmp_path / "corpus")
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[tmp_path]), keys=KEYRING)) as client:
        assert client.get("/readyz").status_code == 503
        before = client.post("/v1/ask", json={"question": "Who approves large refunds?"}, headers=auth("agent"))
        assert_error(before, 503, "index_missing")

        response = client.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth("admin"))
        assert response.status_code == 202, response.text
        job = response.json()
        assert job["paths"] == [str(corpus.resolve())] and job["rebuild"] is False
        assert job["status"] in ("queued", "running", "done") and job["id"]

        done = wait_for_job(client, job["id"])
        assert done["status"] == "done", done
        assert done["error"] is None and done["finished_at"]
        summary = done["summary"]
        assert INGEST_KEYS <= set(summary)
        assert (summary["documents"], summary["added"], summary["removed"], summary["skipped"]) == (3, 3, 0, [])
        assert summary["chunks"] >= 3 and summary["seconds"] >= 0

        assert client.get("/readyz").status_code == 200
        after = client.post("/v1/ask", json={"question": "Who approves refunds above 200 euros?"},
                            headers=auth("agent"))
        assert after.status_code == 200, after.text
        assert any(c["title"] == "Refund Policy" for c in after.json()["citations"])

        again = client.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth("admin")).json()
        summary = wait_for_job(client, again["id"])["summary"]
        assert (summary["unchanged"], summary["added"]) == (3, 0)


def test_ingest_rebuild_flag_is_recorded(tmp_path: Path) -> None:
    """A failure means `rebuild: true` is dropped between the request and the job."""
    corpus = write_corpus(tmp_path / "corpus")
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[tmp_path]), keys=KEYRING)) as client:
        job = client.post("/v1/ingest", json={"paths": [str(corpus)], "rebuild": True}, headers=auth("admin")).json()
        assert job["rebuild"] is True
        assert wait_for_job(client, job["id"])["status"] == "done"


def test_ingest_of_a_missing_path_is_422_source_not_found(tmp_path: Path) -> None:
    """A failure means ingesting a path the server does not have queues a doomed job instead of a clear 422."""
    corpus = write_corpus(tmp_path / "corpus")
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[tmp_path]), keys=KEYRING)) as client:
        missing = str(tmp_path / "nowhere")
        error = assert_error(
            client.post("/v1/ingest", json={"paths": [str(corpus), missing]}, headers=auth("admin")),
            422, "source_not_found",
        )
        assert "nowhere" in error["message"]


@pytest.mark.parametrize("role", ["agent", "trainer", "qa"])
def test_ingest_needs_the_admin_role(tmp_path: Path, role: str) -> None:
    """A failure means a non-admin key can re-index the knowledge base or read ingest jobs."""
    corpus = write_corpus(tmp_path / "corpus")
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[tmp_path]), keys=KEYRING)) as client:
        assert_error(client.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth(role)), 403, "forbidden")
        assert client.get("/readyz").json()["status"] == "not_ready"
        job = client.post("/v1/ingest", json={"paths": [str(corpus)]}, headers=auth("admin")).json()
        assert_error(client.get(f"/v1/ingest/{job['id']}", headers=auth(role)), 403, "forbidden")


def test_ingest_outside_the_allowed_roots_is_refused_and_queues_nothing(tmp_path: Path) -> None:
    """A failure means an admin key can index /etc (or any folder) outside PLAYBOOK_INGEST_ROOTS."""
    allowed = tmp_path / "allowed"
    write_corpus(allowed / "corpus")
    outside = write_corpus(tmp_path / "outside")
    (allowed / "escape").symlink_to(outside, target_is_directory=True)
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[allowed]), keys=KEYRING)) as client:
        for body in ({"paths": ["/etc"]}, {"paths": [str(outside)]}, {"add": [str(outside)]},
                     {"paths": [str(allowed / "escape")]}, {"paths": [str(allowed / ".." / "outside")]}):
            error = assert_error(client.post("/v1/ingest", json=body, headers=auth("admin")), 422, "path_not_allowed")
            assert "PLAYBOOK_INGEST_ROOTS" in error["message"]
        (allowed / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
        assert_error(client.post("/v1/ingest", json={"paths": [str(allowed / "passwd")]}, headers=auth("admin")),
                     422, "source_not_found")
        (allowed / "empty").mkdir()
        empty = client.post("/v1/ingest", json={"paths": [str(allowed / "empty")]}, headers=auth("admin")).json()
        failed = wait_for_job(client, empty["id"])
        assert failed["status"] == "failed" and failed["error"].startswith("no_documents")
        assert client.get("/readyz").status_code == 503
        job = client.post("/v1/ingest", json={"paths": [str(allowed / "corpus")]}, headers=auth("admin")).json()
        assert wait_for_job(client, job["id"])["status"] == "done"


def test_ingest_over_http_remembers_adds_removes_and_guards_the_corpus(tmp_path: Path) -> None:
    """A failure means HTTP ingest lacks the CLI's corpus: a bare call re-ingests the demo, or guts the index."""
    first = write_corpus(tmp_path / "first")
    second = tmp_path / "second"
    second.mkdir()
    (second / "loyalty.md").write_text("# Loyalty\n\n## Points\n\nOne point per euro spent.\n")
    admin = auth("admin")
    with running(create_app(hash_settings(tmp_path / "data", ingest_roots=[tmp_path]), keys=KEYRING)) as client:
        def ingest(body: dict[str, Any]) -> dict[str, Any]:
            response = client.post("/v1/ingest", json=body, headers=admin)
            assert response.status_code == 202, response.text
            return wait_for_job(client, response.json()["id"])

        assert ingest({"paths": [str(first)]})["summary"]["documents"] == 3
        bare = ingest({})
        assert bare["paths"] == [str(first.resolve())] and bare["summary"]["unchanged"] == 3
        assert ingest({"add": [str(second)]})["summary"]["documents"] == 4
        gutted = ingest({"paths": [str(second)]})
        assert gutted["status"] == "failed" and gutted["error"].startswith("replace_required")
        ready = client.get("/readyz").json()
        assert ready["index"]["documents"] == 4
        assert ready["index"]["roots"] == [str(first.resolve()), str(second.resolve())]
        assert ingest({"remove": [str(first)]})["summary"]["documents"] == 1
        assert client.get("/readyz").json()["index"]["generation"] == 3
        error = assert_error(client.post("/v1/ingest", json={"paths": [str(first)], "add": [str(second)]},
                                         headers=admin), 422, "invalid_input")
        assert "--add" in error["message"]
