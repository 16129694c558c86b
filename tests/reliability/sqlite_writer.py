"""``python -m tests.reliability.sqlite_writer feedback|quiz``: write rows to the CRM database in a loop until
killed, printing ``ack <key>`` after each write returns (the moment a user would be told it is saved)."""

from __future__ import annotations

import itertools
import sys

from assistant.quiz.models import Grade, Question, QuizCitation
from assistant.quiz.store import QuizRepository, QuizRow
from assistant.settings import Settings
from assistant.storage.engine import Database
from assistant.storage.feedback import FeedbackIn, FeedbackRepository

CITATION = QuizCitation(chunk_id="c/0", doc_id="c", title="Refunds", section="Approval", source="c.md")
QUESTION = Question(id="q1", kind="recall", topic="refunds", question="Who approves refunds above 200 euros?",
                    citation=CITATION, reference="The team lead.", clause="Refunds above 200 euros need approval.")
GRADE = Grade(verdict="correct", score=1.0, feedback="Right.", reference="The team lead.", citation=CITATION)


def write_feedback(db: Database) -> None:
    """Record ratings forever; ack each stored row's id."""
    repo = FeedbackRepository(db)
    for n in itertools.count():
        row = repo.record(FeedbackIn(answer_id=f"ans-{n}", rating="up" if n % 2 else "down", comment="x" * 200))
        print(f"ack {row.id}", flush=True)  # the test reads the acknowledgements


def write_quiz_answers(db: Database) -> None:
    """Record graded answers to one quiz forever; ack each answer's text."""
    repo = QuizRepository(db)
    repo.add_quiz(QuizRow(id="crashquiz", topic="refunds", difficulty="easy", language="en", users='["ana"]',
                          created_by="trainer"), [QUESTION])
    for n in itertools.count():
        repo.add_answer("crashquiz", QUESTION, user="ana", answer=f"answer {n}", grade=GRADE)
        print(f"ack answer {n}", flush=True)  # the test reads the acknowledgements


if __name__ == "__main__":
    database = Database.from_settings(Settings())
    (write_feedback if sys.argv[1] == "feedback" else write_quiz_answers)(database)
