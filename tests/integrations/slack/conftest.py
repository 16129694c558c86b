"""Fixtures of the Slack tests: the real app (FastAPI + Bolt) pointed at the fake Slack Web API (the ``fake``
fixture of fake_slack.py), driven by signed requests to POST /slack/events."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.services import Services
from integrations.http.app import create_app
from tests.integrations.http.helpers import KEYRING

from .fake_slack import BOT_USER, TEAM, FakeSlack, sign

SECRET = "test-signing-secret-0123456789"
_ts = itertools.count(1)


def uid(prefix: str) -> str:
    """A unique Slack-looking id (tests share one database: never reuse channels, threads or users)."""
    return f"{prefix}{uuid.uuid4().hex[:10].upper()}"


def next_ts() -> str:
    """A fresh message timestamp."""
    return f"1710000000.{next(_ts):06d}"


def ack_text(response: httpx.Response) -> str:
    """What an ack shows the user (Bolt sends plain text, or JSON when there are blocks)."""
    try:
        return str(response.json()["text"])
    except ValueError:
        return response.text


class SlackDriver:
    """Sends what Slack would send (signed) to the app's POST /slack/events."""

    def __init__(self, client: TestClient, fake: FakeSlack) -> None:
        self.client = client
        self.fake = fake

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST a signed body."""
        all_headers = {"content-type": content_type, **sign(SECRET, body), **(headers or {})}
        return self.client.post("/slack/events", content=body, headers=all_headers)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None) -> httpx.Response:
        """Deliver an Events API callback."""
        payload = {"type": "event_callback", "team_id": TEAM, "api_app_id": "A0APP", "event": event,
                   "event_id": event_id or uid("Ev"), "event_time": 1710000000}
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(payload), "application/json", headers)

    def mention(self, channel: str, user: str, text: str, *, ts: str | None = None, thread_ts: str | None = None,
                ) -> tuple[httpx.Response, str]:
        """A mention of the bot; returns the response and the message ts."""
        ts = ts or next_ts()
        event = {"type": "app_mention", "user": user, "text": f"<@{BOT_USER}> {text}", "ts": ts, "channel": channel}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event), ts

    def message(self, channel: str, user: str, text: str, *, thread_ts: str | None = None,
                channel_type: str = "channel") -> tuple[httpx.Response, str]:
        """A plain message (channel or DM)."""
        ts = next_ts()
        event = {"type": "message", "user": user, "text": text, "ts": ts, "channel": channel,
                 "channel_type": channel_type}
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event), ts

    def command(self, text: str, *, user: str, channel: str) -> httpx.Response:
        """``/playbook <text>``; its response_url points at the fake."""
        form = {"command": "/playbook", "text": text, "user_id": user, "channel_id": channel, "team_id": TEAM,
                "response_url": f"{self.fake.base}/response/{uid('R')}", "trigger_id": uid("tr")}
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> httpx.Response:
        """An interactivity payload (button, shortcut, modal submission)."""
        payload = {"team": {"id": TEAM}, "api_app_id": "A0APP", "token": "x", **payload}
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    def click(self, action_id: str, value: str, *, user: str, channel: str, thread_ts: str | None = None,
              ephemeral: bool = False) -> httpx.Response:
        """Click a button of a message in ``channel``."""
        container = {"type": "message", "channel_id": channel, "is_ephemeral": ephemeral, "message_ts": next_ts()}
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user}, "channel": {"id": channel}, "container": container,
            "trigger_id": uid("tr"), "response_url": f"{self.fake.base}/response/{uid('R')}",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        }
        if not ephemeral:
            payload["message"] = {"ts": container["message_ts"], "thread_ts": thread_ts}
        return self.interact(payload)

    def submit(
        self, callback_id: str, values: dict[str, Any], *, user: str, metadata: dict[str, Any]
    ) -> httpx.Response:
        """Submit a modal: ``values`` maps block ids to the element state (action id ``value``)."""
        view = {"id": "V0001", "type": "modal", "callback_id": callback_id, "private_metadata": json.dumps(metadata),
                "state": {"values": {block: {"value": state} for block, state in values.items()}}}
        return self.interact({"type": "view_submission", "user": {"id": user}, "view": view, "trigger_id": uid("tr")})


@pytest.fixture()
def slack(kb_services: Services, fake: FakeSlack) -> Callable[..., Any]:
    """``with slack(**settings_overrides) as driver``: the real app with Slack on, pointed at the fake.

    ``slack(settled=True)`` answers each request only once its listener has finished
    (``process_before_response``): a test that asserts nothing was posted knows the dispatch is over.
    """

    @contextmanager
    def make(*, settled: bool = False, **overrides: Any) -> Iterator[SlackDriver]:
        settings = kb_services.settings.model_copy(update={
            "slack_bot_token": SecretStr("xoxb-test-token"), "slack_signing_secret": SecretStr(SECRET),
            "slack_api_url": fake.url, **overrides,
        })
        app = create_app(settings, services=kb_services, keys=KEYRING, slack_process_before_response=settled)
        with TestClient(app, raise_server_exceptions=False) as client:
            yield SlackDriver(client, fake)

    return make
