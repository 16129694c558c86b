"""``POST /v1/drafts``: a policy-checked refund or rescue reply for one client."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from assistant.entry import draft
from assistant.models import Draft, DraftRequest
from integrations.http.deps import Drafter, MetricsDep, ServicesDep

router = APIRouter(tags=["drafts"])


@router.post("/v1/drafts", response_model=Draft)
async def create_draft(body: DraftRequest, services: ServicesDep, metrics: MetricsDep, role: Drafter) -> Draft:
    """Draft a reply that follows the policy for this client's tier, SLA and approvals."""
    result = await run_in_threadpool(draft, services, body)
    metrics.drafts.labels(result.kind, result.recommended_action).inc()
    return result
