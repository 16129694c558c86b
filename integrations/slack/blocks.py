"""Block Kit for the messages and modals the Slack app sends (quiz ones: :mod:`~integrations.slack.quiz_blocks`).

Text from documents or users is always escaped.
"""

from __future__ import annotations

import json
import re
from typing import Any

from assistant.models import Answer, Citation, Draft

Block = dict[str, Any]
SECTION_MAX = 2900
FEEDBACK_REASONS = {
    "wrong_policy": "Wrong policy",
    "outdated": "Outdated",
    "missing": "Something is missing",
    "tone": "Tone",
    "should_have_escalated": "Should have escalated",
}
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}
HELP = (
    "*Playbook Assistant*\n"
    "• `/playbook ask <question>` — an answer from the playbook, with its sources\n"
    "• `/playbook draft refund|rescue <client-id> <customer message>` — a policy-checked reply draft\n"
    "• `/playbook quiz [topic] [n]` — a quiz from the playbook, graded with its sources "
    "(`/playbook quiz help` lists the topics)\n"
    "• `/playbook help` — this help\n"
    "Mention me in a channel or write to me directly; I answer in the thread and follow up there."
)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def user_mention(user_id: str) -> str:
    """``<@U…>`` for a well-formed user id, else a neutral word (never an injected mention)."""
    return f"<@{user_id}>" if re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id) else "someone"


def esc(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so no mention, ``<!channel>`` or link can be injected."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> str:
    """Escaped text with Markdown bold (``**x**``) turned into Slack's (``*x*``) and tables set in monospace.

    Slack has no tables: a Markdown table becomes a preformatted block with its columns aligned.
    """
    return _BOLD.sub(r"*\1*", esc(_tables_preformatted(text)))


_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _tables_preformatted(text: str) -> str:
    out: list[str] = []
    run: list[list[str]] = []
    for line in [*text.split("\n"), ""]:
        if _TABLE_LINE.match(line):
            if not _TABLE_SEPARATOR.match(line):
                run.append([c.strip().replace("**", "") for c in line.strip().strip("|").split("|")])
            continue
        if run:
            widths = [max(len(row[i]) if i < len(row) else 0 for row in run) for i in range(max(map(len, run)))]
            rows = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in run]
            out.append("```\n" + "\n".join(rows) + "\n```")
            run = []
        out.append(line)
    return "\n".join(out[:-1])


def section(text: str) -> Block:
    """A mrkdwn section (``text`` must already be escaped)."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_MAX]}}


def context(text: str) -> Block:
    """A small grey line (``text`` must already be escaped)."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_MAX]}]}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A button element."""
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": text, "emoji": True},
                      "action_id": action_id, "value": value[:2000]}
    if style:
        element["style"] = style
    return element


def split_text(text: str) -> list[str]:
    """Cut text into pieces that fit a section, at line breaks where possible."""
    pieces, current = [], ""
    for line in text.splitlines(keepends=True):
        while len(line) > SECTION_MAX:
            pieces.append(line[:SECTION_MAX])
            line = line[SECTION_MAX:]
        if len(current) + len(line) > SECTION_MAX:
            pieces.append(current)
            current = ""
        current += line
    return [p for p in [*pieces, current] if p.strip()] or [" "]


def source_line(c: Citation) -> str:
    """``[n] Title › Section — owner · effective date`` (escaped)."""
    heading = c.title if not c.section else f"{c.title} › {c.section}"
    extra = " · ".join(x for x in (c.owner, f"effective {c.effective_date}" if c.effective_date else None) if x)
    return f"*[{c.n}]* {esc(heading)}" + (f" — {esc(extra)}" if extra else "")


def sources(citations: list[Citation], title: str = "Sources") -> list[Block]:
    """The numbered sources as one section (none when there are no citations)."""
    if not citations:
        return []
    return [section(f"*{title}*\n" + "\n".join(source_line(c) for c in citations))]


def answer_text(answer: Answer) -> str:
    """Notification text of an answer (escaped, short)."""
    return esc(answer.answer[:280])


def answer_blocks(answer: Answer, *, private: bool = False, shared_by: str | None = None) -> list[Block]:
    """An answer: its text, numbered sources, and the buttons (👍, 👎, Escalate, Share to channel when private)."""
    blocks = [section(piece) for piece in split_text(mrkdwn(answer.answer))][:40]
    blocks += sources(answer.citations)
    note = "I could not find this in the playbook." if answer.abstained else f"confidence {answer.confidence:.2f}"
    if shared_by:
        note += f" · shared by {user_mention(shared_by)}"
    blocks.append(context(note))
    actions = [
        button("👍", "feedback_up", answer.id),
        button("👎", "feedback_down", answer.id),
        button("Escalate", "escalate", answer.id),
    ]
    if private:
        actions.append(button("Share to channel", "share_answer", answer.id, style="primary"))
    blocks.append({"type": "actions", "block_id": "answer_actions", "elements": actions})
    return blocks


def draft_blocks(record_id: str, draft: Draft) -> list[Block]:
    """A draft: the reply, recommended action, SLA due time, policy sources, Copy / Regenerate / Escalate."""
    client = draft.client
    action = draft.recommended_action.replace("_", " ")
    if draft.amount is not None:
        action += f" ({draft.currency} {draft.amount:,.2f})"
    facts = [
        f"*Client:* {esc(str(client.get('name', '')))} ({esc(str(client.get('id', '')))}, "
        f"tier {esc(str(client.get('tier', '')))})",
        f"*Recommended action:* {esc(action)}",
        f"*SLA:* first response due {draft.sla.first_response_due:%Y-%m-%d %H:%M %Z}, "
        f"resolution due {draft.sla.resolution_due:%Y-%m-%d %H:%M %Z} ({esc(draft.sla.state)})",
        f"*Typification:* {esc(draft.typification)}",
    ]
    if draft.requires_approval or draft.escalate_to:
        facts.append(f"*Needs:* approval by {esc(draft.escalate_to or 'a supervisor')}")
    other = "es" if draft.language == "en" else "en"
    blocks = [
        section(f"*{draft.kind.capitalize()} draft* ({LANGUAGE_NAMES.get(draft.language, esc(draft.language))})"),
        *[section(piece) for piece in split_text(esc(draft.draft))],
        section("\n".join(facts)),
        *sources(draft.policy_citations, "Policy sources"),
        {"type": "actions", "block_id": "draft_actions", "elements": [
            button("Copy", "draft_copy", record_id),
            button(f"Regenerate in {LANGUAGE_NAMES[other]}", "draft_regenerate", f"{record_id}:{other}"),
            button("Escalate", "escalate", record_id),
        ]},
    ]
    return blocks


def copy_modal(draft: Draft) -> Block:
    """A modal showing the draft in a code block, ready to copy."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Copy the draft"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [section(f"```{piece}```") for piece in split_text(esc(draft.draft))][:20],
    }


def feedback_modal(metadata: dict[str, Any]) -> Block:
    """The 👎 modal: which reason (the same as ``POST /v1/feedback``) and an optional comment."""
    options = [{"text": {"type": "plain_text", "text": label}, "value": value} for value, label in
               FEEDBACK_REASONS.items()]
    return {
        "type": "modal",
        "callback_id": "feedback_reason",
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "What was wrong?"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {"type": "input", "block_id": "reason", "label": {"type": "plain_text", "text": "Reason"},
             "element": {"type": "radio_buttons", "action_id": "value", "options": options}},
            {"type": "input", "block_id": "comment", "optional": True,
             "label": {"type": "plain_text", "text": "Comment"},
             "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 2000}},
        ],
    }


def draft_reply_modal(message: str, metadata: dict[str, Any]) -> Block:
    """The "Draft reply" shortcut's modal: kind, client id and the customer's message (prefilled)."""
    kinds = [{"text": {"type": "plain_text", "text": k.capitalize()}, "value": k} for k in ("refund", "rescue")]
    message_input: Block = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000}
    if message.strip():
        message_input["initial_value"] = message[:3000]
    return {
        "type": "modal",
        "callback_id": "draft_reply_modal",
        "private_metadata": json.dumps(metadata),
        "title": {"type": "plain_text", "text": "Draft reply"},
        "submit": {"type": "plain_text", "text": "Draft"},
        "blocks": [
            {"type": "input", "block_id": "kind", "label": {"type": "plain_text", "text": "Kind"},
             "element": {"type": "static_select", "action_id": "value", "options": kinds, "initial_option": kinds[0]}},
            {"type": "input", "block_id": "client_id", "label": {"type": "plain_text", "text": "Client id"},
             "element": {"type": "plain_text_input", "action_id": "value", "max_length": 40,
                         "placeholder": {"type": "plain_text", "text": "C-1001"}}},
            {"type": "input", "block_id": "message", "label": {"type": "plain_text", "text": "Customer message"},
             "element": message_input},
        ],
    }


def escalation_card(
    *, client: str, tier: str, sla_left: str, question: str, answer: str, citations: list[Citation], owner: str,
    tag: str | None, requested_by: str,
) -> list[Block]:
    """The handoff card posted to a tier's escalation channel (``tag`` is a trusted ``<@U…>``/``<!subteam^S…>``)."""
    who = f"{tag} ({esc(owner)})" if tag else esc(owner)
    blocks = [
        section(f":rotating_light: *Escalation* requested by {user_mention(requested_by)} — for {who}"),
        section(f"*Client:* {esc(client)}\n*Tier:* {esc(tier)}\n*SLA:* {esc(sla_left)}"),
        section(f"*Question*\n{esc(question)[:1500]}"),
        section(f"*Answer*\n{mrkdwn(answer)[:2500]}"),
        *sources(citations),
    ]
    return blocks


def notice(text: str) -> list[Block]:
    """A one-section message (``text`` must already be escaped)."""
    return [section(text)]


def error_text(reference: str, message: str | None = None) -> str:
    """The short message a user sees when something failed (``message`` is escaped here)."""
    what = esc(message) if message else "Something went wrong on my side."
    return f":warning: {what} (reference `{reference}`) — please try again, or share the reference with the team."
