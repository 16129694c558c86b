"""The Slack app: mentions, DMs, thread follow-ups, ``/playbook``, the "Draft reply" shortcut and buttons."""

from integrations.slack.app import create_slack_app, start_slack

__all__ = ["create_slack_app", "start_slack"]
