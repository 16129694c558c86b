"""``/playbook ask|draft|quiz|help`` and the "Draft reply" message shortcut (with its modal)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from assistant.clean import clean_text
from assistant.errors import ClientNotFound
from assistant.models import DraftRequest
from integrations.slack import blocks
from integrations.slack.flows import (
    THINKING,
    SlackDeps,
    ask_and_record,
    channel_allowed,
    draft_and_record,
    failure,
    gate,
    post_private,
    run,
)
from integrations.slack.quiz import on_quiz_command

DRAFT_USAGE = "Usage: `/playbook draft refund|rescue <client-id> <customer message>`"
ASK_USAGE = "Usage: `/playbook ask <question>`"


def parse_draft(text: str) -> DraftRequest | None:
    """``refund|rescue <client-id> <message>`` as a draft request, or None when it does not parse."""
    parts = text.split(maxsplit=2)
    if len(parts) < 3 or parts[0].lower() not in ("refund", "rescue"):
        return None
    try:
        return DraftRequest(kind=parts[0].lower(), client_id=parts[1], message=parts[2])
    except ValidationError:
        return None


async def on_playbook(
    deps: SlackDeps, ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
) -> None:
    """``/playbook <subcommand> …``.

    Help and unknown subcommands are answered in the ack; ask, draft and quiz are acknowledged with a
    progress line that the result then replaces (quiz help and unknown topics in the ack).
    """
    sub, _, rest = clean_text(command.get("text") or "").strip().partition(" ")
    sub, rest = sub.lower(), rest.strip()
    channel, user = command.get("channel_id", ""), command.get("user_id", "")
    if sub in ("", "help"):
        await ack(text=blocks.HELP, blocks=blocks.notice(blocks.HELP))
        return
    if sub not in ("ask", "draft", "quiz"):
        text = f"I don't know `{blocks.esc(sub[:40])}`.\n\n{blocks.HELP}"
        await ack(text=text, blocks=blocks.notice(text))
        return
    if not channel_allowed(deps.settings, channel):
        await ack(text=":no_entry: The assistant is not enabled in this channel. Try a direct message.")
        return
    if sub == "quiz":
        await on_quiz_command(deps, ack, rest, user=user, channel=channel, client=client, respond=respond)
        return
    request = parse_draft(rest) if sub == "draft" else None
    if (sub == "ask" and not rest) or (sub == "draft" and request is None):
        await ack(text=ASK_USAGE if sub == "ask" else DRAFT_USAGE)
        return
    refusal = await gate(deps, client, channel, user)
    if refusal:
        await ack(text=refusal)
        return
    await ack(text=THINKING if sub == "ask" else ":memo: _Drafting the reply…_")
    try:
        if request is None:
            result = await ask_and_record(deps, rest, user=user, channel=channel, thread_ts=None)
            body = blocks.answer_blocks(result, private=True)
            await respond(text=blocks.answer_text(result), blocks=body, replace_original=True)
        else:
            record_id, draft = await draft_and_record(deps, request, user=user, channel=channel)
            text = f"{draft.kind.capitalize()} draft for {blocks.esc(str(draft.client.get('name', '')))}"
            await respond(text=text, blocks=blocks.draft_blocks(record_id, draft), replace_original=True)
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        await respond(text=message, blocks=blocks.notice(message), replace_original=True)


async def on_draft_reply_submitted(
    deps: SlackDeps, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
) -> None:
    """The "Draft reply" modal was submitted: check the client id now (errors shown in the modal), then draft."""
    values = view["state"]["values"]
    kind = ((values["kind"]["value"].get("selected_option")) or {}).get("value", "refund")
    client_id = values["client_id"]["value"].get("value") or ""
    message = values["message"]["value"].get("value") or ""
    meta = json.loads(view.get("private_metadata") or "{}")
    user, channel = body["user"]["id"], meta.get("channel") or body["user"]["id"]
    try:
        request = DraftRequest(kind=kind, client_id=client_id, message=message)
        await run(deps.services.crm.clients.get, client_id)
    except ValidationError:
        await ack(response_action="errors", errors={"message": "Enter the customer's message (up to 5000 chars)."})
        return
    except ClientNotFound as exc:
        await ack(response_action="errors", errors={"client_id": exc.message[:150]})
        return
    refusal = await gate(deps, client, channel, user)
    if refusal:
        await ack(response_action="errors", errors={"message": refusal[:150]})
        return
    await ack()
    try:
        record_id, draft = await draft_and_record(deps, request, user=user, channel=channel)
        text = f"{draft.kind.capitalize()} draft for {blocks.esc(str(draft.client.get('name', '')))}"
        await post_private(
            client, channel, user, text, blocks.draft_blocks(record_id, draft), meta.get("thread_ts")
        )
    except Exception as exc:  # noqa: BLE001 - every failure is shown to the user with a reference
        message = failure(exc)
        await post_private(client, channel, user, message, blocks.notice(message), meta.get("thread_ts"))


def register_commands(app: AsyncApp, deps: SlackDeps) -> None:
    """Register the slash command and the message shortcut on ``app``."""

    @app.command("/playbook")
    async def playbook(ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond) -> None:
        await on_playbook(deps, ack, command, client, respond)

    @app.shortcut("draft_reply")
    async def draft_reply(ack: AsyncAck, shortcut: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        message = shortcut.get("message") or {}
        metadata = {"channel": (shortcut.get("channel") or {}).get("id", ""),
                    "thread_ts": message.get("thread_ts") or message.get("ts")}
        view = blocks.draft_reply_modal(message.get("text", ""), metadata)
        await client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    @app.view("draft_reply_modal")
    async def draft_reply_submitted(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await on_draft_reply_submitted(deps, ack, body, view, client)
