"""Feedback on answers and drafts, and background ingest jobs: small repositories over the CRM database."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select

from assistant.crm.db import Database
from assistant.crm.models import FeedbackRow, IngestJobRow, utcnow

FeedbackReason = Literal["wrong_policy", "outdated", "missing", "tone", "should_have_escalated"]
JobStatus = Literal["queued", "running", "done", "failed"]


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


class IngestJob(BaseModel):
    """Status of a background ingest (``GET /v1/ingest/{job}``)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    paths: list[str]
    rebuild: bool
    summary: dict[str, object] | None = None
    error: str | None = None
    created_at: datetime
    finished_at: datetime | None = None


class FeedbackRepository:
    """Store and count feedback."""

    def __init__(self, db: Database) -> None:
        self.db = db

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


class IngestJobRepository:
    """Create and update background ingest jobs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, paths: list[str], *, rebuild: bool) -> IngestJob:
        """A new queued job."""
        with self.db.session() as session:
            row = IngestJobRow(id=uuid.uuid4().hex, status="queued", paths=json.dumps(paths), rebuild=rebuild)
            session.add(row)
            session.flush()
            return self._model(row)

    def update(
        self, job_id: str, *, status: JobStatus, summary: dict[str, object] | None = None, error: str | None = None
    ) -> None:
        """Move a job to ``status`` (finished jobs get their summary or error and an end time)."""
        with self.db.session() as session:
            row = session.get(IngestJobRow, job_id)
            if row is None:
                return
            row.status = status
            if summary is not None:
                row.summary = json.dumps(summary)
            row.error = error
            if status in ("done", "failed"):
                row.finished_at = utcnow()

    def get(self, job_id: str) -> IngestJob | None:
        """A job by id, or None."""
        with self.db.session() as session:
            row = session.get(IngestJobRow, job_id)
            return self._model(row) if row is not None else None

    @staticmethod
    def _model(row: IngestJobRow) -> IngestJob:
        return IngestJob(
            id=row.id,
            status=row.status,
            paths=json.loads(row.paths),
            rebuild=row.rebuild,  # type: ignore[arg-type]
            summary=json.loads(row.summary) if row.summary else None,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
