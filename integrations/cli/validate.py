"""``playbook validate [DIR]``: check a policy-tables folder against its schema, every problem on its own line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from integrations.cli.common import JsonOpt, err, load_settings, out, print_json


def validate(
    folder: Annotated[
        Path | None, typer.Argument(help="The policy-tables folder (default: the configured one, knowledge/data).")
    ] = None,
    schema: Annotated[
        Path | None, typer.Option("--schema", help="Also write each table's JSON Schema into this folder.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a policy-tables folder (tiers, SLA, limits, owners, codes...) and print every problem found."""
    from assistant.policy.schema import json_schemas
    from assistant.policy.validate import load_tables

    target = folder if folder is not None else load_settings().policy_data_dir
    if schema is not None:
        schema.mkdir(parents=True, exist_ok=True)
        for name, body in json_schemas().items():
            (schema / f"{name.rsplit('.', 1)[0]}.schema.json").write_text(
                json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
    tables, problems = load_tables(target)
    if as_json:
        print_json(
            {
                "folder": str(target),
                "valid": not problems,
                "tables": sorted(tables),
                "problems": [
                    {"file": p.file, "line": p.line, "field": p.field, "message": p.message} for p in problems
                ],
            }
        )
    else:
        for problem in problems:
            err.print(str(problem), markup=False, highlight=False)
    if problems:
        if not as_json:
            err.print(f"{len(problems)} problem(s) in {target}", markup=False, highlight=False)
        raise typer.Exit(1)
    if not as_json:
        out.print(f"{target}: {len(tables)} tables valid ({', '.join(sorted(tables))})", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``validate`` to the ``playbook`` app."""
    app.command()(validate)

