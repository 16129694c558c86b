"""The playbook's prose must agree with its data files.

The data files in ``knowledge/data/`` are the source of truth. The English documents repeat some of
them as Markdown tables, found here by their exact header row. Each test parses those tables and
compares them with the data, so a number changed in prose (or in data) without the other fails here.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import frontmatter
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "knowledge"
DATA = KNOWLEDGE / "data"
EN = KNOWLEDGE / "en"
DOC_DIRS = (KNOWLEDGE / "en", KNOWLEDGE / "es")

SLA_HEADER = "| Tier | Channel | Priority | First response | Resolution |"
TYPIFICATION_HEADER = "| Code | Category | Meaning |"
TIERS_HEADER = "| Tier | Name | Monthly value (USD) | Typical plan | Owner | Strategy | Review |"
REFUND_HEADER = (
    "| Tier | Refund window | Credit cap | L1 may credit up to | L1 may refund up to | Approver "
    "| Approver may grant up to |"
)
ESCALATION_HEADER = "| Situation | Tier | Owner | Level | Slack channel |"
RESCUE_HEADER = "| Tier | Owner | Contact within | Offers |"

ALLOWED_AUDIENCE = {"agents", "leads", "trainers", "all"}
ALLOWED_TOPICS = {
    "refunds",
    "rescue",
    "retention",
    "sla",
    "channels",
    "kpis",
    "roles",
    "incidents",
    "quality",
    "training",
    "sales",
    "escalation",
    "vip",
    "crisis",
    "loyalty",
    "documentation",
    "strategy",
}
REQUIRED_FRONT_MATTER = (
    "title",
    "doc_id",
    "owner",
    "version",
    "effective_date",
    "audience",
    "language",
    "topic",
)


# --------------------------------------------------------------------------------------------------
# A small Markdown-table parser (shared by every test below)
# --------------------------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@dataclass
class Table:
    """One Markdown table: its header cells, its body rows, and the heading it sits under."""

    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    section: str = ""
    line: int = 0


def split_row(line: str) -> list[str]:
    """Split a Markdown table row into stripped cells (leading and trailing pipes optional)."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _UNESCAPED_PIPE.split(text)]


def clean(cell: str) -> str:
    """Drop Markdown emphasis and code marks that do not change a cell's meaning."""
    return re.sub(r"\s+", " ", cell.replace("**", "").replace("`", "")).strip()


def markdown_lines(text: str) -> list[tuple[int, str]]:
    """Lines of a Markdown body outside fenced code blocks, with their 1-based numbers."""
    out, in_fence = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            out.append((number, line))
    return out


def parse_tables(text: str) -> list[Table]:
    """Every pipe table in a Markdown text, each tagged with the nearest heading above it."""
    lines = markdown_lines(text)
    tables: list[Table] = []
    section, i = "", 0
    while i < len(lines):
        number, line = lines[i]
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(2).strip()
        is_start = line.lstrip().startswith("|") and i + 1 < len(lines) and _SEPARATOR.match(lines[i + 1][1])
        if not is_start:
            i += 1
            continue
        table = Table(header=split_row(line), section=section, line=number)
        i += 2
        while i < len(lines) and lines[i][1].lstrip().startswith("|"):
            table.rows.append(split_row(lines[i][1]))
            i += 1
        tables.append(table)
    return tables


def body_of(path: Path) -> str:
    """The Markdown body of a document, without its front matter."""
    return frontmatter.load(path).content


def tables_with_header(header: str, paths: list[Path] | None = None) -> list[tuple[Path, Table]]:
    """All tables whose header row is exactly ``header`` (cell by cell) in the given documents."""
    wanted = split_row(header)
    found = []
    for path in paths if paths is not None else sorted(EN.glob("*.md")):
        for table in parse_tables(body_of(path)):
            if table.header == wanted:
                for row in table.rows:
                    assert len(row) == len(wanted), f"{path.name}:{table.line}: wrong cell count in {row}"
                found.append((path, table))
    return found


def canonical_rows(header: str, doc_id: str) -> list[tuple[str, dict[str, str]]]:
    """Rows (as dicts keyed by header cell, with the section name) of the tables in one canonical doc."""
    path = EN / f"{doc_id}.md"
    assert path.exists(), f"{path} is missing: it must hold the table {header}"
    tables = tables_with_header(header, [path])
    assert tables, f"{path.name} has no table with the header {header}"
    names = split_row(header)
    return [(table.section, dict(zip(names, row, strict=True))) for _, table in tables for row in table.rows]


# --------------------------------------------------------------------------------------------------
# Converters from the words used in prose to the values in the data files
# --------------------------------------------------------------------------------------------------

_DURATION = re.compile(r"^(\d+)\s+(second|minute|hour|day)s?$")


def words_to_iso(text: str) -> str:
    """'20 seconds' -> 'PT20S', '24 hours' -> 'PT24H', '2 days' -> 'P2D'."""
    match = _DURATION.match(clean(text).lower())
    assert match, f"not a duration in words: {text!r}"
    amount, unit = int(match.group(1)), match.group(2)
    if unit == "day":
        return f"P{amount}D"
    return f"PT{amount}{unit[0].upper()}"


def number(text: str) -> float:
    """The single number in a cell such as 'USD 1,000', '60 days' or '100% of one monthly fee'."""
    found = re.findall(r"\d[\d,]*(?:\.\d+)?", clean(text))
    assert len(found) == 1, f"expected exactly one number in {text!r}"
    return float(found[0].replace(",", ""))


def money(text: str) -> float:
    """'USD 1,000' -> 1000.0 (the currency must be written)."""
    assert clean(text).startswith("USD "), f"amount without currency: {text!r}"
    return number(text)


def days(text: str, unit: str = "days") -> int:
    """'60 days' -> 60, '1 business day' -> 1 (with unit='business days')."""
    cleaned = clean(text)
    singular = unit[:-1]
    assert re.fullmatch(rf"\d+ ({unit}|{singular})", cleaned), f"expected a number of {unit}: {text!r}"
    return int(number(cleaned))


def value_range(text: str) -> tuple[float, float | None]:
    """Parse a monthly value range.

    '5,000 or more' -> (5000, None); '1,000 to 4,999.99' -> (1000, 4999.99); 'under 1,000' -> (0, 999.99).
    """
    cleaned = clean(text).lower().replace(",", "")
    if m := re.fullmatch(r"([\d.]+) or more", cleaned):
        return float(m.group(1)), None
    if m := re.fullmatch(r"([\d.]+) to ([\d.]+)", cleaned):
        return float(m.group(1)), float(m.group(2))
    if m := re.fullmatch(r"under ([\d.]+)", cleaned):
        return 0.0, round(float(m.group(1)) - 0.01, 2)
    raise AssertionError(f"unrecognised monthly value range: {text!r}")


def tier_cell(text: str) -> str:
    """'A' -> 'A', 'Any' -> 'any' (the spelling of escalation.yaml)."""
    cleaned = clean(text)
    return "any" if cleaned.lower() == "any" else cleaned


# --------------------------------------------------------------------------------------------------
# Data files
# --------------------------------------------------------------------------------------------------


def load_yaml(name: str) -> dict:
    with open(DATA / name, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sla_key(row: dict[str, str]) -> tuple[str, str, str, str, str]:
    """A row of the SLA table in prose, as the matching sla.csv values."""
    return (
        clean(row["Tier"]),
        clean(row["Channel"]).lower(),
        clean(row["Priority"]).lower(),
        words_to_iso(row["First response"]),
        words_to_iso(row["Resolution"]),
    )


def expected_sla() -> Counter:
    rows = load_csv("sla.csv")
    return Counter((r["tier"], r["channel"], r["priority"], r["first_response"], r["resolution"]) for r in rows)


def escalation_key(row: dict[str, str]) -> tuple[str, str, str, str, str]:
    """A row of the escalation table in prose, as the matching escalation.yaml values."""
    codes = re.findall(r"`([a-z0-9_]+)`", row["Situation"])
    assert len(codes) == 1, f"Situation must hold exactly one `code`: {row['Situation']!r}"
    return (
        codes[0],
        tier_cell(row["Tier"]),
        clean(row["Owner"]),
        clean(row["Level"]),
        clean(row["Slack channel"]),
    )


def expected_escalations() -> Counter:
    rows = load_yaml("escalation.yaml")["escalations"]
    return Counter((r["situation"], r["tier"], r["owner"], r["level"], r["slack_channel"]) for r in rows)


def typification_key(row: dict[str, str]) -> tuple[str, str, str]:
    return clean(row["Code"]), clean(row["Category"]).lower(), clean(row["Meaning"])


def expected_typification() -> Counter:
    return Counter((r["code"], r["category"], r["label_en"]) for r in load_csv("typification.csv"))


def tier_key(row: dict[str, str]) -> tuple:
    low, high = value_range(row["Monthly value (USD)"])
    return (
        clean(row["Tier"]),
        clean(row["Name"]),
        low,
        high,
        clean(row["Typical plan"]),
        clean(row["Owner"]),
        clean(row["Strategy"]).lower(),
        clean(row["Review"]).lower(),
    )


def expected_tiers() -> Counter:
    tiers = load_yaml("tiers.yaml")["tiers"]
    return Counter(
        (
            t["tier"],
            t["name"],
            float(t["min_monthly_value"]),
            None if t["max_monthly_value"] is None else float(t["max_monthly_value"]),
            t["typical_plan"],
            t["owner"],
            t["strategy"].lower(),
            t["review"].lower(),
        )
        for t in tiers
    )


def refund_key(row: dict[str, str]) -> tuple:
    cap = clean(row["Credit cap"])
    assert cap.endswith("% of one monthly fee"), f"credit cap must read 'N% of one monthly fee': {cap!r}"
    return (
        clean(row["Tier"]),
        days(row["Refund window"]),
        number(cap),
        money(row["L1 may credit up to"]),
        money(row["L1 may refund up to"]),
        clean(row["Approver"]),
        money(row["Approver may grant up to"]),
    )


def expected_refunds() -> Counter:
    limits = load_yaml("refund_limits.yaml")["limits"]
    return Counter(
        (
            r["tier"],
            r["refund_window_days"],
            float(r["credit_cap_pct"]),
            float(r["l1_credit_max"]),
            float(r["l1_refund_max"]),
            r["approver"],
            float(r["approver_max"]),
        )
        for r in limits
    )


def rescue_key(row: dict[str, str]) -> tuple:
    return (
        clean(row["Tier"]),
        clean(row["Owner"]),
        days(row["Contact within"], "business days"),
        clean(row["Offers"]),
    )


def expected_rescue() -> Counter:
    offers = load_yaml("rescue_offers.yaml")["offers"]
    return Counter((o["tier"], o["owner"], o["contact_within_business_days"], " or ".join(o["offers"])) for o in offers)


# header -> (canonical doc_id, row -> key, expected Counter factory)
CHECKED_TABLES = {
    SLA_HEADER: ("sla-targets", sla_key, expected_sla),
    TYPIFICATION_HEADER: ("documentation-and-typification", typification_key, expected_typification),
    TIERS_HEADER: ("client-categorisation", tier_key, expected_tiers),
    REFUND_HEADER: ("refund-policy", refund_key, expected_refunds),
    ESCALATION_HEADER: ("escalation-matrix", escalation_key, expected_escalations),
    RESCUE_HEADER: ("rescue-policy", rescue_key, expected_rescue),
}


def assert_same_rows(actual: Counter, expected: Counter, what: str) -> None:
    missing, extra = expected - actual, actual - expected
    assert not missing and not extra, (
        f"{what} disagrees with the data file.\n  in data but not in prose: {sorted(missing, key=str)}"
        f"\n  in prose but not in data: {sorted(extra, key=str)}"
    )


def canonical_counter(header: str) -> Counter:
    doc_id, key, _ = CHECKED_TABLES[header]
    return Counter(key(row) for _, row in canonical_rows(header, doc_id))


# --------------------------------------------------------------------------------------------------
# The parser itself
# --------------------------------------------------------------------------------------------------


def test_parser_reads_tables_under_headings_and_skips_code():
    """A failure means the shared table parser is broken, so every other result here is unreliable."""
    text = (
        "# Title\n\n## Section one\n\n| A | B |\n| --- | :---: |\n| 1 | `x \\| y` |\n| 2 | **3** |\n\n"
        "```\n| not | a table |\n| --- | --- |\n```\n### Sub\n|C|\n|---|\n|z|\n"
    )
    tables = parse_tables(text)
    assert [t.header for t in tables] == [["A", "B"], ["C"]]
    assert tables[0].section == "Section one" and tables[1].section == "Sub"
    assert tables[0].rows == [["1", "`x | y`"], ["2", "**3**"]]
    assert clean(tables[0].rows[1][1]) == "3"
    assert words_to_iso("1 minute") == "PT1M" and words_to_iso("24 hours") == "PT24H"
    assert words_to_iso("2 days") == "P2D" and words_to_iso("20 seconds") == "PT20S"
    assert value_range("under 1,000") == (0.0, 999.99)


# --------------------------------------------------------------------------------------------------
# Each table against its data file
# --------------------------------------------------------------------------------------------------


def test_sla_tables_match_sla_csv():
    """A failure means an SLA target in 'SLA targets' differs from sla.csv (or a row is missing or extra).

    Agents quote these targets to clients, so the prose must list all 60 rows exactly, each tier's
    rows under its own '## Tier X targets' section.
    """
    rows = canonical_rows(SLA_HEADER, "sla-targets")
    assert len(rows) == 60, f"expected 60 SLA rows (3 tiers x 5 channels x 4 priorities), found {len(rows)}"
    for section, row in rows:
        assert section == f"Tier {clean(row['Tier'])} targets", (
            f"row {row} sits under '{section}', not under 'Tier {clean(row['Tier'])} targets'"
        )
    assert_same_rows(Counter(sla_key(row) for _, row in rows), expected_sla(), "The SLA table")


def test_typification_table_matches_typification_csv():
    """A failure means a code, category or English meaning differs from typification.csv.

    The table is the one in 'Documentation and typification'.
    """
    assert_same_rows(canonical_counter(TYPIFICATION_HEADER), expected_typification(), "The typification table")


def test_tiers_table_matches_tiers_yaml():
    """A failure means a tier's name, value range, plan, owner, strategy or review differs from tiers.yaml.

    The table is the one in 'Client categorisation'.
    """
    assert_same_rows(canonical_counter(TIERS_HEADER), expected_tiers(), "The tiers table")


def test_refund_table_matches_refund_limits_yaml():
    """A failure means a refund window, credit cap, L1 limit or approver differs from refund_limits.yaml.

    The table is the one in 'Refund policy'; agents rely on it to know what they may grant alone.
    """
    assert_same_rows(canonical_counter(REFUND_HEADER), expected_refunds(), "The refund limits table")


def test_escalation_table_matches_escalation_yaml():
    """A failure means a situation, tier, owner, level or Slack channel differs from escalation.yaml.

    The table is the one in 'Escalation matrix'.
    """
    assert_same_rows(canonical_counter(ESCALATION_HEADER), expected_escalations(), "The escalation table")


def test_rescue_table_matches_rescue_offers_yaml():
    """A failure means a rescue owner, contact time or offer text differs from rescue_offers.yaml.

    The table is the one in 'Rescue policy'; offers are joined with " or " in their data order.
    """
    assert_same_rows(canonical_counter(RESCUE_HEADER), expected_rescue(), "The rescue offers table")


@pytest.mark.parametrize("header", list(CHECKED_TABLES), ids=[v[0] for v in CHECKED_TABLES.values()])
def test_every_copy_of_a_checked_table_agrees_with_data(header):
    """A failure means a document other than the canonical one repeats a checked table with a wrong row.

    Any English document may quote part of a checked table (for example the tier A SLA rows in
    'VIP handling'); each quoted row must exist in the data file.
    """
    _, key, expected = CHECKED_TABLES[header]
    allowed = expected()
    for path, table in tables_with_header(header):
        names = split_row(header)
        for row in table.rows:
            value = key(dict(zip(names, row, strict=True)))
            assert value in allowed, f"{path.name}:{table.line}: row {row} is not in the data file"


# --------------------------------------------------------------------------------------------------
# Front matter and structure of every document
# --------------------------------------------------------------------------------------------------

ALL_DOCS = sorted(p for d in DOC_DIRS for p in d.glob("*.md"))


@pytest.mark.parametrize("path", ALL_DOCS, ids=[f"{p.parent.name}/{p.name}" for p in ALL_DOCS])
def test_front_matter_is_complete(path):
    """A failure means the document's front matter is incomplete or wrong, so retrieval and citations break.

    Required: title, doc_id (== file name), owner, version (quoted string), effective_date (a date),
    audience (agents/leads/trainers/all), language (en|es, same as the folder) and a known topic.
    """
    meta = frontmatter.load(path).metadata
    missing = [k for k in REQUIRED_FRONT_MATTER if meta.get(k) in (None, "", [])]
    assert not missing, f"{path.name}: missing front matter fields {missing}"
    assert meta["doc_id"] == path.stem, f"doc_id {meta['doc_id']!r} must equal the file name {path.stem!r}"
    assert meta["language"] in {"en", "es"}, f"language must be en or es, not {meta['language']!r}"
    assert meta["language"] == path.parent.name, f"{path.name}: folder and language differ"
    assert isinstance(meta["version"], str), f"version must be a quoted string, got {meta['version']!r}"
    effective = meta["effective_date"]
    if isinstance(effective, str):
        effective = dt.date.fromisoformat(effective)
    assert isinstance(effective, dt.date), f"effective_date must be a date, got {meta['effective_date']!r}"
    audience = meta["audience"] if isinstance(meta["audience"], list) else [meta["audience"]]
    assert set(audience) <= ALLOWED_AUDIENCE, f"unknown audience {set(audience) - ALLOWED_AUDIENCE}"
    assert meta["topic"] in ALLOWED_TOPICS, f"unknown topic {meta['topic']!r}"
    for key in ("title", "owner"):
        assert isinstance(meta[key], str) and meta[key].strip(), f"{key} must be non-empty text"


@pytest.mark.parametrize("path", ALL_DOCS, ids=[f"{p.parent.name}/{p.name}" for p in ALL_DOCS])
def test_exactly_one_title_heading(path):
    """A failure means the document has no '#' title, several, or one unlike the front matter title."""
    post = frontmatter.load(path)
    titles = [line for _, line in markdown_lines(post.content) if re.match(r"^#\s", line)]
    assert len(titles) == 1, f"{path.name}: expected exactly one '#' heading, found {titles}"
    assert titles[0][2:].strip() == post.metadata.get("title"), (
        f"{path.name}: '#' heading {titles[0]!r} differs from title {post.metadata.get('title')!r}"
    )


# --------------------------------------------------------------------------------------------------
# The CRM seed
# --------------------------------------------------------------------------------------------------


def test_clients_seed_is_consistent_with_tiers():
    """A failure means clients.csv (the embedded CRM's seed) contradicts tiers.yaml or its own conventions.

    Each client's id prefix and monthly value must fit its tier, and the fixed example clients
    C-1001 (A), C-2002 (B) and C-3003 (C) used in the documents must exist.
    """
    tiers = {t["tier"]: t for t in load_yaml("tiers.yaml")["tiers"]}
    prefix = {"A": "C-1", "B": "C-2", "C": "C-3"}
    clients = load_csv("clients.csv")
    assert len(clients) >= 45
    ids = [c["id"] for c in clients]
    assert len(ids) == len(set(ids)), "duplicate client ids"
    by_id = {c["id"]: c for c in clients}
    for example, tier in (("C-1001", "A"), ("C-2002", "B"), ("C-3003", "C")):
        assert by_id[example]["tier"] == tier
    for c in clients:
        tier = tiers[c["tier"]]
        assert re.fullmatch(r"C-\d{4}", c["id"]) and c["id"].startswith(prefix[c["tier"]]), c["id"]
        value = float(c["monthly_value"])
        high = tier["max_monthly_value"]
        assert value >= tier["min_monthly_value"] and (high is None or value <= high), (
            f"{c['id']}: monthly value {value} is outside tier {c['tier']}'s range"
        )
        assert c["churn_risk"] in {"low", "medium", "high"}, c["id"]
        assert c["status"] in {"active", "inactive", "cancellation_requested"}, c["id"]
        assert c["language"] in {"en", "es", "fr", "de"}, c["id"]
        assert c["email"].endswith("@example.com"), c["id"]
        assert ZoneInfo(c["timezone"]), c["id"]
        assert int(c["prior_refunds_12m"]) >= 0 and int(c["tenure_months"]) >= 0, c["id"]
    assert sum(c["language"] == "es" for c in clients) >= 12
