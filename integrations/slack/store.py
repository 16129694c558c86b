"""What the Slack app remembers, in the application database so every API worker shares it.

Tables: delivered event ids (retries are answered once), thread history (follow-ups use it), per-user
request times (rate limit), and the answers and drafts behind buttons (a click may reach another worker).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, String, Text, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.questions import Turn
from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow
from assistant.storage.engine import Database

HISTORY_TURNS = 20


class SlackEventRow(Base):
    """An Events API delivery already handled (by event id)."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)


class SlackTurnRow(Base):
    """One message of a Slack thread the assistant takes part in."""

    __tablename__ = "slack_turns"
    __table_args__ = (Index("ix_slack_turns_thread", "channel", "thread_ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SlackRequestRow(Base):
    """One request by a user (the rate limit counts these)."""

    __tablename__ = "slack_requests"
    __table_args__ = (Index("ix_slack_requests_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class SlackRecordRow(Base):
    """An answer or draft shown in Slack, kept for its buttons (feedback, escalate, share, copy, regenerate)."""

    __tablename__ = "slack_records"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    question: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


TABLES = tables_of(SlackEventRow, SlackTurnRow, SlackRequestRow, SlackRecordRow)


@dataclass
class SlackRecord:
    """An answer (``payload`` = Answer JSON) or a draft (``payload`` = request and Draft JSON) shown in Slack."""

    id: str
    kind: str
    user_id: str
    channel: str
    thread_ts: str | None
    question: str
    payload: dict[str, Any]
    created_at: datetime


class SlackStore:
    """Repository of the Slack tables; creates them if missing (they may postdate the database)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure(TABLES)

    def first_delivery(self, event_id: str) -> bool:
        """Record ``event_id``; False when it was already recorded (a retry or a duplicate)."""
        try:
            with self.db.session() as session:
                session.add(SlackEventRow(event_id=event_id[:64]))
        except IntegrityError:
            return False
        return True

    def thread_known(self, channel: str, thread_ts: str) -> bool:
        """Whether the assistant has answered in this thread."""
        with self.db.session() as session:
            query = select(SlackTurnRow.id).where(SlackTurnRow.channel == channel, SlackTurnRow.thread_ts == thread_ts)
            return session.scalar(query.limit(1)) is not None

    def history(self, channel: str, thread_ts: str) -> list[Turn]:
        """The thread's last turns, oldest first."""
        with self.db.session() as session:
            rows = session.scalars(
                select(SlackTurnRow)
                .where(SlackTurnRow.channel == channel, SlackTurnRow.thread_ts == thread_ts)
                .order_by(SlackTurnRow.id.desc())
                .limit(HISTORY_TURNS)
            ).all()
            return [Turn(role=r.role, text=r.text[:10_000]) for r in reversed(rows)]

    def add_turns(self, channel: str, thread_ts: str, turns: list[tuple[str, str]]) -> None:
        """Append (role, text) turns to a thread."""
        with self.db.session() as session:
            session.add_all(SlackTurnRow(channel=channel, thread_ts=thread_ts, role=r, text=t) for r, t in turns)

    def allow(self, user_id: str, *, limit: int, window_seconds: int) -> bool:
        """Count one request by ``user_id``; False (and not counted) when the window's limit is reached."""
        cutoff = utcnow() - timedelta(seconds=window_seconds)
        with self.db.session() as session:
            session.execute(
                delete(SlackRequestRow).where(SlackRequestRow.user_id == user_id, SlackRequestRow.created_at < cutoff)
            )
            used = session.scalar(
                select(func.count()).select_from(SlackRequestRow).where(SlackRequestRow.user_id == user_id)
            )
            if int(used or 0) >= limit:
                return False
            session.add(SlackRequestRow(user_id=user_id))
            return True

    def save(self, record: SlackRecord) -> None:
        """Store an answer or draft shown in Slack."""
        with self.db.session() as session:
            session.merge(
                SlackRecordRow(
                    id=record.id, kind=record.kind, user_id=record.user_id, channel=record.channel,
                    thread_ts=record.thread_ts, question=record.question, payload=json.dumps(record.payload),
                    created_at=record.created_at,
                )
            )

    def get(self, record_id: str) -> SlackRecord | None:
        """An answer or draft by id, or None."""
        with self.db.session() as session:
            row = session.get(SlackRecordRow, record_id[:64])
            if row is None:
                return None
            return SlackRecord(
                id=row.id, kind=row.kind, user_id=row.user_id, channel=row.channel, thread_ts=row.thread_ts,
                question=row.question, payload=json.loads(row.payload), created_at=row.created_at,
            )
