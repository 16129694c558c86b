"""Check a policy-tables folder against :mod:`assistant.policy.schema`: every problem with file, line and field.

Used by ``playbook validate`` (all problems) and at start-up by :meth:`PolicyData.load` (one clear error
instead of a crash in whichever command first touches a broken table).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from assistant.policy.schema import TABLES

# Codes the drafts write (primary and secondary); a typification table must define them.
DRAFT_CODES = ("REF-01", "REF-02", "REF-03", "REF-04", "RSC-01", "RSC-02", "RSC-03")


@dataclass(frozen=True)
class Problem:
    """One problem in one table."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int:
    """The line of the deepest YAML node that ``loc`` (a pydantic error location) reaches."""
    line = node.start_mark.line + 1 if node is not None else 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: start-up reads every table


def _yaml(path: Path, model: type[BaseModel]) -> tuple[BaseModel | None, list[Problem]]:
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (libyaml's or PyYAML's)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, [Problem(path.name, mark.line + 1 if mark else 0, "", f"not valid YAML ({exc})".splitlines()[0])]
    try:
        return model.model_validate(data if data is not None else {}), []
    except ValidationError as exc:
        node = yaml.compose(text, Loader=_LOADER)  # only now: the node tree gives each error its line
        return None, [
            Problem(path.name, _node_line(node, tuple(e["loc"])), ".".join(str(p) for p in e["loc"]), e["msg"])
            for e in exc.errors(include_url=False)
        ]


def _csv(path: Path, model: type[BaseModel]) -> tuple[list[BaseModel], list[Problem]]:
    rows: list[BaseModel] = []
    problems: list[Problem] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = set(model.model_fields)
        header = set(reader.fieldnames or ())
        for missing in sorted(c for c in columns - header if model.model_fields[c].is_required()):
            problems.append(Problem(path.name, 1, missing, "missing column"))
        for unknown in sorted(header - columns):
            problems.append(Problem(path.name, 1, unknown, "unknown column"))
        if problems:
            return rows, problems
        for row in reader:
            if None in row:
                problems.append(Problem(path.name, reader.line_num, "", "more fields than columns"))
                continue
            values = {k: (v if v not in ("", None) else None) for k, v in row.items()}
            try:
                rows.append(model.model_validate(values))
            except ValidationError as exc:
                for e in exc.errors(include_url=False):
                    problems.append(Problem(path.name, reader.line_num, ".".join(map(str, e["loc"])), e["msg"]))
    if not rows and not problems:
        problems.append(Problem(path.name, 1, "", "the table has no rows"))
    return rows, problems


def load_tables(folder: Path) -> tuple[dict[str, Any], list[Problem]]:
    """Parse and validate every known table of ``folder``.

    Args:
        folder: a policy-tables folder (``knowledge/data`` or a team's own).

    Returns:
        The parsed tables by file name (YAML files as models, CSV files as lists of row models) and every
        problem found, cross-table checks included. Missing optional tables are simply absent.
    """
    if not folder.is_dir():
        return {}, [Problem(str(folder), 0, "", "not a folder")]
    tables: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, (model, required) in TABLES.items():
        path = folder / name
        if not path.is_file():
            if required:
                problems.append(Problem(name, 0, "", "required table is missing"))
            continue
        parsed, found = _csv(path, model) if name.endswith(".csv") else _yaml(path, model)
        problems += found
        if not found:
            tables[name] = parsed
    if not problems:
        problems += cross_check(tables)
    return tables, problems


def cross_check(tables: dict[str, Any]) -> list[Problem]:
    """Checks across tables: every tier has limits, rescue offers and SLA rows; codes and owners exist."""
    tiers = [t.tier for t in tables["tiers.yaml"].tiers]
    problems: list[Problem] = []
    per_tier = {
        "refund_limits.yaml": {r.tier for r in tables["refund_limits.yaml"].limits},
        "rescue_offers.yaml": {r.tier for r in tables["rescue_offers.yaml"].offers},
        "sla.csv": {r.tier for r in tables["sla.csv"]},
    }
    for name, present in per_tier.items():
        missing = [t for t in tiers if t not in present]
        problems += [Problem(name, 0, "tier", f"no row for tier {t!r} of tiers.yaml") for t in missing]
        problems += [Problem(name, 0, "tier", f"tier {t!r} is not in tiers.yaml") for t in sorted(present - set(tiers))]
    for row in tables["escalation.yaml"].escalations:
        if row.tier != "any" and row.tier not in tiers:
            problems.append(Problem("escalation.yaml", 0, "tier", f"{row.situation}: tier {row.tier!r} is unknown"))
    codes = {r.code for r in tables["typification.csv"]}
    problems += [Problem("typification.csv", 0, "code", f"drafts need code {c}") for c in DRAFT_CODES if c not in codes]
    company = tables.get("company.yaml")
    if company is None and not tables["tiers.yaml"].company:
        problems.append(Problem("company.yaml", 0, "name", "no company name (add company.yaml, or 'company' in tiers)"))
    if company is not None:
        problems += [
            Problem("company.yaml", 0, "codes", f"{purpose}: code {code} is not in typification.csv")
            for purpose, code in company.codes.items()
            if code not in codes
        ]
        problems += [Problem("company.yaml", 0, "vip_tiers", f"unknown tier {t!r}") for t in company.vip_tiers
                     if t not in tiers]
    asks = any(r.situation == "question_not_covered_by_playbook" for r in tables["escalation.yaml"].escalations)
    if not asks and (company is None or company.who_to_ask is None):
        problems.append(Problem("escalation.yaml", 0, "situation", "no 'question_not_covered_by_playbook' row "
                                "(or company.yaml who_to_ask): nobody to name when the playbook is silent"))
    for client in tables.get("clients.csv", []):
        if client.tier not in tiers:
            message = f"{client.id}: tier {client.tier!r} is not in tiers.yaml"
            problems.append(Problem("clients.csv", 0, "tier", message))
    return problems
