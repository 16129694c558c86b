"""``/v1/quiz`` over HTTP on the shared knowledge base: trainers create, agents answer, roles are enforced."""

from __future__ import annotations

import uuid

from assistant.factory import Services

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
