"""Helpers the CLI tests share: run the Typer app in-process and check its output contract."""

from __future__ import annotations

import json

from click.testing import Result
from typer.testing import CliRunner

from integrations.cli import app


def run(*args: str) -> Result:
    """Invoke the CLI in-process."""
    return CliRunner().invoke(app, list(args))


def one_json(result: Result) -> dict:
    """The single JSON object on stdout (fails if there is anything else)."""
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    payload = json.loads(lines[0])
    assert isinstance(payload, dict)
    return payload


def assert_clean_error(result: Result) -> str:
    """Non-zero exit, exactly one stderr line, no traceback; returns that line."""
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]
