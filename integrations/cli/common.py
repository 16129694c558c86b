"""What every ``playbook`` command shares: consoles, settings loading, error mapping, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console

from assistant.errors import InvalidInput, PlaybookError
from assistant.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

__all__ = ["InvalidInput", "JsonOpt", "QuietOpt", "err", "fail", "load_settings", "out", "print_json", "user_errors"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display on stderr.")]


def load_settings() -> Settings:
    """The effective settings, or one clear line and exit 1 when they are invalid."""
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "PLAYBOOK_" + ".".join(str(p) for p in first.get("loc", ())).upper()
        fail(PlaybookError(f"invalid configuration: {where}: {first.get('msg', 'invalid value')}"), as_json=False)


def fail(exc: PlaybookError, *, as_json: bool, code: int = 1) -> NoReturn:
    """Print the error (one stderr line; JSON on stdout with --json) and exit non-zero."""
    if as_json:
        typer.echo(json.dumps(exc.to_dict()))
    err.print(f"error: {exc.message}", markup=False, highlight=False)
    raise typer.Exit(code)


@contextmanager
def user_errors(as_json: bool) -> Iterator[None]:
    """Map every user-facing error to one stderr line and a non-zero exit."""
    try:
        yield
    except PlaybookError as exc:
        fail(exc, as_json=as_json)
    except ValidationError as exc:  # a request model refused the input: its first problem, on one line
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        fail(InvalidInput(f"{where}: {first.get('msg', 'invalid value')}".strip(": ")), as_json=as_json)
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None


def print_json(payload: dict[str, Any]) -> None:
    """Exactly one JSON object on stdout."""
    typer.echo(json.dumps(payload, ensure_ascii=False))
