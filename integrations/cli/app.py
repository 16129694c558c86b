"""The ``playbook`` app (Typer): ``ask``, ``config`` and ``serve`` here, the other commands from their modules.

Thin: parse, call ``assistant``/``ingest``, print, map errors. Command modules import their heavy
dependencies inside the command, so ``playbook --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from assistant.errors import PlaybookError
from integrations.cli import crm, evaluate, evaluate_external, ingest, quiz, validate
from integrations.cli.common import JsonOpt, err, load_settings, out, print_json, user_errors

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Playbook Assistant: answers from your CX playbook.",
)


def _print_version(value: bool) -> None:
    if value:
        from assistant import __version__

        typer.echo(f"playbook {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Playbook Assistant: answers from your CX playbook."""


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question; omit it for an interactive session.")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, max=50, help="Chunks to retrieve.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the playbook, with numbered citations (or abstain)."""
    import time

    from assistant import entry
    from assistant.answering.ask import clean_question
    from assistant.factory import build_services
    from assistant.questions import AskRequest

    settings = load_settings()
    with user_errors(as_json), build_services(settings) as services:
        if question is None:
            _interactive(services, k)
            return
        clean_question(question, settings.max_question_chars)  # a bad question fails before anything loads
        started = time.perf_counter()
        services.warm_up(queries_only=True)  # timed apart: latency_ms is the answer's own time
        load_ms = (time.perf_counter() - started) * 1000
        answer = entry.answer(services, AskRequest(question=question, k=k))
    if as_json:
        print_json(answer.model_dump(mode="json") | {"load_ms": round(load_ms, 2)})
    else:
        _show_answer(answer)


def _show_answer(answer: Any) -> None:
    from rich.markdown import Markdown

    if out.is_terminal:  # a terminal renders the Markdown; a pipe or a file gets the Markdown text itself
        out.print(Markdown(answer.answer))
    else:
        out.print(answer.answer, markup=False, highlight=False)
    if answer.citations:
        out.print("")
        for c in answer.citations:
            where = f"{c.title} › {c.section}" if c.section else c.title
            out.print(f"[{c.n}] {where} ({c.source})", markup=False, highlight=False)
    out.print(f"confidence {answer.confidence:.2f}", style="dim", highlight=False)


def _interactive(services: Any, k: int | None) -> None:
    """A prompt loop: one question per line, empty line or Ctrl-D to quit."""
    from assistant import entry
    from assistant.questions import AskRequest

    services.warm_up(queries_only=True)
    out.print("Playbook Assistant: ask a question (empty line or Ctrl-D to quit).", highlight=False)
    while True:
        try:
            line = input("playbook> ")
        except EOFError:
            out.print("")
            return
        if not line.strip():
            return
        try:
            _show_answer(entry.answer(services, AskRequest(question=line, k=k)))
        except PlaybookError as exc:
            err.print(f"error: {exc.message}", markup=False, highlight=False)


@app.command("config")
def show_config(as_json: JsonOpt = False) -> None:
    """Print the effective settings, secrets masked."""
    values = load_settings().masked()
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        out.print(f"{key} = {value}", markup=False, highlight=False)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option("--host", help="Bind address (default PLAYBOOK_HOST, 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default PLAYBOOK_PORT, 8000).")
    ] = None,
    slack_socket: Annotated[
        bool, typer.Option("--slack-socket", help="Also run the Slack app over Socket Mode (PLAYBOOK_SLACK_APP_TOKEN).")
    ] = False,
) -> None:
    """Start the HTTP API (and the web console at /); the Slack app too when its tokens are set."""
    import ipaddress

    import uvicorn

    from integrations.http import create_app
    from integrations.http.auth import load_keys

    settings = load_settings()
    _configure_logging(settings.log_level)
    bind = host or settings.host
    with user_errors(False):
        keys = load_keys(settings)
        loopback = bind == "localhost" or (_is_ip(bind) and ipaddress.ip_address(bind).is_loopback)
        if keys.local_only and not loopback:
            raise PlaybookError(
                f"refusing to bind {bind} without API keys: set PLAYBOOK_API_KEYS (key:role,...) or bind 127.0.0.1"
            )
        if keys.created_local_key:
            err.print(f"Local admin API key (shown once, kept in {settings.data_dir / 'admin.key'}):", highlight=False)
            err.print(keys.created_local_key, markup=False, highlight=False)
        application = create_app(settings, keys=keys, slack_socket=slack_socket)
    out.print(
        f"Playbook Assistant on http://{bind}:{port or settings.port}  (console at /, API docs at /docs)",
        highlight=False,
    )
    uvicorn.run(
        application, host=bind, port=port or settings.port, log_level=settings.log_level.lower(), access_log=False
    )


def _configure_logging(level: str) -> None:
    """Plain message lines (the HTTP request log is already JSON); request lines at INFO at least."""
    import logging

    logging.basicConfig(level=level.upper(), format="%(message)s")
    logging.getLogger("playbook.http").setLevel(min(logging.INFO, logging.getLevelName(level.upper())))
    # bm25s sets its own logger to DEBUG at import, which would print "Building index from tokens" per index.
    logging.getLogger("bm25s").setLevel(level.upper())


def _is_ip(text: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


for commands in (ingest, crm, quiz, evaluate, validate, evaluate_external):
    commands.register(app)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    try:
        app()
    except Exception as exc:  # last resort: one line, never a traceback, for a user
        if os.environ.get("PLAYBOOK_DEBUG"):
            raise
        err.print(
            f"error: unexpected {type(exc).__name__}: {exc} (set PLAYBOOK_DEBUG=1 for details)",
            markup=False,
            highlight=False,
        )
        sys.exit(2)


if __name__ == "__main__":
    main()
