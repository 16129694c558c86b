"""The policy tables under ``knowledge/data``, read once per process (the source of truth for numbers)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_OWNER = "Subdirector de Experiencia del Cliente (SEC)"
DEFAULT_CHANNEL = "#cx-policy"
CXO = "Gerente de Experiencia del Cliente (CXO)"


@dataclass(frozen=True)
class RefundLimits:
    """One tier's refund and credit limits (USD)."""

    tier: str
    refund_window_days: int
    credit_cap_pct: float
    l1_credit_max: float
    l1_refund_max: float
    approver: str
    approver_max: float


@dataclass(frozen=True)
class RescueOffers:
    """One tier's rescue owner, contact time and offers (service offer first, then commercial)."""

    tier: str
    owner: str
    contact_within_business_days: int
    offers: tuple[str, ...]
    offers_es: tuple[str, ...] = ()

    def offer(self, index: int, language: str = "en") -> str:
        """The offer at ``index`` (0 = service offer) in ``language`` (English when not translated)."""
        texts = self.offers_es if language == "es" and self.offers_es else self.offers
        return texts[min(index, len(texts) - 1)]


def _yaml(folder: Path, name: str) -> dict[str, Any]:
    path = folder / name
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}


@dataclass
class PolicyData:
    """Tables tools, drafts and answers rely on. Missing files give empty tables, never an error."""

    escalations: list[dict[str, Any]] = field(default_factory=list)
    refund_limits: dict[str, RefundLimits] = field(default_factory=dict)
    above_approver: str = CXO
    prior_refunds_approval_threshold: int = 2
    credit_ladder: list[dict[str, Any]] = field(default_factory=list)
    rescue: dict[str, RescueOffers] = field(default_factory=dict)
    cancellation_processing_hours: int = 24
    typification: dict[str, dict[str, str]] = field(default_factory=dict)
    folder: Path | None = None

    @classmethod
    def load(cls, folder: Path) -> PolicyData:
        """Read the tables from ``folder``."""
        refunds = _yaml(folder, "refund_limits.yaml")
        rescue = _yaml(folder, "rescue_offers.yaml")
        codes: dict[str, dict[str, str]] = {}
        if (folder / "typification.csv").is_file():
            with (folder / "typification.csv").open(encoding="utf-8", newline="") as fh:
                codes = {row["code"]: row for row in csv.DictReader(fh)}
        return cls(
            escalations=_yaml(folder, "escalation.yaml").get("escalations", []),
            refund_limits={r["tier"]: RefundLimits(**r) for r in refunds.get("limits", [])},
            above_approver=refunds.get("above_approver", CXO),
            prior_refunds_approval_threshold=int(refunds.get("prior_refunds_approval_threshold", 2)),
            credit_ladder=_yaml(folder, "credit_ladder.yaml").get("steps", []),
            rescue={
                r["tier"]: RescueOffers(
                    r["tier"], r["owner"], int(r["contact_within_business_days"]), tuple(r["offers"]),
                    tuple(r.get("offers_es", ())),
                )
                for r in rescue.get("offers", [])
            },
            cancellation_processing_hours=int(rescue.get("cancellation_processing_hours", 24)),
            typification=codes,
            folder=folder,
        )

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

    def goodwill_pct(self) -> float:
        """Share of one monthly fee given as the ladder's first (goodwill) credit."""
        first = next((s for s in self.credit_ladder if s.get("action") == "goodwill_credit"), {})
        return float(first.get("share_of_monthly_fee_pct", 10))
