"""The SQLite CRM database survives ``kill -9`` in the middle of writes: every acknowledged feedback row and quiz
answer is there after a restart, and the file passes ``PRAGMA integrity_check`` (WAL journal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from assistant.quiz.store import QuizAnswerRow
from assistant.storage.engine import Database
from assistant.storage.feedback import FeedbackIn, FeedbackRepository, FeedbackRow
from tests.conftest import hash_settings

from .helpers import MAIN_DIR

ACKS_BEFORE_KILL = 300


def write_until_killed(kind: str, data_dir: Path) -> list[str]:
    """Run the writer subprocess, SIGKILL it after some acknowledged writes; return every acknowledged key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
    env.update(PLAYBOOK_DATA_DIR=str(data_dir), PYTHONPATH=str(MAIN_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.sqlite_writer", kind], cwd=data_dir.parent,
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    acked: list[str] = []
    try:
        assert proc.stdout is not None
        while len(acked) < ACKS_BEFORE_KILL:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"writer exited early: {proc.communicate()[1]}")
            acked.append(line.strip().removeprefix("ack "))
        os.kill(proc.pid, signal.SIGKILL)  # while it keeps writing
        rest, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return acked + [line.removeprefix("ack ") for line in rest.splitlines() if line.startswith("ack ")]


def reopened(data_dir: Path) -> Database:
    """The database after the crash, opened as a restarted process would, checked for integrity and WAL mode."""
    db = Database.from_settings(hash_settings(data_dir))
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    return db


@pytest.mark.parametrize("kind", ["feedback", "quiz"])
def test_acknowledged_writes_survive_kill(kind: str, tmp_path: Path) -> None:
    """A failure means a write the user was told is saved can be lost (or the file corrupted) by a crash."""
    data_dir = tmp_path / "data"
    acked = write_until_killed(kind, data_dir)
    with reopened(data_dir) as db, db.session() as session:
        if kind == "feedback":
            stored = {str(i) for i in session.scalars(select(FeedbackRow.id))}
        else:
            stored = set(session.scalars(select(QuizAnswerRow.answer)))
    assert len(acked) >= ACKS_BEFORE_KILL
    assert set(acked) <= stored
    assert len(stored) - len(acked) <= 1  # at most the one committed while its ack was being printed
    with reopened(data_dir) as db:  # still writable after the crash
        assert FeedbackRepository(db).record(FeedbackIn(answer_id="after-crash", rating="up")).id > 0
