"""The schema of every policy table under a knowledge base's ``data/`` folder (pydantic models).

One model per row (CSV) or per file (YAML). ``playbook validate`` checks a folder against them and
:func:`json_schemas` exports them as JSON Schema (``knowledge/schema/``, documented in the README).
Extra keys are refused, so a misspelt column is reported rather than silently ignored.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.crm.schemas import Client, IsoDuration, SlaPolicy

TierId = str  # the tier ids of tiers.yaml ("A", "B", "C" in the bundled playbook)
Money = float


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class WhoToAsk(_Row):
    """Who answers what the playbook does not cover, and where to reach them."""

    owner: str = Field(min_length=1, max_length=200, description="Role or person, e.g. 'CX policy lead'.")
    channel: str | None = Field(None, max_length=120, description="Slack channel, e.g. '#cx-policy'.")


class CompanyProfile(_Row):
    """``company.yaml``: the company the playbook belongs to (optional; see :meth:`resolve`)."""

    name: str = Field(min_length=1, max_length=120, description="Company name used in drafts.")
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code of every amount in the tables.")
    sign_off: dict[str, str] = Field(
        default_factory=dict,
        description="Sign-off of drafts per language code; default '<name> Customer Experience' (en/es).",
    )
    who_to_ask: WhoToAsk | None = Field(
        None, description="Default: the 'question_not_covered_by_playbook' row of escalation.yaml."
    )
    vip_tiers: list[TierId] = Field(
        default_factory=list, description="Tiers whose every contact gets the VIP secondary code (e.g. [A])."
    )
    codes: dict[str, str] = Field(
        default_factory=dict,
        description="Secondary typification codes by purpose: 'vip_contact', 'escalated_for_approval'.",
    )

    def sign_off_for(self, language: str) -> str:
        """The sign-off in ``language`` (English when not given in that language)."""
        defaults = {"en": f"{self.name} Customer Experience", "es": f"Experiencia del Cliente de {self.name}"}
        return self.sign_off.get(language) or defaults.get(language) or self.sign_off.get("en") or defaults["en"]


class TierRow(_Row):
    """One tier of ``tiers.yaml``."""

    tier: TierId = Field(min_length=1, max_length=20)
    name: str = Field(min_length=1, max_length=80, description="Display name, e.g. 'Key account'.")
    min_monthly_value: Money = Field(ge=0)
    max_monthly_value: Money | None = Field(None, ge=0)
    typical_plan: str | None = None
    owner: str | None = None
    day_to_day_contact: str | None = None
    strategy: str | None = None
    review: str | None = None


class TiersFile(_Row):
    """``tiers.yaml``: client categorisation."""

    company: str | None = Field(None, description="Company name (company.yaml wins when present).")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    tiers: list[TierRow] = Field(min_length=1)


class RefundLimitRow(_Row):
    """One tier's refund and credit limits (``refund_limits.yaml``)."""

    tier: TierId
    refund_window_days: int = Field(ge=0, le=3650)
    credit_cap_pct: float = Field(ge=0, le=1000, description="Largest service credit, % of one monthly fee.")
    l1_credit_max: Money = Field(ge=0)
    l1_refund_max: Money = Field(ge=0)
    approver: str = Field(min_length=1)
    approver_max: Money = Field(ge=0)


class RefundLimitsFile(_Row):
    """``refund_limits.yaml``."""

    limits: list[RefundLimitRow] = Field(min_length=1)
    above_approver: str = Field(min_length=1, description="Who decides above an approver's maximum or the cap.")
    prior_refunds_approval_threshold: int = Field(2, ge=1)
    always_refundable_reasons: list[Literal["billing_error", "duplicate_charge"]] = Field(default_factory=list)


class LadderStep(_Row):
    """One step of the credit-before-refund ladder (``credit_ladder.yaml``)."""

    step: int = Field(ge=1)
    action: Literal["goodwill_credit", "service_credit", "rescue_offer", "partial_refund", "full_refund"]
    label: str
    share_of_monthly_fee_pct: float | None = Field(None, ge=0, le=100)


class CreditLadderFile(_Row):
    """``credit_ladder.yaml``."""

    steps: list[LadderStep] = Field(min_length=1)


class EscalationRow(_Row):
    """One situation × tier owner (``escalation.yaml``); ``tier: any`` applies to every tier."""

    situation: str = Field(pattern=r"^[a-z0-9_]+$")
    tier: TierId
    owner: str = Field(min_length=1)
    level: str | None = None
    slack_channel: str | None = None

    @field_validator("tier", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if value is not None else value


class EscalationFile(_Row):
    """``escalation.yaml``."""

    escalations: list[EscalationRow] = Field(min_length=1)


class RescueTier(_Row):
    """One tier's rescue owner and offers (``rescue_offers.yaml``): service offer first, then commercial."""

    tier: TierId
    owner: str = Field(min_length=1)
    contact_within_business_days: int = Field(ge=0, le=60)
    offers: list[str] = Field(min_length=1)
    offers_es: list[str] = Field(default_factory=list)
    approval_needed: bool = False


class RescueFile(_Row):
    """``rescue_offers.yaml``."""

    offers: list[RescueTier] = Field(min_length=1)
    signals: list[str] = Field(default_factory=list)
    cancellation_processing_hours: int = Field(24, ge=1, le=24 * 60)
    win_back_contact_days: int | None = Field(None, ge=0)


class TypificationRow(_Row):
    """One interaction code (``typification.csv``)."""

    code: str = Field(pattern=r"^[A-Z]{3}-\d{2}$")
    category: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    label_es: str | None = None


class ChannelRow(_Row):
    """One service channel (``channels.yaml``)."""

    channel: str
    hours_tier_a: str | None = None
    hours_other: str | None = None
    days_other: str | None = None
    first_response_standard: IsoDuration | None = None
    languages: list[str] = Field(default_factory=list)
    support_levels: list[str] = Field(default_factory=list)


class ChannelsFile(_Row):
    """``channels.yaml``."""

    channels: list[ChannelRow] = Field(min_length=1)


class KpiRow(BaseModel):
    """One KPI (``kpis.yaml``); free-form beyond id, name and direction."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    direction: Literal["min", "max"]


class KpisFile(_Row):
    """``kpis.yaml``."""

    kpis: list[KpiRow] = Field(min_length=1)


class RoleRow(_Row):
    """One CX position (``roles.yaml``)."""

    id: str
    title_es: str | None = None
    title_en: str
    level: str
    focus: str | None = None


class RolesFile(_Row):
    """``roles.yaml``."""

    roles: list[RoleRow] = Field(min_length=1)


# file name -> (model of the file, or of one row for a CSV; required?)
TABLES: dict[str, tuple[type[BaseModel], bool]] = {
    "company.yaml": (CompanyProfile, False),
    "tiers.yaml": (TiersFile, True),
    "refund_limits.yaml": (RefundLimitsFile, True),
    "credit_ladder.yaml": (CreditLadderFile, True),
    "escalation.yaml": (EscalationFile, True),
    "rescue_offers.yaml": (RescueFile, True),
    "typification.csv": (TypificationRow, True),
    "sla.csv": (SlaPolicy, True),
    "clients.csv": (Client, False),
    "channels.yaml": (ChannelsFile, False),
    "kpis.yaml": (KpisFile, False),
    "roles.yaml": (RolesFile, False),
}


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schema of every table, by file name (a CSV's schema is the schema of one row)."""
    out = {}
    for name, (model, required) in TABLES.items():
        schema = model.model_json_schema()
        schema["$comment"] = f"{name} ({'required' if required else 'optional'}"
        schema["$comment"] += ", one object per CSV row)" if name.endswith(".csv") else ")"
        out[name] = schema
    return out
