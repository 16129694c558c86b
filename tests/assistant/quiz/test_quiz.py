"""Quiz mode on the bundled knowledge base: generation grounded in its cited chunk, grading with key facts and
similarity, sessions with weak-topic repetition and CSV export."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from assistant.errors import InvalidQuizRequest, QuizNotFound
from assistant.quiz.facts import extract_facts
from assistant.quiz.generate import candidates, generate
from assistant.quiz.grading import grade
from assistant.quiz.models import KeyFact, Question, QuizCitation, QuizRequest
from assistant.quiz.service import answer_question, create_quiz, export_csv, repository, roles_of, scores
from assistant.services import Services


def user() -> str:
    return f"trainee-{uuid.uuid4().hex[:8]}"


def stored(services: Services, quiz_id: str) -> list[Question]:
    found = repository(services).quiz(quiz_id)
    assert found is not None
    return found[1]


@pytest.mark.parametrize(("topic", "difficulty", "language"), [
    ("sla", "easy", "en"), ("refunds", "medium", "en"), ("roles", "hard", "en"), ("refunds", "hard", "es"),
    (None, "medium", "es"),
])
def test_questions_are_answerable_from_their_cited_chunk(kb_services: Services, topic, difficulty, language) -> None:
    """A failure means a question cites a chunk that does not hold its answer, or repeats within a quiz."""
    quiz = create_quiz(kb_services, QuizRequest(topic=topic, n=8, difficulty=difficulty, language=language))
    questions = stored(kb_services, quiz.quiz_id)
    assert len(questions) == 8
    _, corpus = kb_services.retriever.snapshot()
    by_id = {c.id: c for c in corpus.chunks}
    assert len({q.question for q in questions}) == len(questions)
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        chunk = by_id[q.citation.chunk_id]
        assert chunk.language == language
        if topic:
            assert q.topic == topic
        assert q.facts, q
        flat = " ".join(chunk.text.replace("**", "").split())
        for fact in q.facts:
            assert fact.surface in flat, (fact, q.question)
        if q.kind != "scenario":
            assert q.reference in flat, (q.reference, q.question)


def test_same_quiz_id_gives_same_questions(kb_services: Services) -> None:
    """A failure means generation uses unseeded randomness: a quiz cannot be reproduced from its id."""
    _, corpus = kb_services.retriever.snapshot()
    roles = roles_of(kb_services)
    pool = candidates([c for c in corpus.chunks if c.metadata.get("topic") == "sla" and c.language == "en"], roles)
    facts = [f for cand in pool for f in cand.facts]
    first = generate(pool, n=6, difficulty="hard", seed=42, roles=roles, distractors=facts)
    second = generate(pool, n=6, difficulty="hard", seed=42, roles=roles, distractors=facts)
    assert first == second


def test_distractors_differ_from_the_answer_and_each_other(kb_services: Services) -> None:
    """A failure means a multiple-choice question offers the right value twice or a repeated distractor."""
    roles = roles_of(kb_services)
    quiz = create_quiz(kb_services, QuizRequest(topic="sla", n=10, difficulty="medium"))
    choices = [q for q in stored(kb_services, quiz.quiz_id) if q.kind == "choice"]
    assert choices
    for q in choices:
        assert q.choices is not None and len(q.choices) == 4 and q.answer_index is not None
        values = [tuple((f.kind, f.value) for f in extract_facts(c, roles)) for c in q.choices]
        assert len(set(values)) == 4, q.choices
        assert q.choices[q.answer_index] == q.reference


def sla_question(language: str = "en") -> Question:
    citation = QuizCitation(chunk_id="sla-targets#tier-b/0", doc_id="sla-targets", title="SLA targets",
                            section="Tier B targets", source="knowledge/en/sla-targets.md")
    return Question(
        id="q1", kind="scenario", topic="sla", language=language,
        question="A tier B client writes by chat, urgent: first response and resolution?",
        reference="First response: 1 minute; Resolution: 8 hours",
        clause="Tier: B; Channel: Chat; Priority: Urgent; First response: 1 minute; Resolution: 8 hours",
        facts=[KeyFact(kind="duration", value="60", surface="1 minute"),
               KeyFact(kind="duration", value="28800", surface="8 hours")],
        citation=citation,
    )


def role_question() -> Question:
    return sla_question().model_copy(update={
        "kind": "recall", "question": "Who authorises a refund outside the window?",
        "reference": "Customer Experience Manager (CXO)",
        "clause": "Only the Customer Experience Manager (CXO) can authorise that exception.",
        "facts": [KeyFact(kind="role", value="cxo", surface="Customer Experience Manager (CXO)")],
    })


@pytest.mark.parametrize("answer", [
    "First response: 1 minute; Resolution: 8 hours",
    "Answer within one minute and resolve it in eight hours.",
    "1 min first reply, 8h to resolve",
    "primera respuesta en 1 minuto y resolución en 8 horas",
])
def test_reference_and_paraphrases_score_at_least_0_8(kb_services: Services, answer: str) -> None:
    """A failure means a right answer, written another way ("8h", "eight hours", Spanish), is not graded right."""
    g = grade(sla_question(), answer, embedder=kb_services.embedder, roles=roles_of(kb_services))
    assert g.score >= 0.8 and g.verdict == "correct", (answer, g)


@pytest.mark.parametrize("answer", [
    "First response: 2 minutes; Resolution: 24 hours",
    "Answer within five minutes and resolve it in four hours.",
    "I don't know",
])
def test_wrong_numbers_score_at_most_0_3(kb_services: Services, answer: str) -> None:
    """A failure means an answer with other numbers passes for its similar wording."""
    g = grade(sla_question(), answer, embedder=kb_services.embedder, roles=roles_of(kb_services))
    assert g.score <= 0.3 and g.verdict == "incorrect", (answer, g)


def test_wrong_role_scores_at_most_0_3_and_right_role_passes(kb_services: Services) -> None:
    """A failure means role answers are not checked by role: another role passes, or the acronym fails."""
    roles = roles_of(kb_services)
    wrong = grade(role_question(), "The Customer Experience Deputy Director (SEC)", embedder=kb_services.embedder,
                  roles=roles)
    assert wrong.score <= 0.3
    for right in ("the CXO", "Gerente de Experiencia del Cliente", "Customer Experience Manager"):
        assert grade(role_question(), right, embedder=kb_services.embedder, roles=roles).score >= 0.8, right


def test_half_answer_gets_partial_credit_and_feedback_quotes_clause(kb_services: Services) -> None:
    """A failure means half an answer is graded all-or-nothing, or feedback does not quote the cited clause."""
    g = grade(sla_question(), "The first response is due within 1 minute.", embedder=kb_services.embedder,
              roles=roles_of(kb_services))
    assert 0.3 < g.score < 0.8 and g.verdict == "partial", g
    assert "8 hours" in g.feedback and sla_question().clause in g.feedback
    es = grade(sla_question("es"), "8 horas", embedder=kb_services.embedder, roles=roles_of(kb_services))
    assert es.verdict == "partial" and "El playbook dice" in es.feedback


def test_spanish_quiz_round_trip(kb_services: Services) -> None:
    """A failure means Spanish quizzes are not generated from Spanish documents or their references fail grading."""
    trainee = user()
    quiz = create_quiz(kb_services, QuizRequest(topic="sla", n=4, difficulty="easy", language="es", users=[trainee]))
    for q in stored(kb_services, quiz.quiz_id):
        assert "«" in q.question
        given = str(q.answer_index + 1) if q.choices else q.reference
        g = answer_question(kb_services, quiz.quiz_id, q.id, given, user=trainee)
        assert g.verdict == "correct", (q, g)


def test_weak_topic_comes_back_and_scores_export(kb_services: Services, tmp_path) -> None:
    """A failure means a trainee's weakest topic is not offered again, or scores/CSV do not reflect answers."""
    trainee = user()
    first = create_quiz(kb_services, QuizRequest(topic="kpis", n=3, users=[trainee]))
    for q in first.questions:
        answer_question(kb_services, first.quiz_id, q.id, "no idea", user=trainee)
    second = create_quiz(kb_services, QuizRequest(topic="sla", n=6, users=[trainee]))
    assert second.weak_topics == ["kpis"]
    assert [q.topic for q in second.questions].count("kpis") == 2
    assert [(s.topic, s.answers) for s in scores(kb_services, trainee)] == [("kpis", 3)]
    rows = list(csv.DictReader(io.StringIO(export_csv(kb_services, trainee))))
    assert len(rows) == 3 and {r["user"] for r in rows} == {trainee} and {r["verdict"] for r in rows} == {"incorrect"}
    assert set(rows[0]) >= {"quiz_id", "question_id", "user", "topic", "answer", "score", "verdict"}


def test_errors(kb_services: Services) -> None:
    """A failure means unknown quizzes, questions, topics or trainees are not refused with clear errors."""
    with pytest.raises(QuizNotFound):
        answer_question(kb_services, "nope", "q1", "x", user="a")
    quiz = create_quiz(kb_services, QuizRequest(topic="sla", n=1, users=["only-me"]))
    with pytest.raises(QuizNotFound):
        answer_question(kb_services, quiz.quiz_id, "q99", "x", user="only-me")
    with pytest.raises(InvalidQuizRequest):
        answer_question(kb_services, quiz.quiz_id, "q1", "x", user="someone-else")
    with pytest.raises(InvalidQuizRequest):
        create_quiz(kb_services, QuizRequest(topic="astrology", n=1))
