"""``playbook eval-external``: the product on third-party sets (documents we did not write), beside baselines."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.errors import PlaybookError
from integrations.cli.common import JsonOpt, err, load_settings, out, print_json, user_errors


class SetChoice(StrEnum):
    """Which external set(s) to run."""

    doc2dial = "doc2dial"
    or_sharc = "or-sharc"
    all = "all"


class EvaldataMissing(PlaybookError):
    """The folder of external sets is not there."""

    code = "evaldata_missing"


def rate_printer(*, every: float = 10.0) -> Callable[[str, int, int], None]:
    """Progress as plain stderr lines (done/total and rate), at most one per ``every`` seconds per stage."""
    started: dict[str, float] = {}
    last: dict[str, float] = {}

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        first = started.setdefault(stage, now)
        if stage in last and done < total and now - last[stage] < every:
            return  # the first report of a stage always shows: a long first step is then not a silent wait
        last[stage] = now
        rate = f" ({done / (now - first):.1f}/s)" if now - first > 0.5 else ""
        err.print(f"{stage}: {done}/{total}{rate}", markup=False, highlight=False)

    return report


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_table(results: dict[str, Any]) -> None:
    """The product's figures with the BM25 and dense baselines beside them, one row per set and slice."""
    from rich.console import Console
    from rich.table import Table

    from evals.external_sets import SLICE_NAMES

    grid = Table("set", "slice", "n", "hit@1", "hit@5", "cited", "span", "abstained",
                 "BM25 @1/@5", "dense @1/@5", "dense span", title="product (cited gold) vs baselines")
    for name, figures in results["sets"].items():
        for slice_name, row in figures["slices"].items():
            p, bm, de = row["product"], row["bm25"], row["dense"]
            grid.add_row(name, SLICE_NAMES[slice_name], str(row["n"]), _fmt(p["hit@1"]), _fmt(p["hit@5"]),
                         _fmt(p["gold_cited"]), _fmt(p["span_recall"]), _fmt(p["abstained"]),
                         f"{_fmt(bm['hit@1'])} / {_fmt(bm['hit@5'])}", f"{_fmt(de['hit@1'])} / {_fmt(de['hit@5'])}",
                         _fmt(de["span_recall"]))
    # 11 columns: squeezed into 80 (a log, a pipe) they say nothing, so the table gets 150 at least.
    Console(width=max(out.width, 150), soft_wrap=True).print(grid)
    for name, oos in results.get("out_of_scope", {}).items():
        out.print(f"out of scope: {name} asked of the bundled playbook: {oos['abstained']:.3f} refused "
                  f"({oos['questions']} questions)", highlight=False)


def eval_external_command(
    evaldata: Annotated[
        Path | None,
        typer.Option("--evaldata", help="Folder of sets (default: $PLAYBOOK_EVALDATA_DIR, else ../shared/evaldata)."),
    ] = None,
    which: Annotated[SetChoice, typer.Option("--set", help="Which set to run.")] = SetChoice.all,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most N questions per set (every k-th: a fixed sample).")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where results go (default: <data dir>/eval-external/<time>).")
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Re-ingest the sets even when cached.")] = False,
    oos: Annotated[
        bool, typer.Option("--out-of-scope/--no-out-of-scope", help="Also ask each set of the bundled playbook.")
    ] = True,
    as_json: JsonOpt = False,
) -> None:
    """Measure answers on external sets (cited gold document, span recall, abstention) beside BM25 and dense."""
    from evals.external import ExternalOptions, run_external
    from evals.external_report import write_external_report
    from evals.external_sets import KNOWN_SETS, evaldata_candidates, find_evaldata

    settings = load_settings()
    with user_errors(as_json):
        root = evaldata or find_evaldata()
        if evaldata is not None and not evaldata.is_dir():
            raise EvaldataMissing(f"{evaldata}: no such folder of external evaluation sets")
        if root is None:
            where = " or ".join(str(p) for p in evaldata_candidates())
            err.print(f"skipped: no external evaluation sets at {where}", markup=False, highlight=False)
            if as_json:
                print_json({"skipped": f"no external evaluation sets at {where}"})
            return
        sets = KNOWN_SETS if which is SetChoice.all else (which.value,)
        options = ExternalOptions(sets=sets, limit=limit, rebuild=rebuild, out_of_scope=oos,
                                  progress=rate_printer())
        results = run_external(settings, root, options)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = out_dir or settings.data_dir / "eval-external" / stamp
        json_path, html_path = write_external_report(results, target)
    if as_json:
        print_json({"out": str(target), "results": str(json_path), "report": str(html_path),
                    "sets": {n: s["slices"] for n, s in results["sets"].items()},
                    "out_of_scope": {n: {k: v for k, v in o.items() if k != "answered"}
                                     for n, o in results.get("out_of_scope", {}).items()}})
        return
    print_table(results)
    out.print(f"results: {json_path}\nreport:  {html_path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``eval-external`` command to the ``playbook`` app."""
    app.command("eval-external")(eval_external_command)
