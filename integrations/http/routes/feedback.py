"""``POST /v1/feedback``: rate an answer or draft (stored; durable once acknowledged)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from assistant.storage.feedback import Feedback, FeedbackIn
from integrations.http.deps import AnyRole, ServicesDep

router = APIRouter(tags=["feedback"])


@router.post("/v1/feedback", response_model=Feedback, status_code=201)
async def give_feedback(body: FeedbackIn, services: ServicesDep, role: AnyRole) -> Feedback:
    """Store a rating (up/down) with an optional reason and comment."""
    return await run_in_threadpool(services.crm.feedback.record, body, role=role)
