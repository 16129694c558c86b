"""The work behind the listeners: gates, answering in a thread, drafting, failures shown with a reference id.

Gates are the channel allowlist, per-channel user groups and the per-user rate limit. Blocking calls
(retrieval, the database) run in worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from assistant import entry
from assistant.clean import clean_text
from assistant.errors import PlaybookError
from assistant.models import Answer, Draft, DraftRequest
from assistant.questions import AskRequest
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.base import utcnow
from integrations.slack import blocks
from integrations.slack.store import SlackRecord, SlackStore

log = logging.getLogger("playbook.slack")
T = TypeVar("T")
THINKING = ":hourglass_flowing_sand: _Looking that up in the playbook…_"
PROGRESS_REACTION = "hourglass_flowing_sand"
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


@dataclass
class SlackDeps:
    """What every listener gets, through a closure: the services, the settings and the Slack store."""

    services: Services
    settings: Settings
    store: SlackStore


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking call (retrieval, the database) in a worker thread, keeping the event loop free."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def failure(exc: BaseException) -> str:
    """Log a failure under a new reference id and return the message the user sees."""
    reference = uuid.uuid4().hex[:10]
    if isinstance(exc, PlaybookError):
        log.warning("slack request failed: ref=%s code=%s", reference, exc.code)
        return blocks.error_text(reference, exc.message)
    log.error("slack request failed: ref=%s %s", reference, type(exc).__name__, exc_info=exc)
    return blocks.error_text(reference)


def strip_mentions(text: str) -> str:
    """The question without user mentions (the bot's own mention starts every question), cleaned of non-text.

    A lone surrogate could be neither stored nor sent back.
    """
    return clean_text(_MENTION.sub(" ", text)).strip()


def channel_allowed(settings: Settings, channel: str) -> bool:
    """Whether the app works in ``channel``: direct messages always, channels per the allowlist (unset: all)."""
    allowed = settings.slack_allowed_channels
    return allowed is None or channel.startswith("D") or channel in allowed


async def user_allowed(deps: SlackDeps, client: AsyncWebClient, channel: str, user: str) -> bool:
    """Whether ``user`` belongs to one of the channel's allowed user groups (no groups: everyone)."""
    groups = deps.settings.slack_channel(channel).allowed_user_groups
    for group in groups:
        response = await client.usergroups_users_list(usergroup=group)
        if user in (response.get("users") or []):
            return True
    return not groups


async def within_rate(deps: SlackDeps, user: str) -> bool:
    """Count one request by ``user``; False when they are over the limit (counted in the database)."""
    s = deps.settings
    return await run(deps.store.allow, user, limit=s.slack_rate_limit, window_seconds=s.slack_rate_window_seconds)


def rate_limited_text(settings: Settings) -> str:
    """The polite message shown to a user over the rate limit."""
    window = settings.slack_rate_window_seconds
    span = "minute" if window == 60 else f"{window} seconds"
    return (f":pray: You have sent {settings.slack_rate_limit} requests in the last {span}. "
            "Please give me a moment and try again shortly.")


async def gate(deps: SlackDeps, client: AsyncWebClient, channel: str, user: str) -> str | None:
    """None when ``user`` may ask in ``channel`` now; else the message to show them."""
    if not await user_allowed(deps, client, channel, user):
        return ":lock: In this channel the assistant answers members of its allowed user groups only."
    if not await within_rate(deps, user):
        return rate_limited_text(deps.settings)
    return None


async def ask_and_record(
    deps: SlackDeps, question: str, *, user: str, channel: str, thread_ts: str | None
) -> Answer:
    """Answer ``question`` with the thread's history, store the turns and the answer (for its buttons)."""
    history = await run(deps.store.history, channel, thread_ts) if thread_ts else []
    result = await run(entry.answer, deps.services, AskRequest(question=question, thread=history))
    if thread_ts:
        await run(deps.store.add_turns, channel, thread_ts, [("user", question), ("assistant", result.answer)])
    record = SlackRecord(
        id=result.id, kind="answer", user_id=user, channel=channel, thread_ts=thread_ts, question=question,
        payload=result.model_dump(mode="json"), created_at=utcnow(),
    )
    await run(deps.store.save, record)
    return result


async def answer_in_thread(
    deps: SlackDeps, client: AsyncWebClient, *, channel: str, user: str, ts: str, thread_ts: str, text: str
) -> None:
    """Answer a mention, DM or follow-up in its thread: progress first, then the answer (or an error) in place."""
    private = deps.settings.slack_channel(channel).ephemeral and not channel.startswith("D")
    refusal = await gate(deps, client, channel, user)
    if refusal:
        await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=refusal)
        return
    placeholder: str | None = None
    reacted = False
    try:
        await client.reactions_add(channel=channel, timestamp=ts, name=PROGRESS_REACTION)
        reacted = True
        if not private:
            posted = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=THINKING)
            placeholder = posted["ts"]
        result = await ask_and_record(deps, strip_mentions(text), user=user, channel=channel, thread_ts=thread_ts)
        body = blocks.answer_blocks(result, private=private)
        if placeholder:
            await client.chat_update(channel=channel, ts=placeholder, text=blocks.answer_text(result), blocks=body)
        else:
            await client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_ts, text=blocks.answer_text(result), blocks=body
            )
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        if placeholder:
            await client.chat_update(channel=channel, ts=placeholder, text=message, blocks=blocks.notice(message))
        else:
            await client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=message)
    finally:
        if reacted:
            await client.reactions_remove(channel=channel, timestamp=ts, name=PROGRESS_REACTION)


async def draft_and_record(deps: SlackDeps, request: DraftRequest, *, user: str, channel: str) -> tuple[str, Draft]:
    """Write a draft and store it with its request (for Copy and Regenerate); return its record id and the draft."""
    result = await run(entry.draft, deps.services, request)
    record_id = uuid.uuid4().hex
    payload = {"request": request.model_dump(mode="json"), "draft": result.model_dump(mode="json")}
    record = SlackRecord(
        id=record_id, kind="draft", user_id=user, channel=channel, thread_ts=None, question=request.message,
        payload=payload, created_at=utcnow(),
    )
    await run(deps.store.save, record)
    return record_id, result


async def post_private(
    client: AsyncWebClient, channel: str, user: str, text: str, body: list[dict[str, Any]], thread_ts: str | None = None
) -> None:
    """Show a message to ``user`` only: ephemeral in ``channel``, or a direct message when that is not possible."""
    try:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=body, thread_ts=thread_ts)
    except SlackApiError:
        await client.chat_postMessage(channel=user, text=text, blocks=body)
