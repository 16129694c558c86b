"""Every fact of the seed documents must survive in the bundled knowledge base.

The bundled playbook (``knowledge/``) is written in the project's own words from the seed documents in
``../shared/seeds/``. Each entry below is one concrete seed fact: the seed file it comes from, a short
description, and regular expressions that must all match (case-insensitive) in at least one playbook
document under ``knowledge/**/*.md``. Each pattern may match in a different document.

A failure means the bundled knowledge base lost a fact of the seeds: a document was removed, renamed out
of ``knowledge/``, or rewritten so that the fact is no longer stated. Restore the fact in the playbook;
change a pattern only when the fact is still there in different words.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"

# Ranges are written "1 to 3 days" in prose; accept "1-3" and "1–3" too.
TO = r" ?(?:to|-|–) ?"

SeedFact = tuple[str, str, list[str]]

SEED_FACTS: list[SeedFact] = [
    # --- 000: the bundled CX playbook overview ---------------------------------------------------
    ("000", "mission: agility, clarity and closeness", [r"agility,? clarity,? and closeness"]),
    ("000", "motto: satisfaction in every experience", [r"satisfaction in every experience"]),
    (
        "000",
        "five core objectives",
        [
            r"standardi[sz]ation of processes",
            r"optimi[sz]ation of performance",
            r"training and alignment",
            r"agility and scalability",
            r"risk mitigation",
        ],
    ),
    ("000", "playbook last updated November 26, 2025", [r"November 26, 2025"]),
    (
        "000",
        "communication policy: response and resolution timeframes, advance notice of changes",
        [r"response and resolution", r"advance notice|notice of chang|notice.{0,60}before"],
    ),
    (
        "000",
        "documentation: every interaction recorded and typified in the CRM",
        [r"typif", r"(every|all) (client )?interactions?.{0,120}(recorded|typified|logged).{0,60}CRM"],
    ),
    (
        "000",
        "client categorisation A, B, C with personalization, retention and rescue strategies",
        [
            r"personali[sz]ation \(tier A\)|personali[sz]ation for tier A|tier A.{0,40}personali[sz]ation",
            r"retention \(tier B\)|retention for tier B|tier B.{0,40}retention",
            r"rescue \(tier C\)|rescue for tier C|tier C.{0,40}rescue",
        ],
    ),
    (
        "000",
        "retention levers: proactive communication, rewards, personalization",
        [r"proactive communication.{0,200}rewards.{0,200}personali[sz]ation"],
    ),
    ("000", "refund policy: credit or rescue before a refund", [r"credit.{0,30}before.{0,30}refund"]),
    (
        "000",
        "rescue: inactive or leaving clients, early identification, cancellations and complaints",
        [
            r"rescue",
            r"inactive",
            r"early[- ]warning|early identification|spot\w* .{0,40}early",
            r"cancellation",
        ],
    ),
    (
        "000",
        "sales from experience: soft sales with upsell, cross-sell and commissions",
        [r"upsell", r"cross-sell", r"commission"],
    ),
    (
        "000",
        "procedure R1 has 4 steps ending in a win-win solution",
        [
            r"identify the client.{0,40}history",
            r"understand the reason",
            r"typify the interaction",
            r"win-win",
            r"value-based rescue",
        ],
    ),
    (
        "000",
        "revenue management rate includes appointment conversion, upsell and cross-sell acceptance",
        [
            r"revenue management rate",
            r"appointment conversion rate",
            r"upsell acceptance rate",
            r"cross-sell acceptance rate",
        ],
    ),
    (
        "000",
        "KPIs CSAT, NPS, churn and survey response rate",
        [r"Customer Satisfaction \(CSAT\)", r"Net Promoter Score", r"churn rate", r"survey response rate"],
    ),
    (
        "000",
        "5 CX positions with levels L4, L2, L2, L1, L1",
        [
            r"Gerente de Experiencia del Cliente \(CXO\).{0,80}L4",
            r"Subdirector de Cuentas Clave.{0,80}L2",
            r"Subdirector de Experiencia del Cliente \(SEC\).{0,80}L2",
            r"Account Manager 2\.0.{0,60}L1",
            r"Ejecutivo de Experiencia del Cliente.{0,80}L1",
        ],
    ),
    (
        "000",
        "SEC oversees support, collections and cross-selling",
        [r"collections", r"cross-selling"],
    ),
    # --- 001: the ten CX-manager SOPs -----------------------------------------------------------
    (
        "001",
        "ten CX-manager SOPs with purpose, scope and steps",
        [r"(ten|10) (standard operating procedures|SOPs)", r"purpose:.{0,400}scope:"],
    ),
    ("001", "SOP handling complaints and escalations", [r"complaints and escalations"]),
    (
        "001",
        "SOP feedback collection and analysis: trends and pain points",
        [r"feedback collection and analysis", r"pain points", r"trends"],
    ),
    (
        "001",
        "SOP training and coaching service teams, skill gaps",
        [r"training and coaching", r"skill gaps", r"onboard"],
    ),
    (
        "001",
        "SOP retention strategies: at-risk, plans, proactive engagement, churned customers",
        [r"at-risk", r"retention plans", r"proactive engagement", r"churned"],
    ),
    (
        "001",
        "SOP monitoring satisfaction metrics CSAT, NPS and CES",
        [r"satisfaction metrics", r"Customer Effort Score \(CES\)"],
    ),
    ("001", "SOP quality assurance for interactions", [r"quality assurance for customer interactions"]),
    ("001", "SOP experience across multiple channels", [r"across multiple channels"]),
    ("001", "SOP VIP and high-value customers", [r"VIP and high-value"]),
    ("001", "SOP crisis communication", [r"crisis communication"]),
    ("001", "SOP customer loyalty programme", [r"loyalty program"]),
    # --- 002: the customer service playbook -----------------------------------------------------
    (
        "002",
        "service objectives: CSAT 95%+, response under 2 hours, FCR 90%+, retention 95%+",
        [
            r"CSAT\)?.{0,60}95%",
            r"(response time|first response).{0,80}2 hours",
            r"(FCR|first contact resolution)\)?.{0,80}90%",
            r"retention.{0,80}95%",
        ],
    ),
    (
        "002",
        "service framework in 3 phases",
        [r"service strategy", r"service delivery", r"service optimi[sz]ation"],
    ),
    (
        "002",
        "framework elements from vision to excellence",
        [
            r"service vision",
            r"service standards",
            r"service automation",
            r"service personali[sz]ation",
            r"service excellence",
        ],
    ),
    (
        "002",
        "phone 24/7 for tier A, 08:00-20:00 for others, answered in 30 seconds",
        [r"phone.{0,40}24/7", r"phone.{0,60}08:00-20:00", r"phone.{0,160}30 seconds"],
    ),
    ("002", "email 24/7, first response 2 hours", [r"email.{0,60}24/7.{0,60}2 hours"]),
    ("002", "live chat 08:00-20:00, first response 1 minute", [r"chat.{0,80}08:00-20:00.{0,80}1 minute"]),
    ("002", "ticket system 24/7, first response 4 hours", [r"ticket system.{0,60}24/7.{0,60}4 hours"]),
    (
        "002",
        "video 09:00-17:00 Monday to Friday, 1 hour, levels L2 and L3",
        [r"video.{0,60}09:00-17:00.{0,60}Monday to Friday", r"video.{0,140}1 hour", r"video.{0,200}L2, L3"],
    ),
    (
        "002",
        "self-service 24/7 with knowledge base, FAQs and tutorials",
        [r"knowledge base, FAQs,? and tutorials", r"self-service.{0,40}24/7"],
    ),
    ("002", "support in English, Spanish, French and German", [r"English, Spanish, French,? and German"]),
    (
        "002",
        "channel optimization strategies",
        [
            r"channel routing",
            r"channel integration",
            r"channel analytics",
            r"channel training",
            r"channel innovation",
        ],
    ),
    ("002", "incident receipt under 5 minutes by L1", [r"receipt.{0,80}5 minutes.{0,40}L1"]),
    ("002", "incident assessment under 15 minutes by L1/L2", [r"assessment.{0,80}15 minutes.{0,40}L1/L2"]),
    ("002", "incident resolution by priority by L1/L2/L3", [r"resolution.{0,80}priority.{0,60}L1/L2/L3"]),
    ("002", "incident closure under 5 minutes by L1", [r"closure.{0,80}5 minutes.{0,40}L1"]),
    (
        "002",
        "incident follow-up 24-48 hours after by Customer Success with a satisfaction survey",
        [rf"24{TO}48 hours.{{0,80}}Customer Success", r"satisfaction survey"],
    ),
    (
        "002",
        "problem identification continuous by L2/L3, prevention continuous by L3 + Training",
        [
            r"identification.{0,120}continuous.{0,40}L2/L3",
            r"prevention.{0,120}continuous.{0,40}L3 Support \+ Training",
        ],
    ),
    (
        "002",
        "problem root-cause analysis 1-3 days by L3",
        [rf"root-cause analysis.{{0,80}}1{TO}3 days.{{0,20}}L3"],
    ),
    (
        "002",
        "problem resolution 1-7 days by L3 + Engineering",
        [rf"1{TO}7 days.{{0,20}}L3 Support \+ Engineering"],
    ),
    ("002", "change request under 1 day by L1", [r"request.{0,80}under 1 day.{0,20}L1"]),
    ("002", "change assessment 1-3 days by L2/L3", [rf"assessment.{{0,80}}1{TO}3 days.{{0,20}}L2/L3"]),
    ("002", "change approval 1-5 days by Management", [rf"approval.{{0,80}}1{TO}5 days.{{0,20}}Management"]),
    (
        "002",
        "change implementation by complexity, L3 + Engineering",
        [r"implementation.{0,80}complexity.{0,20}L3 Support \+ Engineering"],
    ),
    ("002", "change review 1-7 days after by L3", [rf"review.{{0,80}}1{TO}7 days after"]),
    (
        "002",
        "L1 metrics: FCR 70%+, AHT under 10 minutes, CSAT 85%+, escalation under 30%",
        [r"FCR\)?.{0,40}70%", r"AHT\)?.{0,40}10 minutes", r"CSAT\)?.{0,40}85%", r"escalation rate.{0,40}30%"],
    ),
    (
        "002",
        "L2 metrics: resolution 80%+, AHT under 30 minutes, CSAT 90%+, escalation under 20%",
        [
            r"resolution rate.{0,40}80%",
            r"AHT\)?.{0,40}30 minutes",
            r"CSAT\)?.{0,40}90%",
            r"escalation rate.{0,40}20%",
        ],
    ),
    (
        "002",
        "L3 metrics: resolution 95%+, AHT under 2 hours, CSAT 95%+, innovation rate 20%+",
        [r"resolution rate.{0,40}95%", r"AHT\)?.{0,40}2 hours", r"innovation rate.{0,40}20%"],
    ),
    (
        "002",
        "support-level responsibilities from basic troubleshooting to feature development",
        [
            r"basic troubleshooting",
            r"ticket creation",
            r"information gathering",
            r"complex troubleshooting",
            r"bug fixes",
            r"feature development",
        ],
    ),
    (
        "002",
        "quality standards: resolution under 24 hours, knowledge base usage 60%+",
        [r"resolution time.{0,40}24 hours", r"knowledge base usage.{0,60}60%"],
    ),
    (
        "002",
        "quality monitoring methods",
        [
            r"call monitoring",
            r"ticket review",
            r"customer surveys",
            r"performance metrics",
            r"quality audits?",
        ],
    ),
    (
        "002",
        "quality improvement strategies",
        [
            r"training programs",
            r"process optimi[sz]ation",
            r"tool enhancement",
            r"knowledge base updates",
            r"best-practice sharing",
        ],
    ),
    (
        "002",
        "onboarding 2-3 weeks, measured by completion, comprehension, application",
        [
            rf"onboarding.{{0,80}}2{TO}3 weeks",
            r"company orientation",
            r"completion.{0,60}comprehension.{0,60}application",
        ],
    ),
    (
        "002",
        "continuous training weekly and monthly, measured by participation, application, improvement",
        [r"continuous training.{0,120}weekly", r"participation.{0,60}application.{0,60}improvement"],
    ),
    (
        "002",
        "specialized training 1-2 weeks, measured by competence, application, results",
        [rf"speciali[sz]ed training.{{0,80}}1{TO}2 weeks", r"competence.{0,60}application.{0,60}results"],
    ),
    (
        "002",
        "operational metrics",
        [r"ticket volume", r"agent productivity", r"channel utili[sz]ation", r"cost per contact"],
    ),
    (
        "002",
        "ticket tools: Zendesk, and alternatives Freshdesk, ServiceNow, Jira Service Management, Help Scout",
        [r"Zendesk", r"Freshdesk", r"ServiceNow", r"Jira Service Management", r"Help Scout"],
    ),
    (
        "002",
        "best practices from active listening to customer education",
        [
            r"active listening",
            r"empathy",
            r"root-cause analysis",
            r"first contact resolution",
            r"customer education",
        ],
    ),
    ("002", "motto: customer service is an attitude, not a department", [r"not a department.{0,20}attitude"]),
    # --- 003: the CX manager's tasks and moments of truth ----------------------------------------
    ("003", "simple metric of client growth or decline", [r"(client|customer) growth or decline"]),
    ("003", "know why clients stay or leave, buy more or less", [r"stay or leave", r"buy more or less"]),
    ("003", "manage clients as assets", [r"(clients|customers) as assets"]),
    ("003", "process mapping and the customer journey map", [r"process map", r"customer journey map"]),
    (
        "003",
        "moments of truth come from claims, incidents or exceeding expectations, and stir emotions",
        [r"moments? of truth", r"claim", r"emotions", r"exceed\w* expectations"],
    ),
    ("003", "segment clients into groups with similar behaviour", [r"similar behaviou?r"]),
    ("003", "listening path and unified voice-of-customer data", [r"listening path", r"voice-of-customer"]),
    ("003", "predict client actions and innovate at touch points", [r"predict", r"touch points"]),
    # --- 004: the 4-step experience plan ----------------------------------------------------------
    (
        "004",
        "step 1: three questions - customer, goal, key interactions",
        [r"who is the customer", r"goal of the experience", r"key interactions"],
    ),
    (
        "004",
        "observable outcomes: repeat purchases, referrals, feedback",
        [r"repeat purchases", r"referrals"],
    ),
    ("004", "magic moments", [r"magic moment"]),
    (
        "004",
        "step 2: one experience leader and one leader per interaction",
        [r"experience leaders?", r"leader for each interaction", r"100% of the experience"],
    ),
    (
        "004",
        "step 3: measure the outcomes of the experience and of each interaction",
        [r"measure the experience outcomes", r"outcome of each interaction"],
    ),
    (
        "004",
        "step 4: ideas email address and idea of the day",
        [r"email address for ideas", r"idea of the day"],
    ),
    ("004", "step 4: system to implement the best ideas", [r"implement the best ideas"]),
    ("004", "step 4: channel to communicate experience changes", [r"communicate experience changes"]),
    ("004", "share the plan with every member of the team", [r"shared? with every member"]),
]


def _normalise(text: str) -> str:
    """Drop Markdown emphasis and code marks and collapse whitespace, so wrapping never hides a fact."""
    text = text.replace("**", "").replace("`", "")
    return re.sub(r"\s+", " ", text)


@cache
def _documents() -> dict[str, str]:
    """Playbook documents (the style guide at the top of knowledge/ is not playbook content)."""
    return {
        str(path.relative_to(KNOWLEDGE_DIR)): _normalise(path.read_text(encoding="utf-8"))
        for path in sorted(KNOWLEDGE_DIR.rglob("*.md"))
        if path.parent != KNOWLEDGE_DIR
    }


def _fact_id(fact: SeedFact) -> str:
    seed, description, _ = fact
    slug = re.sub(r"[^a-z0-9]+", "-", description.lower()).strip("-")[:60].rstrip("-")
    return f"{seed}-{slug}"


def test_fact_list_is_meaningful() -> None:
    """The list must stay broad: at least 40 facts, every seed file covered, ids unique."""
    assert len(SEED_FACTS) >= 40
    assert {seed for seed, _, _ in SEED_FACTS} == {"000", "001", "002", "003", "004"}
    ids = [_fact_id(fact) for fact in SEED_FACTS]
    assert len(ids) == len(set(ids))


def test_knowledge_base_has_documents() -> None:
    """Without documents every fact below would fail for the same reason; say it once."""
    assert _documents(), f"no Markdown documents under {KNOWLEDGE_DIR}"


@pytest.mark.parametrize("fact", SEED_FACTS, ids=[_fact_id(fact) for fact in SEED_FACTS])
def test_seed_fact_is_in_knowledge_base(fact: SeedFact) -> None:
    """A failure means the bundled knowledge base lost a fact of the seeds."""
    seed, description, patterns = fact
    documents = _documents()
    missing = [
        pattern
        for pattern in patterns
        if not any(re.search(pattern, text, flags=re.IGNORECASE) for text in documents.values())
    ]
    assert not missing, f"seed {seed}: {description!r} is no longer stated; patterns not found: {missing}"
