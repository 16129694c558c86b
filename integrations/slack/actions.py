"""Buttons and modals: 👍 / 👎 (with the reason modal), Escalate, Share to channel, Copy and Regenerate."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from assistant.models import Answer, Draft, DraftRequest
from assistant.storage.feedback import FeedbackIn
from integrations.slack import blocks
from integrations.slack.escalation import build_handoff
from integrations.slack.flows import SlackDeps, draft_and_record, failure, post_private, run
from integrations.slack.store import SlackRecord

FEEDBACK_ROLE = "slack"
GONE = "I no longer have that message's details; please ask again."


def _where(body: dict[str, Any]) -> tuple[str, str, str | None]:
    """(user, channel, thread_ts) of a click."""
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id") or body["user"]["id"]
    return body["user"]["id"], channel, message.get("thread_ts") or container.get("thread_ts")


def _value(body: dict[str, Any]) -> str:
    """The clicked button's value."""
    return str(body["actions"][0].get("value") or "")


async def _record_feedback(
    deps: SlackDeps, item: FeedbackIn, client: AsyncWebClient, where: tuple[str, str, str | None]
) -> None:
    """Store a rating and thank the user (or show the failure)."""
    user, channel, thread_ts = where
    try:
        await run(deps.services.crm.feedback.record, item, role=FEEDBACK_ROLE)
        text = ":white_check_mark: Thanks — your feedback was recorded."
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        text = failure(exc)
    await post_private(client, channel, user, text, blocks.notice(text), thread_ts)


async def _load(
    deps: SlackDeps, record_id: str, client: AsyncWebClient, where: tuple[str, str, str | None]
) -> SlackRecord | None:
    """The answer or draft behind a button, or None (and the user is told)."""
    record = await run(deps.store.get, record_id) if record_id else None
    if record is None:
        await post_private(client, where[1], where[0], GONE, blocks.notice(GONE), where[2])
    return record


async def on_feedback_reason(deps: SlackDeps, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
    """The 👎 modal was submitted: store the rating with its reason."""
    view = body["view"]
    values = view["state"]["values"]
    reason = ((values["reason"]["value"].get("selected_option")) or {}).get("value")
    if reason not in blocks.FEEDBACK_REASONS:
        await ack(response_action="errors", errors={"reason": "Choose a reason."})
        return
    await ack()
    meta = json.loads(view.get("private_metadata") or "{}")
    comment = (values.get("comment", {}).get("value") or {}).get("value") or None
    item = FeedbackIn(answer_id=meta["answer_id"], rating="down", reason=reason, comment=comment)
    await _record_feedback(deps, item, client, (body["user"]["id"], meta.get("channel", ""), meta.get("thread_ts")))


async def on_escalate(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Post the handoff card to the tier's escalation channel and tell the user where it went."""
    where = _where(body)
    try:
        record = await _load(deps, _value(body), client, where)
        if record is None:
            return
        handoff = await run(build_handoff, deps, record, where[0])
        await client.chat_postMessage(channel=handoff.channel, text=handoff.text, blocks=handoff.blocks)
        text = f":outbox_tray: Escalated to {blocks.esc(handoff.channel)}."
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        text = failure(exc)
    await post_private(client, where[1], where[0], text, blocks.notice(text), where[2])


async def on_share(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    """Post a private answer to its channel (thread) for everyone, and remove the private copy."""
    where = _where(body)
    try:
        record = await _load(deps, _value(body), client, where)
        if record is None:
            return
        answer = Answer.model_validate(record.payload)
        await client.chat_postMessage(
            channel=record.channel, thread_ts=record.thread_ts, text=blocks.answer_text(answer),
            blocks=blocks.answer_blocks(answer, shared_by=where[0]),
        )
        if body.get("response_url"):
            await respond(delete_original=True)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        text = failure(exc)
        await post_private(client, where[1], where[0], text, blocks.notice(text), where[2])


async def on_copy(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient) -> None:
    """Open a modal with the draft in a code block."""
    record = await _load(deps, _value(body), client, _where(body))
    if record is not None:
        draft = Draft.model_validate(record.payload["draft"])
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.copy_modal(draft))


async def on_regenerate(deps: SlackDeps, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
    """Write the draft again in the other language, in place of the shown one."""
    where = _where(body)
    record_id, _, language = _value(body).partition(":")
    try:
        record = await _load(deps, record_id, client, where)
        if record is None:
            return
        request = DraftRequest.model_validate({**record.payload["request"], "language": language or None})
        new_id, draft = await draft_and_record(deps, request, user=where[0], channel=record.channel)
        text = f"{draft.kind.capitalize()} draft ({draft.language})"
        body_blocks = blocks.draft_blocks(new_id, draft)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        text = failure(exc)
        body_blocks = blocks.notice(text)
    if body.get("response_url"):
        await respond(text=text, blocks=body_blocks, replace_original=True)
    else:
        await post_private(client, where[1], where[0], text, body_blocks, where[2])


def register_actions(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the button and modal listeners on ``app``."""

    @app.action("feedback_up")
    async def feedback_up(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await _record_feedback(deps, FeedbackIn(answer_id=_value(body)[:64], rating="up"), client, _where(body))

    @app.action("feedback_down")
    async def feedback_down(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        user, channel, thread_ts = _where(body)
        metadata = {"answer_id": _value(body)[:64], "channel": channel, "thread_ts": thread_ts}
        await client.views_open(trigger_id=body["trigger_id"], view=blocks.feedback_modal(metadata))

    @app.view("feedback_reason")
    async def feedback_reason(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await on_feedback_reason(deps, ack, body, client)

    @app.action("escalate")
    async def escalate(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await on_escalate(deps, body, client)

    @app.action("share_answer")
    async def share(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await on_share(deps, body, client, respond)

    @app.action("draft_copy")
    async def copy(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await on_copy(deps, body, client)

    @app.action("draft_regenerate")
    async def regenerate(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await ack()
        await on_regenerate(deps, body, client, respond)
