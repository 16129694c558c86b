"""Slack mrkdwn injection through the real Bolt app (signed requests, fake Slack Web API): ``<!channel>``, ``<!here>``,
``<!everyone>``, ``<@U…>``, ``<!subteam^S…>`` and ``<https://…|label>`` links in a question, a thread follow-up, a
slash command, a quiz topic, a draft's customer message and an escalated question. Expected: nothing the bot sends
carries a live mention or link taken from user input (they arrive escaped as ``&lt;!channel&gt;``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.services import Services
from integrations.http.app import create_app
from tests.integrations.http.helpers import KEYRING
from tests.integrations.slack.conftest import SECRET, SlackDriver, uid
from tests.integrations.slack.fake_slack import Call, FakeSlack

INJECTION = "<!channel> <!here> <!everyone> <@U0ADMIN99> <!subteam^S0OPS> <https://evil.example/x|click here>"
LIVE = re.compile(r"<(?:!channel|!here|!everyone|@U0ADMIN99|!subteam\^S0OPS|https://evil)")


@pytest.fixture()
def driver(clean_kb: Services, fake: FakeSlack) -> Iterator[tuple[SlackDriver, FakeSlack]]:
    """The real app (Slack on) over the clean knowledge base, pointed at a fresh fake Slack."""
    settings = clean_kb.settings.model_copy(update={
        "slack_bot_token": SecretStr("xoxb-test-token"), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": fake.url, "slack_rate_limit": 1000,
    })
    with TestClient(create_app(settings, services=clean_kb, keys=KEYRING), raise_server_exceptions=False) as c:
        yield SlackDriver(c, fake), fake


def _sent(fake: FakeSlack, acks: list[str]) -> str:
    """Everything the bot sent: Web API calls, response_url posts and the acks."""
    return "\n".join([json.dumps(c.params, ensure_ascii=False) for c in fake.calls] + acks)


def _button(call: Call, action_id: str) -> str:
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button")


@contextmanager
def _no_live_mentions(fake: FakeSlack, acks: list[str]) -> Iterator[None]:
    yield
    sent = _sent(fake, acks)
    assert not LIVE.search(sent), LIVE.search(sent)


def test_mentions_and_links_in_questions_and_commands_are_never_live(
    driver: tuple[SlackDriver, FakeSlack]
) -> None:
    """A failure means a user can make the bot ping @channel, mention someone or post a disguised link."""
    slack, fake = driver
    channel, user = uid("C"), uid("U")
    acks: list[str] = []
    with _no_live_mentions(fake, acks):
        _, ts = slack.mention(channel, user, f"{INJECTION} What is the refund window for tier B?")
        answer = fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)[0]
        slack.message(channel, user, f"{INJECTION} and for tier C?", thread_ts=ts)
        fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel, count=2)
        slack.click("escalate", _button(answer, "escalate"), user=user, channel=channel, thread_ts=ts)
        fake.wait_for("chat.postMessage", lambda c: "Escalation" in str(c.params.get("text")))
        for text in (INJECTION, f"ask {INJECTION}", f"quiz {INJECTION}", f"draft refund C-1001 {INJECTION} refund me",
                     f"draft refund {INJECTION} refund me"):
            response = slack.command(text, user=user, channel=channel)
            assert response.status_code == 200
            acks.append(response.text)
        fake.wait_for("response_url", count=3)
    card = fake.find("chat.postMessage", lambda c: "Escalation" in str(c.params.get("text")))[0]
    assert "&lt;!channel&gt;" in card.text()  # the question is shown, escaped, not dropped
    assert any(c.method == "response_url" and "draft" in c.text().lower() for c in fake.calls)
