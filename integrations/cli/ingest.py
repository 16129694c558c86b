"""``playbook ingest`` (the corpus, remembered; guarded) and ``playbook status`` (what the index was built from)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from integrations.cli.common import JsonOpt, QuietOpt, err, load_settings, out, print_json, user_errors
from integrations.cli.progress import progress_display

PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Files or folders that become the corpus (default: the roots the index was built from; the bundled "
        "knowledge base for a new data dir).",
        show_default=False,
    ),
]
AddOpt = Annotated[list[Path] | None, typer.Option("--add", help="Add a folder or file to the corpus (repeatable).")]
RemoveOpt = Annotated[
    list[Path] | None, typer.Option("--remove", help="Remove an ingested folder or file from the corpus (repeatable).")
]


def ingest(
    paths: PathsArg = None,
    add: AddOpt = None,
    remove: RemoveOpt = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Confirm an ingest that removes most of the indexed documents.")
    ] = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-index every file.")] = False,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Index documents (Markdown, text, HTML, PDF, DOCX) into the playbook index, incrementally."""
    from assistant.factory import build_services
    from ingest.corpus import choose_roots
    from ingest.pipeline import pipeline_for

    settings = load_settings()
    with user_errors(as_json), build_services(settings) as services:
        roots = choose_roots(
            services.store.pointer(), paths=paths or [], add=add or [], remove=remove or [],
            default=settings.knowledge_dir,
        )
        with progress_display("ingest", err, quiet=quiet) as progress:
            summary = pipeline_for(services).run(
                roots, rebuild=rebuild, replace=replace or bool(remove), progress=progress
            )
    if as_json:
        print_json(summary.model_dump(mode="json"))
        return
    out.print(
        f"{summary.documents} documents, {summary.chunks} chunks: {summary.added} added, {summary.updated} updated, "
        f"{summary.removed} removed, {summary.unchanged} unchanged ({summary.seconds:.1f} s)",
        highlight=False,
    )
    for skipped in summary.skipped:
        err.print(f"skipped {skipped.path}: {skipped.reason}", markup=False, highlight=False)
    for warning in summary.warnings:
        err.print(f"warning: {warning}", markup=False, highlight=False)


def status(as_json: JsonOpt = False) -> None:
    """Show what the index was built from: roots, documents, chunks, generation, when it was built."""
    from assistant.factory import build_services
    from ingest.corpus import index_status

    settings = load_settings()
    with user_errors(as_json), build_services(settings) as services:
        info: dict[str, Any] = index_status(services.store)
    if as_json:
        print_json(info)
        return
    out.print(
        f"{info['documents']} documents, {info['chunks']} chunks; generation {info['generation']}, "
        f"built {info['built_at'] or 'at an unknown time'}",
        highlight=False,
    )
    roots = info["roots"] or ["(not recorded: the next `playbook ingest PATH` records them)"]
    for root in roots:
        out.print(f"root: {root}", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``ingest`` and ``status`` commands to the ``playbook`` app."""
    app.command("ingest")(ingest)
    app.command("status")(status)
