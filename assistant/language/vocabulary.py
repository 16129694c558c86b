"""Domain words read from the knowledge base's data folder: the company, its tiers, support levels and channels.

The composer and the follow-up rewriter treat these specially (a tier B row does not answer for tier C; "and for
tier C?" after a tier B question is a tier C question). They come from the tables, not from code, so another
company's tiers ("Gold", "Silver") or levels get the same treatment without a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.text import terms


@dataclass(frozen=True)
class Mention:
    """A domain word found in a text: its group ("tier", "level", "channel"), index token and surface text."""

    group: str
    token: str
    span: tuple[int, int]


@dataclass(frozen=True)
class DomainVocabulary:
    """Index tokens of the domain words, by group, and the patterns that find them in text."""

    company: str | None = None
    groups: dict[str, frozenset[str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # index token -> the name as the data writes it
    patterns: dict[str, list[tuple[str, re.Pattern[str]]]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path | None) -> DomainVocabulary:
        """Read tiers (``tiers.yaml``), levels (``roles.yaml``, ``channels.yaml``) and channels from ``folder``."""
        if folder is None:
            return cls()
        tiers_doc = _yaml(folder / "tiers.yaml")
        channels_doc = _yaml(folder / "channels.yaml")
        rows = [t for t in tiers_doc.get("tiers", []) if isinstance(t, dict) and t.get("tier")]
        tiers = [str(t["tier"]) for t in rows]
        aliases = {str(t["tier"]): str(t["name"]) for t in rows if t.get("name")}
        channels = [str(c.get("channel")) for c in channels_doc.get("channels", []) if c.get("channel")]
        levels = {str(r.get("level")) for r in _yaml(folder / "roles.yaml").get("roles", []) if r.get("level")}
        for row in channels_doc.get("channels", []):
            levels.update(str(v) for v in row.get("support_levels") or [])
        return cls.build(
            company=tiers_doc.get("company"), tiers=tiers, levels=sorted(levels), channels=channels, aliases=aliases
        )

    @classmethod
    def build(
        cls, *, company: str | None = None, tiers: list[str], levels: list[str], channels: list[str] | None = None,
        aliases: dict[str, str] | None = None,
    ) -> DomainVocabulary:
        """A vocabulary from lists of names (tests and other data sources); ``aliases`` maps a tier to its name."""
        patterns: dict[str, list[tuple[str, re.Pattern[str]]]] = {"tier": [], "level": [], "channel": []}
        names = {tier_token(t): t for t in tiers}
        aliases = aliases or {}
        for tier in tiers:
            patterns["tier"].append((tier_token(tier), _tier_pattern(tier)))
            if aliases.get(tier):  # "Gold" for tier B: a mention of the name is a mention of the tier
                patterns["tier"].append((tier_token(tier), _name_pattern(aliases[tier])))
        for level in levels:
            token = next(iter(terms(level)), level.lower())
            patterns["level"].append((token, re.compile(rf"\b{re.escape(level)}\b", re.IGNORECASE)))
        for channel in channels or []:
            token = next(iter(terms(channel)), channel.lower())
            patterns["channel"].append((token, re.compile(rf"\b{re.escape(channel)}s?\b", re.IGNORECASE)))
        groups = {name: frozenset(token for token, _ in found) for name, found in patterns.items() if found}
        return cls(company=company, groups=groups, names=names, patterns=patterns)

    def tiers_in(self, text: str) -> list[str]:
        """The tier names ``text`` mentions, once each, in order."""
        return list(dict.fromkeys(self.names[m.token] for m in self.mentions(text) if m.group == "tier"))

    def tokens_in(self, text: str) -> set[str]:
        """The exclusive domain tokens (tiers, levels) ``text`` mentions, by name or by id."""
        return {m.token for m in self.mentions(text) if m.group in ("tier", "level")}

    def exclusive_groups(self) -> list[frozenset[str]]:
        """Groups whose members exclude each other in an answer: a tier's row does not answer for another tier."""
        return [self.groups[g] for g in ("tier", "level") if g in self.groups]

    def mentions(self, text: str) -> list[Mention]:
        """Every domain word in ``text``, in order of appearance."""
        found = [
            Mention(group, token, m.span())
            for group, pairs in self.patterns.items()
            for token, pattern in pairs
            for m in pattern.finditer(text)
        ]
        return sorted(found, key=lambda m: m.span)


def tier_token(tier: str) -> str:
    """The index token of a tier name: ``tiera`` for a one-letter tier (see ``text.terms``), else its stem."""
    if len(tier) == 1:
        return f"tier{tier.lower()}"
    return next(iter(terms(tier)), tier.lower())


def _tier_pattern(tier: str) -> re.Pattern[str]:
    name = re.escape(tier)
    if len(tier) == 1:  # a lone letter is a tier only next to the word: "tier B", "nivel B", "Tier: B"
        return re.compile(rf"\b(?:tiers?|nivel(?:es)?|categor[ií]as?)\s*:?\s*{name}\b", re.IGNORECASE)
    return re.compile(rf"\b{name}\b", re.IGNORECASE)


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)


def _yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}
