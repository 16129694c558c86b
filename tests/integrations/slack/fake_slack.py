"""A local fake of Slack's Web API (and of response_url webhooks): a real HTTP server on 127.0.0.1 that records
every call and answers like Slack. Plus request signing, as Slack signs what it sends to the app.

Also a pytest plugin (registered in tests/conftest.py): the ``fake`` fixture, used by the Slack and red-team suites."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

BOT_USER = "UBOT0001"
TEAM = "T0TEAM01"


@dataclass
class Call:
    """One request the app made: the Web API method (or ``response_url``), its parameters and path."""

    method: str
    params: dict[str, Any]
    path: str

    def text(self) -> str:
        """Everything the call would show a user: text, blocks and view, as one JSON string."""
        return json.dumps({k: self.params.get(k) for k in ("text", "blocks", "view")}, ensure_ascii=False)


@dataclass
class FakeSlack:
    """The fake's state: recorded calls, scripted failures (method -> Slack error) and user-group members."""

    calls: list[Call] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    group_members: dict[str, list[str]] = field(default_factory=dict)
    url: str = ""
    base: str = ""
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, call: Call) -> dict[str, Any]:
        """Store a call and build Slack's answer to it."""
        with self._lock:
            self.calls.append(call)
            ts = f"1700000000.{next(self._ts):06d}"
        if call.method in self.failures:
            return {"ok": False, "error": self.failures[call.method]}
        channel = call.params.get("channel")
        answers: dict[str, dict[str, Any]] = {
            "auth.test": {"user_id": BOT_USER, "bot_id": "BBOT0001", "team_id": TEAM, "user": "playbook"},
            "chat.postMessage": {"channel": channel, "ts": ts, "message": {"ts": ts}},
            "chat.update": {"channel": channel, "ts": call.params.get("ts")},
            "chat.postEphemeral": {"message_ts": ts, "channel": channel},
            "views.open": {"view": {"id": "V0001"}},
            "usergroups.users.list": {"users": self.group_members.get(call.params.get("usergroup", ""), [])},
        }
        return {"ok": True, **answers.get(call.method, {})}

    def find(self, method: str, predicate: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        """Recorded calls of ``method`` that match ``predicate``."""
        with self._lock:
            return [c for c in self.calls if c.method == method and predicate(c)]

    def wait_for(
        self, method: str, predicate: Callable[[Call], bool] = lambda c: True, *, timeout: float = 10.0, count: int = 1
    ) -> list[Call]:
        """Poll until ``count`` matching calls were recorded (the app works after it acks); fail on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(method, predicate)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {method} call matched within {timeout}s; calls: {[c.method for c in self.calls]}")


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    """JSON-encoded form fields (blocks, view) decoded."""
    for key in ("blocks", "view", "attachments"):
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


def start_fake_slack() -> tuple[FakeSlack, ThreadingHTTPServer]:
    """Start the fake on a free loopback port; ``fake.url`` is the Web API base URL, ``fake.base`` the root."""
    fake = FakeSlack()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # http.server's naming
            raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
            if "json" in (self.headers.get("content-type") or ""):
                params = json.loads(raw or "{}")
            else:
                params = {k: v[0] for k, v in parse_qs(raw).items()}
            path, _, query = self.path.partition("?")
            params = {**{k: v[0] for k, v in parse_qs(query).items()}, **params}
            if path.startswith("/response/"):
                fake.record(Call("response_url", _decode(params), path))
                self._send(200, b"ok", "text/plain")
                return
            answer = fake.record(Call(path.removeprefix("/api/"), _decode(params), path))
            self._send(200, json.dumps(answer).encode(), "application/json")

        do_GET = do_POST  # noqa: N815 - http.server's naming

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.base = f"http://127.0.0.1:{server.server_address[1]}"
    fake.url = f"{fake.base}/api/"
    return fake, server


@pytest.fixture()
def fake() -> Iterator[FakeSlack]:
    """A fresh fake Slack Web API on 127.0.0.1 (it also stands in for a chat model's server that answers nonsense)."""
    fake_slack, server = start_fake_slack()
    try:
        yield fake_slack
    finally:
        server.shutdown()
        server.server_close()


def sign(secret: str, body: str, *, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
