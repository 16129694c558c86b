"""``/v1/quiz`` over HTTP on the shared knowledge base: trainers create, agents answer, roles are enforced."""

from __future__ import annotations

import uuid

from assistant.services import Services

from .helpers import auth, kb_app, running


def test_quiz_routes_and_auth(kb_services: Services) -> None:
    """A failure means the quiz routes break their shape or let the wrong role create quizzes or read scores."""
    trainee = f"agent-{uuid.uuid4().hex[:8]}"
    body = {"topic": "sla", "n": 3, "difficulty": "easy", "users": [trainee]}
    with running(kb_app(kb_services)) as client:
        assert client.post("/v1/quiz", json=body).status_code == 401
        assert client.post("/v1/quiz", json=body, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert client.post("/v1/quiz", json=body, headers=auth("agent")).status_code == 403
        assert client.post("/v1/quiz", json=body, headers=auth("qa")).status_code == 403
        created = client.post("/v1/quiz", json=body, headers=auth("trainer"))
        assert created.status_code == 201, created.text
        quiz = created.json()
        assert {"quiz_id", "questions"} <= set(quiz) and len(quiz["questions"]) == 3
        q = quiz["questions"][0]
        assert {"id", "kind", "question", "citation"} <= set(q) and "reference" not in q
        url = f"/v1/quiz/{quiz['quiz_id']}/answers"
        answer = {"question_id": q["id"], "answer": "A", "user": trainee}
        assert client.post(url, json=answer).status_code == 401
        assert client.post(url, json=answer, headers=auth("qa")).status_code == 403
        graded = client.post(url, json=answer, headers=auth("agent"))
        assert graded.status_code == 200, graded.text
        assert set(graded.json()) == {"verdict", "score", "feedback", "reference", "citation"}
        assert client.post("/v1/quiz/nope/answers", json=answer, headers=auth("agent")).status_code == 404
        assert client.get("/v1/quiz/scores", headers=auth("agent")).status_code == 403
        own = client.get("/v1/quiz/scores", params={"user": trainee}, headers=auth("agent"))
        assert own.status_code == 200 and own.json()[0]["user"] == trainee
        assert client.get("/v1/quiz/scores", headers=auth("trainer")).status_code == 200
        bad = client.post("/v1/quiz", json={**body, "topic": "astrology"}, headers=auth("admin"))
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_quiz_request"


def test_agent_key_bound_to_a_user_answers_only_as_that_user(kb_services: Services) -> None:
    """A failure means an agent key bound to one trainee (key:agent:user) can answer or read as someone else."""
    from integrations.http import create_app
    from integrations.http.auth import KeyRing

    alice, bob = f"alice-{uuid.uuid4().hex[:6]}", f"bob-{uuid.uuid4().hex[:6]}"
    bound = "bound-agent-key-0123456789"
    trainer = "trainer-key-for-binding-test-01"
    keys = KeyRing(((bound, "agent", alice), (trainer, "trainer")))
    with running(create_app(kb_services.settings, services=kb_services, keys=keys)) as client:
        made = client.post(
            "/v1/quiz",
            json={"topic": "sla", "n": 1, "users": [alice, bob]},
            headers={"Authorization": f"Bearer {trainer}"},
        )
        assert made.status_code == 201, made.text
        quiz = made.json()
        url = f"/v1/quiz/{quiz['quiz_id']}/answers"
        question = quiz["questions"][0]["id"]
        as_bob = client.post(
            url,
            json={"question_id": question, "answer": "A", "user": bob},
            headers={"Authorization": f"Bearer {bound}"},
        )
        assert as_bob.status_code == 403 and as_bob.json()["error"]["code"] == "forbidden"
        as_alice = client.post(
            url,
            json={"question_id": question, "answer": "A", "user": alice},
            headers={"Authorization": f"Bearer {bound}"},
        )
        assert as_alice.status_code == 200, as_alice.text
        own = client.get("/v1/quiz/scores", headers={"Authorization": f"Bearer {bound}"})
        assert own.status_code == 200 and {row["user"] for row in own.json()} == {alice}
        other = client.get("/v1/quiz/scores", params={"user": bob}, headers={"Authorization": f"Bearer {bound}"})
        assert other.status_code == 403


def test_keys_with_a_user_are_parsed() -> None:
    """A failure means 'key:agent:user' entries are refused or lose their user."""
    from integrations.http.auth import _parse

    assert _parse("k" * 16 + ":agent:alice,", "test") == [("k" * 16, "agent", "alice")]
