"""``create_slack_app(services, settings)``: the Bolt app, its listeners, retry de-duplication and error reporting.

Listeners ack first and work after (``process_before_response=False``): Slack gets its answer well inside
3 seconds, the user sees progress, then the result (or a short error with a reference id). With
``process_before_response=True`` each request is answered only once its listener has finished: for hosts that
freeze work after the response (FaaS), and for tests that must know the dispatch is over.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from assistant.errors import ConfigError
from assistant.services import Services
from assistant.settings import Settings
from integrations.slack.actions import register_actions
from integrations.slack.commands import register_commands
from integrations.slack.flows import SlackDeps, failure, run
from integrations.slack.listeners import register_events
from integrations.slack.quiz import register_quiz
from integrations.slack.store import SlackStore

log = logging.getLogger("playbook.slack")


def create_slack_app(
    services: Services,
    settings: Settings,
    *,
    client: AsyncWebClient | None = None,
    process_before_response: bool = False,
) -> AsyncApp:
    """Build the Bolt app over ``services``.

    Args:
        services: built by :func:`assistant.factory.build_services` (its database holds the Slack state).
        settings: effective settings; the bot token is required, the signing secret for HTTP delivery.
        client: Web API client (default: one with the bot token and ``PLAYBOOK_SLACK_API_URL``).
        process_before_response: answer each request only after its listener has finished (default: ack
            first, work after).

    Returns:
        The AsyncApp, listeners registered.

    Raises:
        ConfigError: no bot token.
    """
    if settings.slack_bot_token is None:
        raise ConfigError("PLAYBOOK_SLACK_BOT_TOKEN is not set")
    web = client or AsyncWebClient(token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = AsyncApp(
        client=web,
        signing_secret=secret,
        request_verification_enabled=secret is not None,  # Socket Mode needs no signature
        process_before_response=process_before_response,
        logger=logging.getLogger("playbook.slack.bolt"),
    )
    deps = SlackDeps(services=services, settings=settings, store=SlackStore(services.crm.db))

    @app.middleware
    async def deduplicate(req: AsyncBoltRequest, resp: BoltResponse, next_: Callable[[], Awaitable[None]]) -> Any:
        body = req.body or {}
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and not await run(deps.store.first_delivery, str(event_id)):
            retry = (req.headers.get("x-slack-retry-num") or ["0"])[0]
            log.info("slack event %s already handled (retry %s): ignored", event_id, retry)
            return BoltResponse(status=200, body="")
        return await next_()

    @app.error
    async def on_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
        await report_error(error, body, client)

    register_events(app, deps)
    register_commands(app, deps)
    register_actions(app, deps)
    register_quiz(app, deps)
    return app


async def report_error(error: Exception, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Tell the user who triggered ``body`` that it failed, with a reference id (the last line of defence)."""
    message = failure(error)
    event = body.get("event") or {}
    user = body.get("user_id") or (body.get("user") or {}).get("id") or event.get("user")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id") or event.get("channel")
    try:
        if body.get("response_url"):
            await AsyncWebhookClient(body["response_url"]).send(text=message, response_type="ephemeral")
        elif channel and user:
            thread_ts = event.get("thread_ts") or event.get("ts")
            await client.chat_postEphemeral(channel=channel, user=user, text=message, thread_ts=thread_ts)
    except Exception:  # nothing more can be done; the reference is in the log
        log.exception("could not report a Slack error to the user")


@dataclass
class SlackRuntime:
    """The running Slack app: its HTTP handler, and the Socket Mode connection when used."""

    app: AsyncApp
    handler: AsyncSlackRequestHandler
    socket: Any = None

    async def close(self) -> None:
        """Close the Socket Mode connection, if any."""
        if self.socket is not None:
            await self.socket.close_async()


async def start_slack(
    services: Services, settings: Settings, *, socket_mode: bool = False, process_before_response: bool = False
) -> SlackRuntime:
    """Build the Slack app and, with ``socket_mode``, connect it over Socket Mode (PLAYBOOK_SLACK_APP_TOKEN).

    ``process_before_response`` is passed to :func:`create_slack_app`.

    Raises:
        ConfigError: missing tokens.
    """
    app = create_slack_app(services, settings, process_before_response=process_before_response)
    runtime = SlackRuntime(app=app, handler=AsyncSlackRequestHandler(app))
    if socket_mode:
        if settings.slack_app_token is None:
            raise ConfigError("--slack-socket needs PLAYBOOK_SLACK_APP_TOKEN (an xapp- token)")
        from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

        runtime.socket = AsyncSocketModeHandler(app, settings.slack_app_token.get_secret_value())
        await runtime.socket.connect_async()
    return runtime
