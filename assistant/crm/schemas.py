"""Typed CRM data that crosses layers: clients, SLA policy rows and interactions.

The vocabularies live once: tiers, channels, priorities and the client-id rule in :mod:`assistant.models`, churn
risks and statuses here; the SQLAlchemy models and the CSV seeding use the same tuples, so a check constraint and
a validation error can never disagree.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.models import Channel, ClientId, Priority, Tier

ChurnRisk = Literal["low", "medium", "high"]
ClientStatus = Literal["active", "inactive", "cancellation_requested"]

CHURN_RISKS: tuple[str, ...] = get_args(ChurnRisk)
CLIENT_STATUSES: tuple[str, ...] = get_args(ClientStatus)

MAX_SUMMARY_CHARS = 2000
MAX_AMOUNT = 1_000_000
# ISO 8601 durations as the SLA table writes them (PT20S, PT4H, P3D, P1DT2H).
ISO_DURATION_RE = re.compile(r"P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?")


def _check_timezone(value: str) -> str:
    """Accept only IANA zone names that zoneinfo can load."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown IANA time zone {value[:40]!r}") from None
    return value


def _check_duration(value: str) -> str:
    """Accept only ISO 8601 durations of days, hours, minutes and seconds (``PT4H``, ``P3D``)."""
    if not ISO_DURATION_RE.fullmatch(value):
        raise ValueError(f"not an ISO 8601 duration like PT4H or P3D: {value[:40]!r}")
    return value


IsoDuration = Annotated[str, Field(min_length=2, max_length=32), AfterValidator(_check_duration)]
TimeZoneName = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_timezone)]


class Client(BaseModel):
    """One CRM client, as the tools, the HTTP API and the drafts see it."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    id: ClientId
    name: str = Field(min_length=1, max_length=200)
    tier: Tier
    plan: str = Field(min_length=1, max_length=60)
    tenure_months: int = Field(ge=0, le=1200)
    monthly_value: float = Field(ge=0, le=10_000_000_000, allow_inf_nan=False)
    churn_risk: ChurnRisk
    account_owner: str = Field(min_length=1, max_length=120)
    language: str = Field(pattern=r"^[a-z]{2}$")
    prior_refunds_12m: int = Field(ge=0, le=1000)
    status: ClientStatus
    timezone: TimeZoneName
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


class SlaPolicy(BaseModel):
    """One row of the SLA table: targets for a tier, channel and priority."""

    model_config = ConfigDict(str_strip_whitespace=True, frozen=True)

    tier: Tier
    channel: Channel
    priority: Priority
    first_response: IsoDuration
    resolution: IsoDuration
    business_hours: str | None = Field(None, max_length=120)


class InteractionIn(BaseModel):
    """An interaction to record against a client (a call, a refund request, an escalation...)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    client_id: str = Field(min_length=1, max_length=64)
    channel: Channel
    typification: str = Field(min_length=1, max_length=16, description="Code from typification.csv.")
    summary: str = Field(min_length=1, max_length=MAX_SUMMARY_CHARS)
    outcome: str = Field("", max_length=200)
    amount: float | None = Field(None, ge=0, le=MAX_AMOUNT, allow_inf_nan=False)
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$")
    requires_approval: bool = False
    escalate_to: str | None = Field(None, max_length=120)
    created_by: str = Field(min_length=1, max_length=120)


class Interaction(InteractionIn):
    """A recorded interaction, with its id and UTC creation time."""

    id: int
    created_at: datetime


class SeedReport(BaseModel):
    """What one seeding run changed; all zeros when the CSV files and the database already agree."""

    clients_added: int = 0
    clients_updated: int = 0
    sla_rows: int = Field(
        0, description="Always 0: the SLA is read from sla.csv, not stored (kept so the JSON shape is unchanged)."
    )
