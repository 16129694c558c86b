"""Quiz sessions: create a quiz from the live index, grade and store answers, report and export scores.

The functions take the :class:`~assistant.factory.Services` of the process; the CLI, HTTP routes and Slack call
them unchanged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Mapping

from assistant.errors import InvalidQuizRequest, QuizNotFound
from assistant.quiz.facts import Fact, load_roles
from assistant.quiz.generate import Candidate, candidates, generate
from assistant.quiz.grading import CORRECT_FROM, grade
from assistant.quiz.models import AnswerRecord, Grade, Question, QuizOut, QuizRequest, TopicScore
from assistant.quiz.store import QuizRepository, QuizRow
from assistant.services import Services

WEAK_SHARE = 3  # one question in three (at least one) goes to the trainees' weak topics
CSV_COLUMNS = tuple(AnswerRecord.model_fields)


def seed_of(quiz_id: str) -> int:
    """The generator seed of a quiz: stable for its id."""
    return int.from_bytes(hashlib.sha256(quiz_id.encode()).digest()[:8], "big")


def roles_of(services: Services) -> Mapping[str, Iterable[str]]:
    """Role aliases from the policy data's ``roles.yaml``."""
    return load_roles(services.settings.policy_data_dir / "roles.yaml")


def repository(services: Services) -> QuizRepository:
    """The quiz repository over the CRM database."""
    return QuizRepository(services.crm.db)


def topics(services: Services, language: str | None = None) -> list[str]:
    """Topics that have indexed documents (front matter ``topic``), optionally in one language."""
    _, corpus = services.retriever.snapshot()
    return sorted({str(c.metadata["topic"]) for c in corpus.chunks
                   if c.metadata.get("topic") and (language is None or c.language == language)})


def weak_topics(repo: QuizRepository, users: Iterable[str], *, exclude: str | None) -> list[str]:
    """Each trainee's weakest topic (lowest average, below a pass), other than ``exclude``, without repeats."""
    out: list[str] = []
    for user in users:
        scores = [s for s in repo.scores(user) if s.topic != exclude and s.average < CORRECT_FROM]
        if scores and scores[0].topic not in out:
            out.append(scores[0].topic)
    return out


def create_quiz(services: Services, request: QuizRequest, *, quiz_id: str | None = None) -> QuizOut:
    """Generate and store a quiz; part of it revisits the trainees' weak topics.

    Args:
        services: The process's services (index and CRM database).
        request: Topic (None for all), number of questions, difficulty, language and trainees.
        quiz_id: Fixed id (tests); default a new random id. The questions depend only on the id and the index.

    Returns:
        The quiz id and the questions, as trainees see them.

    Raises:
        InvalidQuizRequest: The topic has no documents in that language, or nothing to ask from them.
    """
    quiz_id = quiz_id or uuid.uuid4().hex[:12]
    known = topics(services, request.language)
    if request.topic is not None and request.topic not in known:
        raise InvalidQuizRequest(f"unknown topic {request.topic!r} in {request.language}; known: {', '.join(known)}")
    roles = roles_of(services)
    _, corpus = services.retriever.snapshot()
    pool = candidates([c for c in corpus.chunks if c.language == request.language], roles)
    distractors = [f for cand in pool for f in cand.facts]
    repo = repository(services)
    weak = weak_topics(repo, request.users, exclude=request.topic)
    n_weak = max(1, request.n // WEAK_SHARE) if weak and request.n > 1 else 0
    questions = _pick(pool, request.topic, request.n - n_weak, request, seed_of(quiz_id), roles, distractors, 1)
    for i, topic in enumerate(weak):
        share = n_weak // len(weak) + (i < n_weak % len(weak))
        questions += _pick(pool, topic, share, request, seed_of(quiz_id) + i + 1, roles, distractors,
                           len(questions) + 1, taken={q.question for q in questions})
    if not questions:
        raise InvalidQuizRequest(f"no question can be generated for topic {request.topic!r} in {request.language}")
    repo.add_quiz(QuizRow(id=quiz_id, topic=request.topic, difficulty=request.difficulty, language=request.language,
                          users=json.dumps(request.users), created_by=request.created_by), questions)
    return QuizOut(quiz_id=quiz_id, topic=request.topic, difficulty=request.difficulty, language=request.language,
                   users=request.users, weak_topics=weak, questions=[q.public() for q in questions])


def _pick(
    pool: list[Candidate], topic: str | None, n: int, request: QuizRequest, seed: int,
    roles: Mapping[str, Iterable[str]], distractors: list[Fact], start: int, *, taken: set[str] | None = None,
) -> list[Question]:
    """Up to ``n`` questions of ``topic`` not already ``taken``."""
    if n <= 0:
        return []
    wanted = [c for c in pool if topic is None or c.chunk.metadata.get("topic") == topic]
    found = generate(wanted, n=n + len(taken or ()), difficulty=request.difficulty, seed=seed, roles=roles,
                     distractors=distractors, start=start)
    fresh = [q for q in found if q.question not in (taken or set())][:n]
    return [q.model_copy(update={"id": f"q{start + i}"}) for i, q in enumerate(fresh)]


def answer_question(services: Services, quiz_id: str, question_id: str, answer: str, *, user: str) -> Grade:
    """Grade a trainee's answer and store it.

    Args:
        services: The process's services.
        quiz_id: The quiz.
        question_id: The question in it (``q1``...).
        answer: Free text, or the chosen option (letter, number or text) for multiple choice.
        user: The trainee; must be one of the quiz's trainees when it names any.

    Returns:
        The grade.

    Raises:
        QuizNotFound: No such quiz or question.
        InvalidQuizRequest: The answer is empty or the trainee is not in the quiz.
    """
    repo = repository(services)
    found = repo.quiz(quiz_id)
    if found is None:
        raise QuizNotFound(f"no quiz with id {quiz_id[:40]!r}")
    row, questions = found
    question = next((q for q in questions if q.id == question_id), None)
    if question is None:
        raise QuizNotFound(f"quiz {quiz_id} has no question {question_id[:16]!r}")
    if not answer.strip():
        raise InvalidQuizRequest("the answer is empty")
    users = repo.users_of(row)
    if users and user not in users:
        raise InvalidQuizRequest(f"{user[:64]!r} is not a trainee of quiz {quiz_id}")
    result = grade(question, answer, embedder=services.embedder, roles=roles_of(services))
    repo.add_answer(quiz_id, question, user=user, answer=answer, grade=result)
    return result


def scores(services: Services, user: str | None = None) -> list[TopicScore]:
    """Average score per trainee and topic (weakest first for each trainee)."""
    return repository(services).scores(user)


def export_csv(services: Services, user: str | None = None) -> str:
    """Every stored answer (latest per trainee and question) as CSV text with a header row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in repository(services).answers(user):
        writer.writerow(record.model_dump())
    return buffer.getvalue()
