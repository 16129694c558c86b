"""Slack configuration: off without tokens (and said so once), Socket Mode needs its token, secrets never shown."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from assistant.errors import ConfigError
from assistant.services import Services
from assistant.settings import Settings
from integrations.http.app import create_app
from tests.integrations.http.helpers import KEYRING

pytestmark = pytest.mark.slow


def test_without_tokens_the_service_runs_without_slack(kb_services: Services, caplog: pytest.LogCaptureFixture) -> None:
    """A failure means the API needs Slack tokens to start, or does not say that Slack is off."""
    with caplog.at_level(logging.INFO, logger="playbook.http"):
        app = create_app(kb_services.settings, services=kb_services, keys=KEYRING)
        with TestClient(app) as client:
            assert client.post("/slack/events", json={"type": "url_verification"}).status_code in (404, 405)
            assert client.get("/healthz").status_code == 200
    assert sum("Slack app off" in r.getMessage() for r in caplog.records) == 1


def test_socket_mode_needs_the_app_token(kb_services: Services) -> None:
    """A failure means `playbook serve --slack-socket` starts without the xapp- token and fails later."""
    settings = kb_services.settings.model_copy(update={"slack_bot_token": SecretStr("xoxb-secret-value")})
    with pytest.raises(ConfigError, match="PLAYBOOK_SLACK_APP_TOKEN"):
        create_app(settings, services=kb_services, keys=KEYRING, slack_socket=True)


def test_slack_settings_from_the_environment_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means Slack settings cannot be configured by environment, or a token leaks in `playbook config`."""
    monkeypatch.setenv("PLAYBOOK_SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("PLAYBOOK_SLACK_SIGNING_SECRET", "signing-very-secret")
    monkeypatch.setenv("PLAYBOOK_SLACK_ALLOWED_CHANNELS", "C111, C222")
    monkeypatch.setenv("PLAYBOOK_SLACK_CHANNELS", '{"C111": {"ephemeral": true, "mention_only": true}}')
    monkeypatch.setenv("PLAYBOOK_SLACK_ESCALATION_CHANNELS", '{"A": "C0ESCA"}')
    settings = Settings()
    assert settings.slack_enabled
    assert settings.slack_allowed_channels == ["C111", "C222"]
    assert settings.slack_channel("C111").ephemeral and settings.slack_channel("C111").mention_only
    assert not settings.slack_channel("C999").ephemeral
    masked = str(settings.masked())
    assert "very-secret" not in masked and "C0ESCA" in masked


def test_manifest_declares_what_the_app_uses() -> None:
    """A failure means the manifest misses a scope, event, command or shortcut the app relies on."""
    from pathlib import Path

    import yaml

    manifest = yaml.safe_load((Path(__file__).parents[3] / "integrations/slack/manifest.yaml").read_text())
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    needed = {"app_mentions:read", "channels:history", "im:history", "chat:write", "commands", "reactions:write"}
    assert needed <= scopes
    events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    assert {"app_mention", "message.im", "message.channels"} <= events
    assert manifest["features"]["slash_commands"][0]["command"] == "/playbook"
    assert manifest["features"]["shortcuts"][0]["callback_id"] == "draft_reply"
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
