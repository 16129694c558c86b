"""Typed data of quiz mode: requests, questions (public and stored), grades and scores."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Difficulty = Literal["easy", "medium", "hard"]
QuestionKind = Literal["recall", "choice", "scenario"]
Verdict = Literal["correct", "partial", "incorrect"]
_NAME = r"^[A-Za-z0-9_.@-]+$"


class QuizCitation(BaseModel):
    """Where a question comes from: the chunk that holds its answer."""

    chunk_id: str
    doc_id: str
    title: str
    section: str
    source: str


class KeyFact(BaseModel):
    """A fact the answer must contain (see :mod:`assistant.quiz.facts`)."""

    kind: str
    value: str
    surface: str


class QuestionOut(BaseModel):
    """A question as trainees see it (no reference answer)."""

    id: str
    kind: QuestionKind
    topic: str
    question: str
    choices: list[str] | None = None
    citation: QuizCitation


class Question(QuestionOut):
    """A generated question with what grading needs: the reference, its key facts and the cited clause."""

    language: str = "en"
    reference: str
    clause: str
    facts: list[KeyFact] = Field(default_factory=list)
    answer_index: int | None = None

    def public(self) -> QuestionOut:
        """The trainee's view of this question."""
        return QuestionOut.model_validate(self.model_dump(include=set(QuestionOut.model_fields)))


class QuizRequest(BaseModel):
    """A trainer's request for a new quiz (``POST /v1/quiz``)."""

    model_config = ConfigDict(extra="forbid")

    topic: str | None = Field(None, max_length=40, pattern=r"^[a-z_-]+$")
    n: int = Field(5, ge=1, le=30)
    difficulty: Difficulty = "easy"
    language: Literal["en", "es"] = "en"
    users: list[str] = Field(default_factory=list, max_length=50)
    created_by: str = Field("trainer", max_length=64, pattern=_NAME)


class QuizOut(BaseModel):
    """A created quiz: its id and its questions (``playbook quiz new --json``)."""

    quiz_id: str
    topic: str | None
    difficulty: Difficulty
    language: str
    users: list[str]
    weak_topics: list[str] = Field(default_factory=list)
    questions: list[QuestionOut]


class AnswerIn(BaseModel):
    """A trainee's answer (``POST /v1/quiz/{quiz_id}/answers``)."""

    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(min_length=1, max_length=16)
    answer: str = Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")
    user: str = Field(min_length=1, max_length=64, pattern=_NAME)


class Grade(BaseModel):
    """The grade of one answer, with feedback quoting the cited clause."""

    verdict: Verdict
    score: float
    feedback: str
    reference: str
    citation: QuizCitation


class TopicScore(BaseModel):
    """One trainee's average on one topic."""

    user: str
    topic: str
    answers: int
    average: float


class AnswerRecord(BaseModel):
    """A stored answer, as exported to CSV."""

    model_config = ConfigDict(from_attributes=True)

    quiz_id: str
    question_id: str
    user: str
    topic: str
    kind: str
    answer: str
    score: float
    verdict: str
    created_at: str
