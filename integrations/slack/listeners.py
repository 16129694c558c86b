"""Events: mentions and direct messages are answered in their thread.

Follow-ups in a thread the assistant has answered are answered without a new mention (unless the channel
is set to mention-only).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack.flows import SlackDeps, answer_in_thread, channel_allowed, run

IGNORED_SUBTYPES = {"bot_message", "message_changed", "message_deleted", "channel_join", "channel_leave"}


def register_events(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the event listeners on ``app``."""

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        channel = event.get("channel", "")
        if channel.startswith("D") or not channel_allowed(deps.settings, channel) or not event.get("user"):
            return  # direct messages arrive as message.im; other channels are not ours
        await answer_in_thread(
            deps, client, channel=channel, user=event["user"], ts=event["ts"],
            thread_ts=event.get("thread_ts") or event["ts"], text=event.get("text", ""),
        )

    @app.event("message")
    async def on_message(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
        if event.get("subtype") in IGNORED_SUBTYPES or event.get("subtype") or event.get("bot_id"):
            return
        channel, user, text = event.get("channel", ""), event.get("user"), event.get("text", "")
        if not user or not text.strip() or not channel_allowed(deps.settings, channel):
            return
        thread_ts = event.get("thread_ts")
        if event.get("channel_type") == "im":
            await answer_in_thread(
                deps, client, channel=channel, user=user, ts=event["ts"], thread_ts=thread_ts or event["ts"], text=text
            )
            return
        bot = context.bot_user_id
        if not thread_ts or (bot and f"<@{bot}" in text):
            return  # top-level chatter is not for us; mentions are answered by on_mention
        if deps.settings.slack_channel(channel).mention_only:
            return
        if not await run(deps.store.thread_known, channel, thread_ts):
            return
        await answer_in_thread(deps, client, channel=channel, user=user, ts=event["ts"], thread_ts=thread_ts, text=text)
