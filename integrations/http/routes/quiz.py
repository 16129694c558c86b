"""``/v1/quiz``: trainers create quizzes and read every score; agents answer and read their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool

from assistant.quiz.models import AnswerIn, Grade, QuizOut, QuizRequest, TopicScore
from assistant.quiz.service import answer_question, create_quiz, scores
from integrations.http.deps import ServicesDep, require

router = APIRouter(tags=["quiz"])
Trainer = Annotated[str, Depends(require("trainer", "admin"))]
Trainee = Annotated[str, Depends(require("agent", "trainer", "admin"))]


@router.post("/v1/quiz", response_model=QuizOut, status_code=201)
async def new_quiz(body: QuizRequest, services: ServicesDep, role: Trainer) -> QuizOut:
    """Create a quiz (topic, n, difficulty, language, trainees)."""
    return await run_in_threadpool(create_quiz, services, body)


def _own_user(request: Request, role: str, user: str | None) -> str | None:
    """An agent key bound to a user (``key:agent:user``) may only act as that user."""
    bound = getattr(request.state, "user", None)
    if role == "agent" and bound is not None:
        if user not in (None, bound):
            raise HTTPException(403, "this key may only answer and read its own quiz results")
        return str(bound)
    return user


@router.post("/v1/quiz/{quiz_id}/answers", response_model=Grade)
async def answer(quiz_id: str, body: AnswerIn, request: Request, services: ServicesDep, role: Trainee) -> Grade:
    """Grade and store one answer (an agent answers as themselves)."""
    user = _own_user(request, role, body.user) or body.user
    return await run_in_threadpool(answer_question, services, quiz_id, body.question_id, body.answer, user=user)


@router.get("/v1/quiz/scores", response_model=list[TopicScore])
async def get_scores(
    request: Request, services: ServicesDep, role: Trainee, user: Annotated[str | None, Query(max_length=64)] = None
) -> list[TopicScore]:
    """Scores per trainee and topic; an agent reads their own."""
    user = _own_user(request, role, user)
    if role == "agent" and user is None:
        raise HTTPException(403, "the agent role reads one trainee's scores: pass ?user=")
    return await run_in_threadpool(scores, services, user)
