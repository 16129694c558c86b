"""SQLAlchemy tables of the embedded CRM: clients and interactions.

Enumerated columns are plain strings guarded by CHECK constraints rather than native enum types, so
adding a value later is a one-line migration on every backend.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.crm.schemas import CHURN_RISKS, CLIENT_STATUSES
from assistant.models import CHANNELS, TIERS
from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow


def _in(column: str, values: tuple[str, ...]) -> str:
    """SQL text of ``column IN (...)`` for a CHECK constraint."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


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


TABLES = tables_of(ClientRow, InteractionRow)
