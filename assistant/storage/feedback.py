"""Feedback on answers and drafts: the table, its models and a small repository."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow
from assistant.storage.engine import Database

FeedbackReason = Literal["wrong_policy", "outdated", "missing", "tone", "should_have_escalated"]


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


TABLES = tables_of(FeedbackRow)


class FeedbackIn(BaseModel):
    """A rating (``POST /v1/feedback``)."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    rating: Literal["up", "down"]
    reason: FeedbackReason | None = None
    comment: str | None = Field(None, max_length=2000, pattern=r"^[^\x00]*$")  # PostgreSQL text cannot hold NUL


class Feedback(FeedbackIn):
    """A stored rating."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: int
    role: str | None = None
    created_at: datetime


class FeedbackRepository:
    """Store and count feedback."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure(TABLES)

    def record(self, item: FeedbackIn, *, role: str | None = None) -> Feedback:
        """Store one rating; it is durable once this returns."""
        with self.db.session() as session:
            row = FeedbackRow(**item.model_dump(), role=role)
            session.add(row)
            session.flush()
            return Feedback.model_validate(row)

    def for_answer(self, answer_id: str) -> list[Feedback]:
        """Every rating of one answer, oldest first."""
        with self.db.session() as session:
            rows = session.scalars(
                select(FeedbackRow).where(FeedbackRow.answer_id == answer_id).order_by(FeedbackRow.id)
            )
            return [Feedback.model_validate(r) for r in rows]

    def count(self) -> int:
        """Number of stored ratings."""
        with self.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(FeedbackRow)) or 0)
