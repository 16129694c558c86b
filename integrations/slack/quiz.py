"""``/playbook quiz``: a quiz for the Slack user, choice buttons and a modal for free text, graded in place.

The quiz service (:mod:`assistant.quiz.service`) does the work; the trainee is ``slack:<user id>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from assistant.quiz import service
from assistant.quiz.models import Difficulty, Question, QuizRequest
from integrations.slack import blocks, quiz_blocks
from integrations.slack.flows import SlackDeps, failure, gate, post_private, run

DEFAULT_N = 3
MAX_N = 10  # a Slack message holds at most 50 blocks (two per question)
DIFFICULTIES: tuple[Difficulty, ...] = ("easy", "medium", "hard")
QUIZ_USAGE = (
    "Usage: `/playbook quiz [topic] [n] [easy|medium|hard] [en|es]` — "
    f"e.g. `/playbook quiz sla 3` (default {DEFAULT_N} questions on any topic, up to {MAX_N}); "
    "`/playbook quiz help` lists the topics."
)
GONE = "I no longer have that quiz; start a new one with `/playbook quiz`."


def trainee(user: str) -> str:
    """The quiz service's trainee name of a Slack user."""
    return f"slack:{user}"


@dataclass
class QuizArgs:
    """A parsed ``/playbook quiz …``."""

    topic: str | None = None
    n: int = DEFAULT_N
    difficulty: Difficulty = "easy"
    language: str = "en"


def parse_quiz(text: str) -> QuizArgs | None:
    """``[topic] [n] [difficulty] [language]`` in any order, or None when it does not parse."""
    args = QuizArgs()
    topic_seen = False
    for word in text.lower().split():
        if word.isdigit():
            args.n = int(word)
            if not 1 <= args.n <= MAX_N:
                return None
        elif word in DIFFICULTIES:
            args.difficulty = word
        elif word in ("en", "es"):
            args.language = word
        elif not topic_seen and word not in ("any", "all"):
            args.topic, topic_seen = word[:40], True
        else:
            return None
    return args


def topics_text(known: list[str]) -> str:
    """The topics a quiz can be on (escaped)."""
    return ", ".join(f"`{blocks.esc(t)}`" for t in known) or "_none yet: the playbook is not indexed_"


async def on_quiz_command(
    deps: SlackDeps, ack: AsyncAck, rest: str, *, user: str, channel: str, client: AsyncWebClient,
    respond: AsyncRespond,
) -> None:
    """``/playbook quiz …``: help and unknown topics in the ack; otherwise progress, then the quiz (privately)."""
    if rest.lower() == "help":
        known = await run(service.topics, deps.services)
        text = f"{QUIZ_USAGE}\n*Topics:* {topics_text(known)}"
        await ack(text=text, blocks=blocks.notice(text))
        return
    args = parse_quiz(rest)
    if args is None:
        await ack(text=QUIZ_USAGE)
        return
    known = await run(service.topics, deps.services, args.language)
    if args.topic is not None and args.topic not in known:
        text = (f":thinking_face: Sorry, I have no quiz on `{blocks.esc(args.topic)}`. "
                f"Try one of these topics: {topics_text(known)}, or `/playbook quiz` for any topic.")
        await ack(text=text, blocks=blocks.notice(text))
        return
    refusal = await gate(deps, client, channel, user)
    if refusal:
        await ack(text=refusal)
        return
    await ack(text=":books: _Preparing your quiz…_")
    try:
        request = QuizRequest(topic=args.topic, n=args.n, difficulty=args.difficulty,
                              language=args.language, users=[trainee(user)], created_by="slack")
        quiz = await run(service.create_quiz, deps.services, request)
        text = f"Quiz: {len(quiz.questions)} question(s)" + (f" on {blocks.esc(quiz.topic)}" if quiz.topic else "")
        await respond(text=text, blocks=quiz_blocks.quiz_blocks(quiz), replace_original=True)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        await respond(text=message, blocks=blocks.notice(message), replace_original=True)


def _parse_value(value: str) -> tuple[str, str, str]:
    """(quiz id, question id, choice) of a quiz button's value (choice empty for the Answer button)."""
    quiz_id, _, rest = value.partition("|")
    question_id, _, choice = rest.partition("|")
    return quiz_id[:40], question_id[:16], choice[:4]


def _question(deps: SlackDeps, quiz_id: str, question_id: str) -> Question | None:
    """The stored question, or None."""
    found = service.repository(deps.services).quiz(quiz_id)
    return next((q for q in found[1] if q.id == question_id), None) if found else None


async def _grade(
    deps: SlackDeps, quiz_id: str, question_id: str, answer: str, user: str
) -> tuple[str, list[blocks.Block]]:
    """Grade an answer; the reply's text and blocks (an error with its reference when it fails)."""
    try:
        question = await run(_question, deps, quiz_id, question_id)
        if question is None:
            return GONE, blocks.notice(GONE)
        result = await run(service.answer_question, deps.services, quiz_id, question_id, answer, user=trainee(user))
        shown = answer
        if question.choices and answer.isdigit() and 1 <= int(answer) <= len(question.choices):
            shown = f"{chr(64 + int(answer))}. {question.choices[int(answer) - 1]}"
        return quiz_blocks.grade_text(result), quiz_blocks.grade_blocks(question.question, shown, result)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        return message, blocks.notice(message)


def _where(body: dict[str, Any]) -> tuple[str, str]:
    """(user, channel) of a click."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel or body["user"]["id"]


async def on_choice(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    """A choice was clicked: grade it and reply privately."""
    user, channel = _where(body)
    quiz_id, question_id, choice = _parse_value(str(body["actions"][0].get("value") or ""))
    text, reply = await _grade(deps, quiz_id, question_id, choice, user)
    if body.get("response_url"):
        await respond(text=text, blocks=reply, replace_original=False, response_type="ephemeral")
    else:
        await post_private(client, channel, user, text, reply)


async def on_answer_button(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient) -> None:
    """The Answer button of a free-text question: open the modal."""
    user, channel = _where(body)
    quiz_id, question_id, _ = _parse_value(str(body["actions"][0].get("value") or ""))
    try:
        question = await run(_question, deps, quiz_id, question_id)
        if question is None:
            await post_private(client, channel, user, GONE, blocks.notice(GONE))
            return
        metadata = {"quiz_id": quiz_id, "question_id": question_id, "channel": channel}
        await client.views_open(trigger_id=body["trigger_id"],
                                view=quiz_blocks.quiz_answer_modal(question.public(), metadata))
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        await post_private(client, channel, user, message, blocks.notice(message))


async def on_answer_submitted(deps: SlackDeps, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    """The free-text modal was submitted: an empty answer is refused in the modal; else grade and reply."""
    view = body["view"]
    answer = ((view["state"]["values"].get("answer") or {}).get("value") or {}).get("value") or ""
    if not answer.strip():
        await ack(response_action="errors", errors={"answer": "Write your answer."})
        return
    await ack()
    meta = json.loads(view.get("private_metadata") or "{}")
    user = body["user"]["id"]
    text, reply = await _grade(deps, str(meta.get("quiz_id", "")), str(meta.get("question_id", "")), answer, user)
    await post_private(client, str(meta.get("channel") or user), user, text, reply)


def register_quiz(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the quiz buttons and modal on ``app`` (the command is routed by :mod:`.commands`)."""

    @app.action("quiz_choice")
    async def quiz_choice(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await on_choice(deps, body, client, respond)

    @app.action("quiz_answer")
    async def quiz_answer(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await on_answer_button(deps, body, client)

    @app.view("quiz_answer_modal")
    async def quiz_answer_modal(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await on_answer_submitted(deps, ack, body, client)
