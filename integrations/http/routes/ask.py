"""``POST /v1/ask``: a grounded answer with citations, as JSON or as Server-Sent Events."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from assistant.entry import answer
from assistant.models import Answer
from assistant.questions import AskRequest
from integrations.http.deps import AnyRole, MetricsDep, ServicesDep

router = APIRouter(tags=["ask"])
log = logging.getLogger("playbook.http")


def _events(result: Answer) -> Iterator[str]:
    """SSE: ``meta`` (id, confidence), one ``delta`` per answer line, ``citations``, then ``done``."""
    meta = {"id": result.id, "abstained": result.abstained, "confidence": result.confidence}
    yield f"event: meta\ndata: {json.dumps(meta)}\n\n"
    for line in result.answer.splitlines():
        yield f"event: delta\ndata: {json.dumps({'text': line + chr(10)}, ensure_ascii=False)}\n\n"
    citations = [c.model_dump(mode="json") for c in result.citations]
    yield f"event: citations\ndata: {json.dumps(citations, ensure_ascii=False)}\n\n"
    yield f"event: done\ndata: {json.dumps(result.model_dump(mode='json'), ensure_ascii=False)}\n\n"


@router.post("/v1/ask", response_model=Answer, responses={200: {"content": {"text/event-stream": {}}}})
async def ask(
    body: AskRequest, request: Request, services: ServicesDep, metrics: MetricsDep, role: AnyRole
) -> Answer | StreamingResponse:
    """Answer a question from the playbook (``Accept: text/event-stream`` streams it)."""
    result = await run_in_threadpool(answer, services, body)
    metrics.answers.labels(str(result.abstained).lower()).inc()
    if services.settings.log_questions:
        log.info(json.dumps({"question": body.question, "answer_id": result.id}))
    if "text/event-stream" in request.headers.get("accept", ""):
        return StreamingResponse(_events(result), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    return result
