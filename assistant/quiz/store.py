"""Quiz tables (in the application database) and the repository over them: quizzes, their questions, answers.

Scores are not a table of their own: they are averages over the stored answers (the latest per trainee and
question), per trainee and per topic, so a re-answer replaces the old score and nothing can drift.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from assistant.quiz.models import AnswerRecord, Grade, Question, TopicScore
from assistant.storage.base import Base, UtcDateTime, tables_of, utcnow
from assistant.storage.engine import Database


class QuizRow(Base):
    """A quiz a trainer created."""

    __tablename__ = "quizzes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    difficulty: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(2))
    users: Mapped[str] = mapped_column(Text, default="[]")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class QuizQuestionRow(Base):
    """One generated question, stored whole (JSON) so grading never depends on a later re-index."""

    __tablename__ = "quiz_questions"

    quiz_id: Mapped[str] = mapped_column(String(32), ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)


class QuizAnswerRow(Base):
    """A trainee's graded answer."""

    __tablename__ = "quiz_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quiz_id: Mapped[str] = mapped_column(String(32), ForeignKey("quizzes.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(16))
    user: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


TABLES = tables_of(QuizRow, QuizQuestionRow, QuizAnswerRow)


class QuizRepository:
    """Store quizzes and answers; compute scores (the quiz tables are created on first use)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.ensure(TABLES)

    def add_quiz(self, row: QuizRow, questions: list[Question]) -> None:
        """Store a quiz and its questions in one transaction."""
        with self.db.session() as session:
            session.add(row)
            session.flush()
            for n, q in enumerate(questions):
                session.add(QuizQuestionRow(quiz_id=row.id, id=q.id, position=n, topic=q.topic,
                                            body=q.model_dump_json()))

    def quiz(self, quiz_id: str) -> tuple[QuizRow, list[Question]] | None:
        """A quiz and its questions in order, or None."""
        with self.db.session() as session:
            row = session.get(QuizRow, quiz_id)
            if row is None:
                return None
            rows = session.scalars(
                select(QuizQuestionRow).where(QuizQuestionRow.quiz_id == quiz_id).order_by(QuizQuestionRow.position)
            )
            return row, [Question.model_validate_json(r.body) for r in rows]

    def users_of(self, row: QuizRow) -> list[str]:
        """The trainees a quiz was created for."""
        return list(json.loads(row.users))

    def add_answer(self, quiz_id: str, question: Question, *, user: str, answer: str, grade: Grade) -> None:
        """Store a graded answer."""
        with self.db.session() as session:
            session.add(QuizAnswerRow(
                quiz_id=quiz_id, question_id=question.id, user=user, topic=question.topic, kind=question.kind,
                answer=answer, score=grade.score, verdict=grade.verdict,
            ))

    def answers(self, user: str | None = None) -> list[AnswerRecord]:
        """The latest answer per (quiz, question, trainee), oldest first; one trainee's only if ``user``."""
        with self.db.session() as session:
            query = select(QuizAnswerRow).order_by(QuizAnswerRow.id)
            if user is not None:
                query = query.where(QuizAnswerRow.user == user)
            latest: dict[tuple[str, str, str], QuizAnswerRow] = {}
            for r in session.scalars(query):
                latest.pop((r.quiz_id, r.question_id, r.user), None)
                latest[(r.quiz_id, r.question_id, r.user)] = r
            return [
                AnswerRecord(quiz_id=r.quiz_id, question_id=r.question_id, user=r.user, topic=r.topic, kind=r.kind,
                             answer=r.answer, score=r.score, verdict=r.verdict, created_at=r.created_at.isoformat())
                for r in latest.values()
            ]

    def scores(self, user: str | None = None) -> list[TopicScore]:
        """Average score per trainee and topic, sorted by trainee then weakest topic first."""
        groups: dict[tuple[str, str], list[float]] = {}
        for a in self.answers(user):
            groups.setdefault((a.user, a.topic), []).append(a.score)
        out = [TopicScore(user=u, topic=t, answers=len(s), average=round(sum(s) / len(s), 3))
               for (u, t), s in groups.items()]
        return sorted(out, key=lambda s: (s.user, s.average, s.topic))
