"""SQLAlchemy tables of the embedded CRM: clients, SLA policies and interactions.

Enumerated columns are plain strings guarded by CHECK constraints rather than native enum types, so
adding a value later is a one-line migration on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assistant.crm.schemas import CHANNELS, CHURN_RISKS, CLIENT_STATUSES, PRIORITIES, TIERS


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    """SQL text of ``column IN (...)`` for a CHECK constraint."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what the database returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the CRM tables."""


class ClientRow(Base):
    """A client account (one row of clients.csv)."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(_in("tier", TIERS), name="ck_clients_tier"),
        CheckConstraint(_in("churn_risk", CHURN_RISKS), name="ck_clients_churn_risk"),
        CheckConstraint(_in("status", CLIENT_STATUSES), name="ck_clients_status"),
        CheckConstraint("monthly_value >= 0", name="ck_clients_monthly_value"),
        CheckConstraint("tenure_months >= 0", name="ck_clients_tenure"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(1), index=True)
    plan: Mapped[str] = mapped_column(String(60))
    tenure_months: Mapped[int] = mapped_column(Integer)
    monthly_value: Mapped[float] = mapped_column(Numeric(14, 2, asdecimal=False))
    churn_risk: Mapped[str] = mapped_column(String(8))
    account_owner: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2))
    prior_refunds_12m: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SlaPolicyRow(Base):
    """SLA targets for one (tier, channel, priority); durations are ISO 8601 strings."""

    __tablename__ = "sla_policies"
    __table_args__ = (
        UniqueConstraint("tier", "channel", "priority", name="uq_sla_policies_key"),
        CheckConstraint(_in("tier", TIERS), name="ck_sla_policies_tier"),
        CheckConstraint(_in("channel", CHANNELS), name="ck_sla_policies_channel"),
        CheckConstraint(_in("priority", PRIORITIES), name="ck_sla_policies_priority"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tier: Mapped[str] = mapped_column(String(1))
    channel: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    first_response: Mapped[str] = mapped_column(String(32))
    resolution: Mapped[str] = mapped_column(String(32))
    business_hours: Mapped[str | None] = mapped_column(String(120), nullable=True)


class InteractionRow(Base):
    """Something that happened with a client, as an agent recorded it."""

    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(_in("channel", CHANNELS), name="ck_interactions_channel"),
        CheckConstraint("amount IS NULL OR amount >= 0", name="ck_interactions_amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    client_id: Mapped[str] = mapped_column(String(16), ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    typification: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(200), default="")
    amount: Mapped[float | None] = mapped_column(Numeric(14, 2, asdecimal=False), nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    escalate_to: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class FeedbackRow(Base):
    """A rating of an answer or draft by the person who received it."""

    __tablename__ = "feedback"
    __table_args__ = (CheckConstraint("rating IN ('up', 'down')", name="ck_feedback_rating"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    answer_id: Mapped[str] = mapped_column(String(64), index=True)
    rating: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class IngestJobRow(Base):
    """A background ingest started over HTTP; in the database so every API worker sees its status."""

    __tablename__ = "ingest_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    paths: Mapped[str] = mapped_column(Text)
    rebuild: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
