"""The policy tables under ``knowledge/data`` (escalation owners for now), read once per process."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_OWNER = "Subdirector de Experiencia del Cliente (SEC)"
DEFAULT_CHANNEL = "#cx-policy"


@dataclass
class PolicyData:
    """Tables tools and answers rely on. Missing files give empty tables, never an error."""

    escalations: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> PolicyData:
        """Read the tables from ``folder``."""
        path = folder / "escalation.yaml"
        rows = yaml.safe_load(path.read_text(encoding="utf-8")).get("escalations", []) if path.is_file() else []
        return cls(escalations=rows)

    def escalation_for(self, situation: str, tier: str = "any") -> dict[str, Any] | None:
        """The escalation row for a situation and tier (a tier-specific row wins over ``any``)."""
        rows = [r for r in self.escalations if r.get("situation") == situation]
        exact = [r for r in rows if str(r.get("tier")) == tier]
        candidates = exact or [r for r in rows if str(r.get("tier")) == "any"]
        return candidates[0] if candidates else None

    def who_to_ask(self) -> tuple[str, str]:
        """Owner and Slack channel for questions the playbook does not cover."""
        row = self.escalation_for("question_not_covered_by_playbook") or {}
        return str(row.get("owner", DEFAULT_OWNER)), str(row.get("slack_channel", DEFAULT_CHANNEL))
