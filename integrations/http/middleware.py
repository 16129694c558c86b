"""Per-request plumbing: request id, body size limit, one JSON log line, metrics."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.http.metrics import Metrics

log = logging.getLogger("playbook.http")


class RequestMiddleware:
    """Pure ASGI middleware (streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500}
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await _reject(send, rid)
            status["code"] = 413
            self._record(scope, status["code"], started, rid)
            return
        received = {"bytes": 0}

        async def limited_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                received["bytes"] += len(message.get("body", b""))
                if received["bytes"] > self.max_body:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            status["code"] = 413
            await _reject(send, rid)
        finally:
            self._record(scope, status["code"], started, rid)

    def _record(self, scope: Scope, status: int, started: float, rid: str) -> None:
        route = _route(scope)
        elapsed = time.perf_counter() - started
        self.metrics.requests.labels(scope.get("method", ""), route, str(status)).inc()
        self.metrics.latency.labels(route).observe(elapsed)
        state: dict[str, Any] = scope.get("state") or {}
        log.info(
            json.dumps(
                {
                    "request_id": rid,
                    "method": scope.get("method"),
                    "route": route,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    "role": state.get("role"),
                }
            )
        )


class BodyTooLarge(HTTPException):
    """The request body passed the configured limit.

    An ``HTTPException`` (413) so that FastAPI's body parsing re-raises it as is; any other exception raised while
    reading the body is turned into a 400 "error parsing the body" there, and a chunked oversize body got a 400.
    """

    def __init__(self) -> None:
        super().__init__(413, "the request body is too large")


def _route(scope: Scope) -> str:
    """The route template (``/v1/clients/{client_id}``), never the raw path with ids in it."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "unmatched"


async def _reject(send: Send, rid: str) -> None:
    body = json.dumps({"error": {"code": "body_too_large", "message": "the request body is too large"}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
