"""``/playbook`` subcommands and the "Draft reply" shortcut, over signed HTTP to the real app."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import ack_text, uid
from .fake_slack import FakeSlack

pytestmark = pytest.mark.slow


def test_help_quiz_and_unknown_subcommands_answer_in_the_ack(slack: Any) -> None:
    """A failure means /playbook help, quiz or a typo leaves the user without guidance."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        help_text = ack_text(driver.command("help", user=user, channel=channel))
        empty = ack_text(driver.command("", user=user, channel=channel))
        quiz = ack_text(driver.command("quiz start", user=user, channel=channel))
        unknown = ack_text(driver.command("dance <!channel>", user=user, channel=channel))
    assert "/playbook ask" in help_text and "/playbook draft" in help_text and empty == help_text
    assert "/playbook quiz" in help_text
    assert "no quiz on `start`" in quiz and "sla" in quiz
    assert "/playbook ask" in unknown and "dance" in unknown


def test_ask_replaces_the_progress_line_with_a_private_answer(slack: Any, fake: FakeSlack) -> None:
    """A failure means /playbook ask times out, answers without sources, or cannot be shared."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        ack = driver.command("ask What is the refund window for tier B clients?", user=user, channel=channel)
        assert ack.status_code == 200 and "Looking that up" in ack_text(ack)
        reply = fake.wait_for("response_url")[0]
    assert reply.params["replace_original"] is True
    shown = reply.text()
    assert "30 days" in shown and "*[1]*" in shown and "share_answer" in shown


def test_draft_shows_action_sla_sources_and_buttons(slack: Any, fake: FakeSlack) -> None:
    """A failure means /playbook draft loses the recommended action, the SLA, the sources or its buttons."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        ack = driver.command("draft refund C-2002 I was charged twice this month", user=user, channel=channel)
        assert "Drafting" in ack_text(ack)
        shown = fake.wait_for("response_url")[0].text()
    for expected in ("Brightfield", "Recommended action", "first response due", "Policy sources", "*[1]*",
                     "draft_copy", "Regenerate in Spanish", "draft_regenerate"):
        assert expected in shown, expected


def test_draft_usage_and_unknown_client(slack: Any, fake: FakeSlack) -> None:
    """A failure means a malformed draft command or an unknown client fails silently or without a reference."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        usage = ack_text(driver.command("draft refund", user=user, channel=channel))
        driver.command("draft refund C-9999 please refund me", user=user, channel=channel)
        shown = fake.wait_for("response_url")[0].params["text"]
    assert "Usage" in usage
    assert "C-9999" in shown and "reference" in shown


def test_rate_limit_on_slash_commands(slack: Any) -> None:
    """A failure means the rate limit does not apply to /playbook, or refuses without a polite word."""
    user, channel = uid("U"), uid("C")
    with slack(slack_rate_limit=1) as driver:
        driver.command("ask What is the refund window for tier B clients?", user=user, channel=channel)
        second = driver.command("ask What is the refund window for tier C clients?", user=user, channel=channel)
    assert "give me a moment" in ack_text(second)


def test_draft_reply_shortcut_opens_a_modal_then_posts_the_draft(slack: Any, fake: FakeSlack) -> None:
    """A failure means the message shortcut cannot turn a customer message into a draft."""
    user, channel = uid("U"), uid("C")
    with slack() as driver:
        shortcut = {"type": "message_action", "callback_id": "draft_reply", "user": {"id": user},
                    "channel": {"id": channel}, "trigger_id": uid("tr"),
                    "message": {"ts": "1700000001.000001", "text": "I want to cancel <!channel>"},
                    "response_url": f"{fake.base}/response/x"}
        assert driver.interact(shortcut).status_code == 200
        view = fake.wait_for("views.open")[0].params["view"]
        assert view["callback_id"] == "draft_reply_modal"
        metadata = {"channel": channel, "thread_ts": "1700000001.000001"}
        values = {"kind": {"type": "static_select", "selected_option": {"value": "rescue"}},
                  "client_id": {"type": "plain_text_input", "value": "C-9999"},
                  "message": {"type": "plain_text_input", "value": "I want to cancel"}}
        refused = driver.submit("draft_reply_modal", values, user=user, metadata=metadata)
        assert refused.json()["response_action"] == "errors" and "client_id" in refused.json()["errors"]
        values["client_id"]["value"] = "C-3003"
        assert driver.submit("draft_reply_modal", values, user=user, metadata=metadata).status_code == 200
        posted = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)[0]
    assert posted.params["channel"] == channel and posted.params["thread_ts"] == "1700000001.000001"
    assert "Rescue draft" in posted.text() and "Little Fern" in posted.text()
