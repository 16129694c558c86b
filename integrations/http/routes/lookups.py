"""``GET /v1/clients/{id}`` and ``GET /v1/sla``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from assistant.policy.lookups import client_json, sla_json
from integrations.http.deps import AnyRole, ServicesDep

router = APIRouter(tags=["clients", "sla"])


@router.get("/v1/clients/{client_id}")
async def get_client(
    client_id: Annotated[str, Path(max_length=40)], services: ServicesDep, role: AnyRole
) -> dict[str, Any]:
    """A client: tier, plan, tenure, monthly value, churn risk, account owner, language."""
    return await run_in_threadpool(client_json, services, client_id)


@router.get("/v1/sla")
async def get_sla(
    services: ServicesDep,
    role: AnyRole,
    tier: Literal["A", "B", "C"],
    channel: Literal["email", "chat", "phone", "ticket", "video"],
    priority: Literal["urgent", "high", "normal", "low"] = "normal",
    received_at: datetime | None = None,
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
) -> dict[str, Any]:
    """SLA targets for tier × channel × priority; with ``received_at``, due times and state."""
    return await run_in_threadpool(
        lambda: sla_json(services, tier, channel, priority, received_at=received_at, timezone=timezone)
    )
