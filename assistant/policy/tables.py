"""The policy tables of a knowledge base's ``data/`` folder, validated and typed (the source of truth for numbers).

Schemas: :mod:`assistant.policy.schema`. :meth:`PolicyData.load` refuses a folder with a missing or broken
table with one :class:`PolicyDataError` naming the first problem (``playbook validate`` lists them all).
Everything company-specific (name, sign-off, currency, who to ask, tiers) is read here, so nothing else in the
code names a company.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import InvalidPolicyData
from assistant.policy.schema import CompanyProfile, TierRow, WhoToAsk
from assistant.policy.validate import load_tables

# Said when a folder names nobody (never the case once validated; kept for hand-built PolicyData in tests).
DEFAULT_OWNER = "your team lead"
DEFAULT_CHANNEL = ""


PolicyDataError = InvalidPolicyData  # a policy table is missing or invalid; `playbook validate DIR` lists all


@dataclass(frozen=True)
class RefundLimits:
    """One tier's refund and credit limits (in the company's currency)."""

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


@dataclass
class PolicyData:
    """Tables tools, drafts and answers rely on."""

    escalations: list[dict[str, Any]] = field(default_factory=list)
    refund_limits: dict[str, RefundLimits] = field(default_factory=dict)
    above_approver: str = "CXO"
    prior_refunds_approval_threshold: int = 2
    credit_ladder: list[dict[str, Any]] = field(default_factory=list)
    rescue: dict[str, RescueOffers] = field(default_factory=dict)
    cancellation_processing_hours: int = 24
    typification: dict[str, dict[str, str]] = field(default_factory=dict)
    folder: Path | None = None
    company: CompanyProfile = field(default_factory=lambda: CompanyProfile(name="Customer Experience"))
    tiers: list[TierRow] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path) -> PolicyData:
        """Read and validate the tables of ``folder``.

        Raises:
            PolicyDataError: a required table is missing, or a table breaks its schema.
        """
        tables, problems = load_tables(folder)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise PolicyDataError(
                f"policy tables in {folder}: {problems[0]}{more}; run `playbook validate {folder}` for the list"
            )
        refunds, rescue, tiers = tables["refund_limits.yaml"], tables["rescue_offers.yaml"], tables["tiers.yaml"]
        company = tables.get("company.yaml") or CompanyProfile(
            name=tiers.company or "Customer Experience", currency=tiers.currency or "USD"
        )
        return cls(
            escalations=[r.model_dump() for r in tables["escalation.yaml"].escalations],
            refund_limits={r.tier: RefundLimits(**r.model_dump()) for r in refunds.limits},
            above_approver=refunds.above_approver,
            prior_refunds_approval_threshold=refunds.prior_refunds_approval_threshold,
            credit_ladder=[s.model_dump() for s in tables["credit_ladder.yaml"].steps],
            rescue={
                r.tier: RescueOffers(
                    r.tier, r.owner, r.contact_within_business_days, tuple(r.offers), tuple(r.offers_es)
                )
                for r in rescue.offers
            },
            cancellation_processing_hours=rescue.cancellation_processing_hours,
            typification={r.code: r.model_dump() for r in tables["typification.csv"]},
            folder=folder,
            company=company,
            tiers=list(tiers.tiers),
        )

    # --- accessors others build on (answers, Slack, quiz): company words come from here -----------------

    @property
    def company_name(self) -> str:
        """The company the playbook belongs to."""
        return self.company.name

    @property
    def currency(self) -> str:
        """ISO 4217 code of every amount in the tables."""
        return self.company.currency

    def sign_off(self, language: str) -> str:
        """The sign-off of a draft in ``language``."""
        return self.company.sign_off_for(language)

    def tier_ids(self) -> tuple[str, ...]:
        """Tier ids in table order ("A", "B", "C" in the bundled playbook)."""
        return tuple(t.tier for t in self.tiers) or tuple(self.refund_limits)

    def tier_names(self) -> dict[str, str]:
        """Display name of each tier id ("A" -> "Key account")."""
        return {t.tier: t.name for t in self.tiers}

    def escalation_for(self, situation: str, tier: str = "any") -> dict[str, Any] | None:
        """The escalation row for a situation and tier (a tier-specific row wins over ``any``)."""
        rows = [r for r in self.escalations if r.get("situation") == situation]
        exact = [r for r in rows if str(r.get("tier")) == tier]
        candidates = exact or [r for r in rows if str(r.get("tier")) == "any"]
        return candidates[0] if candidates else None

    def who_to_ask(self) -> tuple[str, str]:
        """Owner and Slack channel for questions the playbook does not cover."""
        if self.company.who_to_ask is not None:
            ask: WhoToAsk = self.company.who_to_ask
            return ask.owner, ask.channel or DEFAULT_CHANNEL
        row = self.escalation_for("question_not_covered_by_playbook") or {}
        return str(row.get("owner") or DEFAULT_OWNER), str(row.get("slack_channel") or DEFAULT_CHANNEL)

    def goodwill_pct(self) -> float:
        """Share of one monthly fee given as the ladder's first (goodwill) credit."""
        first = next((s for s in self.credit_ladder if s.get("action") == "goodwill_credit"), {})
        return float(first.get("share_of_monthly_fee_pct") or 10)

    def secondary_code(self, purpose: str, default: str) -> str | None:
        """A secondary typification code by purpose (``vip_contact``...), if the typification table has it."""
        code = self.company.codes.get(purpose, default)
        return code if not self.typification or code in self.typification else None
