"""Events over signed HTTP to the real app: URL verification, signatures, mentions answered in their thread with
sources, thread follow-ups from stored history, DMs, retries answered once, the allowlist, visible failures."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from assistant.settings import SlackChannelSettings

from .conftest import SECRET, uid
from .fake_slack import BOT_USER, FakeSlack, sign

pytestmark = pytest.mark.slow

QUESTION = "What is the refund window for tier B clients?"


def in_thread(channel: str, thread_ts: str):  # type: ignore[no-untyped-def]
    return lambda c: c.params.get("channel") == channel and c.params.get("thread_ts") == thread_ts


def test_url_verification_answers_the_challenge(slack: Any) -> None:
    """A failure means Slack cannot verify the request URL when the app is installed."""
    with slack() as driver:
        body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
        response = driver.post(body, "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"} or response.text == "abc123"


def test_bad_signature_and_stale_timestamp_are_rejected(slack: Any, fake: FakeSlack) -> None:
    """A failure means anyone could forge Slack requests (or replay old ones)."""
    body = json.dumps({"type": "url_verification", "challenge": "abc123"})
    with slack() as driver:
        forged = {"content-type": "application/json", **sign("wrong-secret", body)}
        assert driver.client.post("/slack/events", content=body, headers=forged).status_code == 401
        stale = {"content-type": "application/json", **sign(SECRET, body, timestamp=int(time.time()) - 6 * 60)}
        assert driver.client.post("/slack/events", content=body, headers=stale).status_code == 401
        unsigned = driver.client.post("/slack/events", content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401


def test_mention_is_answered_in_its_thread_with_numbered_sources(slack: Any, fake: FakeSlack) -> None:
    """A failure means a mention gets no answer, an answer outside the thread, or one without its sources."""
    channel, user = uid("C"), uid("U")
    with slack() as driver:
        assert driver.client.app.state.slack.app.client.base_url == fake.url
        response, ts = driver.mention(channel, user, QUESTION)
        assert response.status_code == 200
        update = fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)[0]
        fake.wait_for("reactions.remove", lambda c: c.params.get("timestamp") == ts)
    assert fake.find("auth.test"), "Bolt's token check must go to the fake"
    placeholder = fake.find("chat.postMessage", in_thread(channel, ts))
    assert len(placeholder) == 1 and "Looking that up" in placeholder[0].params["text"]
    assert fake.find("reactions.add", lambda c: c.params.get("timestamp") == ts and "hourglass" in c.params["name"])
    shown = update.text()
    assert "30 days" in shown
    assert "*[1]*" in shown and "Sources" in shown
    assert "feedback_up" in shown and "feedback_down" in shown and "escalate" in shown
    assert "share_answer" not in shown  # public answers need no sharing


def test_follow_up_in_the_thread_uses_the_stored_history(slack: Any, fake: FakeSlack) -> None:
    """A failure means thread follow-ups need a new mention, or are answered without the thread's context."""
    channel, user = uid("C"), uid("U")
    with slack(settled=True) as driver:  # each delivery returns once handled: nothing is still on its way
        _, ts = driver.mention(channel, user, QUESTION)
        driver.message(channel, user, "and for tier C?", thread_ts=ts)
        updates = fake.find("chat.update", lambda c: c.params.get("channel") == channel)
        assert len(updates) == 2
        # a message in a thread the bot never answered is not for it
        other_ts = "1700000999.000001"
        driver.message(channel, user, "unrelated chatter", thread_ts=other_ts)
        driver.message(channel, user, "top-level chatter")
    assert "14 days" in updates[1].text()
    assert len(fake.find("chat.postMessage", in_thread(channel, ts))) == 2
    assert not fake.find("chat.postMessage", in_thread(channel, other_ts))
    assert len(fake.find("chat.postMessage", lambda c: c.params.get("channel") == channel)) == 2


def test_direct_message_is_answered(slack: Any, fake: FakeSlack) -> None:
    """A failure means people who DM the bot get no answer."""
    channel, user = uid("D"), uid("U")
    with slack() as driver:
        _, ts = driver.message(channel, user, QUESTION, channel_type="im")
        update = fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)[0]
    assert "30 days" in update.text()


def test_retried_delivery_is_answered_once(slack: Any, fake: FakeSlack) -> None:
    """A failure means Slack's retries make the bot answer the same question twice."""
    channel, user, event_id = uid("C"), uid("U"), uid("Ev")
    with slack(settled=True) as driver:  # each delivery returns once handled: nothing is still on its way
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {QUESTION}", "ts": "1700000123.000100",
                 "channel": channel}
        assert driver.event(event, event_id=event_id).status_code == 200
        assert driver.event(event, event_id=event_id, retry=1).status_code == 200
        assert fake.find("chat.update", lambda c: c.params.get("channel") == channel)
    assert len(fake.find("chat.postMessage", lambda c: c.params.get("channel") == channel)) == 1


def test_channel_not_on_the_allowlist_is_ignored(slack: Any, fake: FakeSlack) -> None:
    """A failure means the bot answers in channels the operator did not allow."""
    allowed, other, user = uid("C"), uid("C"), uid("U")
    with slack(settled=True, slack_allowed_channels=[allowed]) as driver:
        driver.mention(other, user, QUESTION)  # returns once handled (ignored): nothing is still on its way
        driver.mention(allowed, user, QUESTION)
        assert fake.find("chat.update", lambda c: c.params.get("channel") == allowed)
    assert not [c for c in fake.calls if c.params.get("channel") == other]


def test_failure_is_shown_with_a_reference(slack: Any, fake: FakeSlack) -> None:
    """A failure means an error leaves the user in silence instead of a message with a reference id."""
    channel, user = uid("C"), uid("U")
    fake.failures["chat.postMessage"] = "not_in_channel"
    with slack() as driver:
        driver.mention(channel, user, QUESTION)
        shown = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("channel") == channel)[0]
    assert "reference" in shown.params["text"] and shown.params["user"] == user


def test_rate_limit_answers_politely(slack: Any, fake: FakeSlack) -> None:
    """A failure means one user can flood the assistant, or is refused without a word."""
    channel, user = uid("C"), uid("U")
    with slack(slack_rate_limit=1) as driver:
        driver.mention(channel, user, QUESTION)
        fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)
        driver.mention(channel, user, QUESTION)
        notice = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("channel") == channel)[0]
    assert "give me a moment" in notice.params["text"]
    assert len(fake.find("chat.postMessage", lambda c: c.params.get("channel") == channel)) == 1


def test_user_groups_gate_a_channel(slack: Any, fake: FakeSlack) -> None:
    """A failure means a channel restricted to some user groups answers everyone."""
    channel, member, outsider = uid("C"), uid("U"), uid("U")
    fake.group_members["S0AGENTS"] = [member]
    config = {channel: SlackChannelSettings(allowed_user_groups=["S0AGENTS"])}
    with slack(slack_channels=config) as driver:
        driver.mention(channel, outsider, QUESTION)
        refused = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == outsider)[0]
        driver.mention(channel, member, QUESTION)
        fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)
    assert "allowed user groups" in refused.params["text"]


def test_a_message_with_a_lone_surrogate_or_control_characters_is_answered(slack: Any, fake: FakeSlack) -> None:
    """A failure means a message holding text that is not text (a lone surrogate, escape codes) crashes the listener
    instead of getting an answer from its clean text."""
    channel, user = uid("D"), uid("U")
    with slack() as driver:
        response, _ = driver.message(channel, user, f"\x1b[31m{QUESTION} \ud800\x07", channel_type="im")
        assert response.status_code == 200
        update = fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)[0]
    assert "30 days" in update.text()
