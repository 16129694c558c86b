"""``/playbook quiz`` over signed HTTP to the real app: questions with buttons, a choice graded exactly, the
free-text modal graded against the reference, help and unknown topics, and escaping."""

from __future__ import annotations

import json
from typing import Any

import pytest

from assistant.quiz import service
from assistant.quiz.models import Grade, QuestionOut, QuizCitation, QuizOut
from assistant.services import Services
from integrations.slack import blocks, quiz_blocks
from integrations.slack.quiz import parse_quiz

from .conftest import SlackDriver, ack_text, uid
from .fake_slack import Call, FakeSlack

pytestmark = pytest.mark.slow


def buttons(call: Call) -> list[dict[str, Any]]:
    """Every button of a recorded message."""
    return [e for b in call.params.get("blocks") or [] if b.get("type") == "actions" for e in b["elements"]]


def texts(call: Call) -> str:
    """The mrkdwn of a recorded message's sections and context lines, joined."""
    out = []
    for b in call.params.get("blocks") or []:
        out += [b["text"]["text"]] if b.get("type") == "section" else [e.get("text", "") for e in b.get("elements", [])
                                                                       if b.get("type") == "context"]
    return "\n".join(out)


def new_quiz(driver: SlackDriver, fake: FakeSlack, text: str, *, user: str, channel: str) -> Call:
    """Run ``/playbook quiz <text>`` and wait for the quiz that replaces the progress line."""
    ack = driver.command(f"quiz {text}", user=user, channel=channel)
    assert ack.status_code == 200 and "Preparing your quiz" in ack_text(ack)
    return fake.wait_for("response_url")[0]


def quiz_id_of(call: Call) -> str:
    """The quiz id carried by the quiz message's buttons."""
    return str(buttons(call)[0]["value"]).split("|")[0]


def test_quiz_command_posts_questions_with_buttons(slack: Any, fake: FakeSlack, kb_services: Services) -> None:
    """A failure means /playbook quiz posts no questions, loses choices or buttons, or is not for this user."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        posted = new_quiz(driver, fake, "sla 6", user=user, channel=channel)
    assert posted.params["replace_original"] is True
    found = service.repository(kb_services).quiz(quiz_id_of(posted))
    assert found is not None
    row, questions = found
    assert len(questions) == 6 and row.topic == "sla" and row.users == f'["slack:{user}"]'
    shown = texts(posted)
    for q in questions:
        assert blocks.esc(q.question) in shown
        ids = [b["action_id"] for b in buttons(posted) if b["value"].startswith(f"{row.id}|{q.id}")]
        if q.choices:
            assert ids == ["quiz_choice"] * len(q.choices)
        else:
            assert ids == ["quiz_answer"]
    assert {q.kind for q in questions} >= {"choice", "recall"}


def test_right_choice_is_recorded_and_replied_correct(slack: Any, fake: FakeSlack, kb_services: Services) -> None:
    """A failure means a choice click is not graded exactly, not stored for the Slack user, or not answered."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        posted = new_quiz(driver, fake, "sla 6", user=user, channel=channel)
        quiz_id = quiz_id_of(posted)
        _, questions = service.repository(kb_services).quiz(quiz_id) or (None, [])
        q = next(q for q in questions if q.choices)
        assert q.answer_index is not None
        value = quiz_blocks.quiz_value(quiz_id, q.id, q.answer_index + 1)
        assert value in [b["value"] for b in buttons(posted)]
        driver.click("quiz_choice", value, user=user, channel=channel, ephemeral=True)
        reply = fake.wait_for("response_url", count=2)[1]
    shown = texts(reply)
    assert "Correct" in reply.params["text"] and "score 1.00" in shown
    assert reply.params["replace_original"] is False
    assert blocks.esc(q.citation.title) in shown and "Reference answer" in shown
    answers = service.repository(kb_services).answers(f"slack:{user}")
    assert [(a.quiz_id, a.question_id, a.verdict, a.score) for a in answers] == [(quiz_id, q.id, "correct", 1.0)]
    assert [s.topic for s in service.scores(kb_services, f"slack:{user}")] == ["sla"]


def test_answer_button_opens_modal_and_reference_answer_grades_high(
    slack: Any, fake: FakeSlack, kb_services: Services
) -> None:
    """A failure means free-text questions cannot be answered in Slack, or the reference answer is graded low."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        posted = new_quiz(driver, fake, "sla 6", user=user, channel=channel)
        quiz_id = quiz_id_of(posted)
        _, questions = service.repository(kb_services).quiz(quiz_id) or (None, [])
        q = next(q for q in questions if not q.choices)
        driver.click("quiz_answer", quiz_blocks.quiz_value(quiz_id, q.id), user=user, channel=channel, ephemeral=True)
        view = fake.wait_for("views.open")[0].params["view"]
        assert view["callback_id"] == "quiz_answer_modal"
        assert blocks.esc(q.question) in view["blocks"][0]["text"]["text"]
        assert view["blocks"][1]["element"]["type"] == "plain_text_input"
        metadata = json.loads(view["private_metadata"])
        empty = driver.submit("quiz_answer_modal", {"answer": {"type": "plain_text_input", "value": " "}},
                              user=user, metadata=metadata)
        assert empty.json()["response_action"] == "errors"
        values = {"answer": {"type": "plain_text_input", "value": q.reference}}
        assert driver.submit("quiz_answer_modal", values, user=user, metadata=metadata).status_code == 200
        reply = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)[0]
    assert reply.params["channel"] == channel and "Correct" in reply.params["text"]
    assert quiz_blocks.quiz_where(q.citation) in texts(reply) and "Reference answer" in texts(reply)
    assert blocks.esc(q.clause)[:40] in texts(reply)  # the feedback quotes the cited clause
    answers = service.repository(kb_services).answers(f"slack:{user}")
    assert len(answers) == 1 and answers[0].score >= 0.8 and answers[0].question_id == q.id


def test_quiz_help_unknown_topic_and_usage(slack: Any, fake: FakeSlack) -> None:
    """A failure means the topics are not listed, an unknown topic is not refused politely, or a bad n crashes."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        help_text = ack_text(driver.command("quiz help", user=user, channel=channel))
        unknown = ack_text(driver.command("quiz astrology <!channel>", user=user, channel=channel))
        unknown_one = ack_text(driver.command("quiz astrology", user=user, channel=channel))
        usage = ack_text(driver.command("quiz sla 99", user=user, channel=channel))
    assert "`sla`" in help_text and "Usage" in help_text
    assert "Usage" in unknown  # two topics do not parse
    assert "Sorry, I have no quiz on `astrology`" in unknown_one and "`sla`" in unknown_one
    assert "Usage" in usage
    assert not fake.find("response_url")


def test_stale_quiz_button_answers_with_a_message(slack: Any, fake: FakeSlack) -> None:
    """A failure means a click on an unknown quiz fails silently."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        driver.click("quiz_choice", "nope|q1|1", user=user, channel=channel, ephemeral=True)
        reply = fake.wait_for("response_url")[0]
    assert "no longer have that quiz" in reply.params["text"]


def test_parse_and_escaping() -> None:
    """A failure means quiz arguments are misread, or quiz text can inject mentions."""
    args = parse_quiz("SLA 4 hard es")
    assert args is not None and (args.topic, args.n, args.difficulty, args.language) == ("sla", 4, "hard", "es")
    default = parse_quiz("")
    assert default is not None and (default.topic, default.n) == (None, 3)
    assert parse_quiz("sla 0") is None and parse_quiz("a b") is None
    citation = QuizCitation(chunk_id="c", doc_id="d", title="T <!here>", section="S", source="s")
    question = QuestionOut(id="q1", kind="choice", topic="sla", question="Who <@U1>?", choices=["<!channel>", "B"],
                           citation=citation)
    quiz = QuizOut(quiz_id="z", topic="sla", difficulty="easy", language="en", users=[], questions=[question])
    grade = Grade(verdict="partial", score=0.5, feedback="Quote <!everyone>", reference="R <@U2>", citation=citation)
    shown = str(quiz_blocks.quiz_blocks(quiz)) + str(quiz_blocks.grade_blocks("Q <@U3>", "A <!here>", grade))
    for bad in ("<!here>", "<@U1>", "<@U2>", "<@U3>", "<!everyone>"):
        assert bad not in shown, bad
    assert "&lt;!channel&gt;" in shown and "T &lt;!here&gt; › S" in shown
