"""Buttons and modals: 👍 / 👎 stored (with the reason), Escalate posts the handoff card to the tier's channel,
Share to channel, Copy and Regenerate of drafts, and escaping of injected mentions."""

from __future__ import annotations

from typing import Any

import pytest

from assistant.models import Answer, Citation
from assistant.services import Services
from assistant.settings import SlackChannelSettings
from integrations.slack import blocks

from .conftest import SlackDriver, uid
from .fake_slack import Call, FakeSlack

pytestmark = pytest.mark.slow


def button_value(call: Call, action_id: str) -> str:
    """The value of the button ``action_id`` in a recorded message."""
    for block in call.params.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return str(element["value"])
    raise AssertionError(f"no {action_id} button in {call.params.get('blocks')}")


def answered(driver: SlackDriver, fake: FakeSlack, channel: str, user: str, question: str) -> tuple[Call, str]:
    """Mention the bot and wait for the answer; return the answer's call and the thread ts."""
    _, ts = driver.mention(channel, user, question)
    return fake.wait_for("chat.update", lambda c: c.params.get("channel") == channel)[0], ts


def test_thumbs_up_is_stored(slack: Any, fake: FakeSlack, kb_services: Services) -> None:
    """A failure means 👍 clicks are lost."""
    channel, user = uid("C"), uid("U")
    with slack() as driver:
        answer, ts = answered(driver, fake, channel, user, "How do I process a refund?")
        answer_id = button_value(answer, "feedback_up")
        driver.click("feedback_up", answer_id, user=user, channel=channel, thread_ts=ts)
        thanks = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)[0]
    assert "Thanks" in thanks.params["text"]
    assert [f.rating for f in kb_services.crm.feedback.for_answer(answer_id)] == ["up"]


def test_thumbs_down_opens_the_reason_modal_and_stores_the_reason(
    slack: Any, fake: FakeSlack, kb_services: Services
) -> None:
    """A failure means 👎 cannot say what was wrong, or the reason is not stored like /v1/feedback's."""
    channel, user = uid("C"), uid("U")
    with slack() as driver:
        answer, ts = answered(driver, fake, channel, user, "How do I process a refund?")
        answer_id = button_value(answer, "feedback_down")
        driver.click("feedback_down", answer_id, user=user, channel=channel, thread_ts=ts)
        view = fake.wait_for("views.open")[0].params["view"]
        assert view["callback_id"] == "feedback_reason"
        reasons = [o["value"] for o in view["blocks"][0]["element"]["options"]]
        assert reasons == ["wrong_policy", "outdated", "missing", "tone", "should_have_escalated"]
        import json

        metadata = json.loads(view["private_metadata"])
        values = {"reason": {"type": "radio_buttons", "selected_option": {"value": "outdated"}},
                  "comment": {"type": "plain_text_input", "value": "window changed"}}
        assert driver.submit("feedback_reason", values, user=user, metadata=metadata).status_code == 200
        fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)
    stored = kb_services.crm.feedback.for_answer(answer_id)
    assert [(f.rating, f.reason, f.comment) for f in stored] == [("down", "outdated", "window changed")]


def test_escalate_posts_the_handoff_card_to_the_tiers_channel(slack: Any, fake: FakeSlack) -> None:
    """A failure means Escalate goes nowhere, to the wrong tier's channel, or drops the case's facts."""
    channel, user = uid("C"), uid("U")
    question = "Client C-2002 says <!channel> the refund is late, what is the refund window?"
    with slack() as driver:
        answer, ts = answered(driver, fake, channel, user, question)
        driver.click("escalate", button_value(answer, "escalate"), user=user, channel=channel, thread_ts=ts)
        card = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "#cx-escalations-tier-b")[0]
        confirm = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)[0]
    shown = card.text()
    for expected in ("Brightfield Logistics", "Tier:* B", "first response", "left", "Question", "Answer", "*[1]*",
                     "Subdirector de Experiencia del Cliente"):
        assert expected in shown, expected
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "#cx-escalations-tier-b" in confirm.params["text"]


def test_escalation_channel_and_tag_come_from_settings(slack: Any, fake: FakeSlack) -> None:
    """A failure means the per-tier override of the escalation channel or the tagged group is ignored."""
    channel, user = uid("C"), uid("U")
    overrides = {"slack_escalation_channels": {"B": "C0ESCB"}, "slack_escalation_tags": {"B": "S0TEAMB"}}
    with slack(**overrides) as driver:
        driver.command("draft refund C-2002 I was charged twice this month", user=user, channel=channel)
        draft = fake.wait_for("response_url")[0]
        driver.click("escalate", button_value(draft, "escalate"), user=user, channel=channel, ephemeral=True)
        card = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == "C0ESCB")[0]
    assert "<!subteam^S0TEAMB>" in card.text() and "Brightfield" in card.text() and "resolution" in card.text()


def test_private_answer_can_be_shared_to_the_channel(slack: Any, fake: FakeSlack) -> None:
    """A failure means answers in ephemeral channels stay private, or the private copy lingers after sharing."""
    channel, user = uid("C"), uid("U")
    with slack(slack_channels={channel: SlackChannelSettings(ephemeral=True)}) as driver:
        _, ts = driver.mention(channel, user, "What is the refund window for tier B clients?")
        private = fake.wait_for("chat.postEphemeral", lambda c: c.params.get("channel") == channel)[0]
        assert private.params["user"] == user and private.params["thread_ts"] == ts
        assert not fake.find("chat.postMessage", lambda c: c.params.get("channel") == channel)
        driver.click("share_answer", button_value(private, "share_answer"), user=user, channel=channel, ephemeral=True)
        shared = fake.wait_for("chat.postMessage", lambda c: c.params.get("channel") == channel)[0]
        deleted = fake.wait_for("response_url")[0]
    assert shared.params["thread_ts"] == ts and "30 days" in shared.text() and f"<@{user}>" in shared.text()
    assert "share_answer" not in shared.text()
    assert deleted.params["delete_original"] is True


def test_draft_copy_and_regenerate_in_the_other_language(slack: Any, fake: FakeSlack) -> None:
    """A failure means a draft cannot be copied or regenerated in Spanish."""
    channel, user = uid("C"), uid("U")
    with slack() as driver:
        driver.command("draft refund C-2002 I was charged twice this month", user=user, channel=channel)
        draft = fake.wait_for("response_url")[0]
        driver.click("draft_copy", button_value(draft, "draft_copy"), user=user, channel=channel, ephemeral=True)
        modal = fake.wait_for("views.open")[0].params["view"]
        driver.click("draft_regenerate", button_value(draft, "draft_regenerate"), user=user, channel=channel,
                     ephemeral=True)
        regenerated = fake.wait_for("response_url", count=2)[1]
    assert "```" in modal["blocks"][0]["text"]["text"] and "Brightfield" in modal["blocks"][0]["text"]["text"]
    assert regenerated.params["replace_original"] is True
    assert "Spanish" in regenerated.text() and "Regenerate in English" in regenerated.text()


def test_blocks_escape_injected_mentions_and_links() -> None:
    """A failure means text from documents or users can ping @channel, mention people or inject links."""
    evil = "Call <!channel> & <@U123> at <https://evil.example|here> **now**"
    citation = Citation(n=1, doc_id="d", title="T <!here>", section="S", source="s", score=1.0,
                        owner="Ops <@U9>", effective_date="2026-01-01")
    answer = Answer(id="a1", answer=evil, abstained=False, confidence=0.9, citations=[citation], latency_ms=1.0)
    shown = str(blocks.answer_blocks(answer, private=True))
    assert "<!channel>" not in shown and "<@U123>" not in shown and "<https" not in shown and "<!here>" not in shown
    assert "&lt;!channel&gt; &amp; &lt;@U123&gt;" in shown and "*now*" in shown
    assert "Ops &lt;@U9&gt;" in shown and "effective 2026-01-01" in shown
    assert blocks.user_mention("U<!channel>") == "someone"
