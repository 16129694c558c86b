"""``playbook quiz new|answer|scores|export``: quiz mode for trainers and trainees (thin edges)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from integrations.cli.common import JsonOpt, load_settings, out, print_json, user_errors

quiz_app = typer.Typer(no_args_is_help=True, help="Quizzes generated from the playbook, graded against it.")


@quiz_app.command("new")
def new(
    topic: Annotated[str | None, typer.Option("--topic", help="refunds, sla, roles... (default: all).")] = None,
    n: Annotated[int, typer.Option("--n", min=1, max=30, help="Number of questions.")] = 5,
    difficulty: Annotated[str, typer.Option("--difficulty", help="easy, medium or hard.")] = "easy",
    language: Annotated[str, typer.Option("--language", help="en or es.")] = "en",
    users: Annotated[list[str] | None, typer.Option("--user", help="A trainee (repeat for several).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a quiz for one or more trainees; weak topics of theirs come back in it."""
    from assistant.factory import build_services
    from assistant.quiz.models import QuizRequest
    from assistant.quiz.service import create_quiz

    with user_errors(as_json):
        request = QuizRequest(topic=topic, n=n, difficulty=difficulty, language=language,
                              users=users or [])
        with build_services(load_settings()) as services:
            quiz = create_quiz(services, request)
    if as_json:
        print_json(quiz.model_dump(mode="json", include={"quiz_id", "topic", "difficulty", "language", "users",
                                                          "weak_topics", "questions"}, exclude_none=True))
        return
    out.print(f"quiz {quiz.quiz_id} ({quiz.difficulty}, {len(quiz.questions)} questions)", highlight=False)
    for q in quiz.questions:
        out.print(f"\n{q.id} [{q.kind}, {q.topic}] {q.question}", markup=False, highlight=False)
        for letter, text in zip("ABCD", q.choices or [], strict=False):
            out.print(f"   {letter}) {text}", markup=False, highlight=False)


@quiz_app.command("answer")
def answer(
    quiz_id: Annotated[str, typer.Argument(help="The quiz id.")],
    question_id: Annotated[str, typer.Argument(help="The question id (q1...).")],
    text: Annotated[str, typer.Argument(help="Your answer (or A-D for multiple choice).")],
    user: Annotated[str, typer.Option("--user", help="Who answers.")],
    as_json: JsonOpt = False,
) -> None:
    """Answer a question: graded at once, with feedback quoting the playbook."""
    from assistant.factory import build_services
    from assistant.quiz.models import AnswerIn
    from assistant.quiz.service import answer_question

    with user_errors(as_json):
        body = AnswerIn(question_id=question_id, answer=text, user=user)
        with build_services(load_settings()) as services:
            result = answer_question(services, quiz_id, body.question_id, body.answer, user=body.user)
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    out.print(f"{result.verdict} ({result.score:.2f}): {result.feedback}", markup=False, highlight=False)


@quiz_app.command("scores")
def scores(
    user: Annotated[str | None, typer.Option("--user", help="One trainee (default: everyone).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Average score per trainee and topic, weakest topic first."""
    from assistant.factory import build_services
    from assistant.quiz.service import scores as topic_scores

    with user_errors(as_json), build_services(load_settings()) as services:
        rows = topic_scores(services, user)
    if as_json:
        print_json({"scores": [r.model_dump() for r in rows]})
        return
    for r in rows:
        out.print(f"{r.user:<20} {r.topic:<14} {r.average:.2f} ({r.answers} answers)", markup=False, highlight=False)


@quiz_app.command("export")
def export(
    path: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    user: Annotated[str | None, typer.Option("--user", help="One trainee (default: everyone).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write every graded answer (latest per trainee and question) to a CSV file."""
    from assistant.factory import build_services
    from assistant.quiz.service import export_csv

    with user_errors(as_json), build_services(load_settings()) as services:
        text = export_csv(services, user)
        path.write_text(text, encoding="utf-8")
    rows = text.count("\n") - 1
    if as_json:
        print_json({"path": str(path), "rows": rows})
        return
    out.print(f"{rows} answers written to {path}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``quiz`` command group to the ``playbook`` app."""
    app.add_typer(quiz_app, name="quiz")
