"""``GET /v1/clients/{id}`` and ``GET /v1/sla``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool

from assistant.crm.schemas import Client
from assistant.models import Channel, Priority, Tier
from assistant.policy.lookups import SlaLookup, client_view, sla_lookup
from integrations.http.deps import AnyRole, ServicesDep

router = APIRouter(tags=["clients", "sla"])


@router.get("/v1/clients/{client_id}", response_model=Client)
async def get_client(
    client_id: Annotated[str, Path(max_length=40)], services: ServicesDep, role: AnyRole
) -> Client:
    """A client: tier, plan, tenure, monthly value, churn risk, account owner, language."""
    return await run_in_threadpool(lambda: client_view(services.crm.clients, client_id))


@router.get("/v1/sla", response_model=SlaLookup)
async def get_sla(
    services: ServicesDep,
    role: AnyRole,
    tier: Tier,
    channel: Channel,
    priority: Priority = "normal",
    received_at: datetime | None = None,
    timezone: Annotated[str, Query(max_length=64)] = "UTC",
) -> SlaLookup:
    """SLA targets for tier × channel × priority; with ``received_at``, due times and state."""
    return await run_in_threadpool(
        lambda: sla_lookup(
            services.sla, services.retriever, tier=tier, channel=channel, priority=priority, received_at=received_at,
            timezone=timezone,
        )
    )
