"""Background ingest jobs: in the database so every API worker sees a job's status."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow
from assistant.storage.engine import Database

JobStatus = Literal["queued", "running", "done", "failed"]


class IngestJobRow(Base):
    """A background ingest started over HTTP."""

    __tablename__ = "ingest_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    paths: Mapped[str] = mapped_column(Text)
    rebuild: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


TABLES = tables_of(IngestJobRow)


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


class IngestJobRepository:
    """Create and update background ingest jobs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure(TABLES)

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
            rebuild=row.rebuild,
            summary=json.loads(row.summary) if row.summary else None,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
