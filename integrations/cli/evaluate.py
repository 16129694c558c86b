"""``playbook eval``: run the golden datasets, write results.json and report.html, gate on a baseline."""

from __future__ import annotations

import os
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from assistant.settings import Settings
from integrations.cli.common import JsonOpt, QuietOpt, err, load_settings, out, print_json, user_errors
from integrations.cli.progress import progress_display

DEFAULT_DATASETS = ["golden", "drafting"]


def eval_command(
    datasets: Annotated[
        list[str] | None,
        typer.Option("--dataset", help="A dataset file or bundled name (golden, drafting); repeat for several."),
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where results go (default: <data dir>/eval/<time>).")
    ] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="A results.json to gate against.")] = None,
    gate_file: Annotated[
        Path | None, typer.Option("--gate", help="Gate tolerances (default: evals/gate.yaml).")
    ] = None,
    url: Annotated[str | None, typer.Option("--url", help="Evaluate a running `playbook serve` instead.")] = None,
    compare: Annotated[
        tuple[str, str] | None,
        typer.Option("--compare", help="Two configurations: results.json files or 'name:key=value,...'."),
    ] = None,
    ragas: Annotated[bool, typer.Option("--ragas/--no-ragas", help="ragas metrics (non-LLM, plus judge).")] = True,
    save_baseline: Annotated[
        Path | None, typer.Option("--save-baseline", help="Also write this run's aggregate as a baseline file.")
    ] = None,
    as_json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Measure answers, retrieval and drafts on golden datasets; exit 1 when the gate finds a regression."""
    from evals.dataset import load_dataset

    os.environ.setdefault("RAGAS_DO_NOT_TRACK", "true")
    settings = load_settings()
    with user_errors(as_json):
        loaded = [load_dataset(d) for d in (datasets or DEFAULT_DATASETS)]
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target_dir = out_dir or settings.data_dir / "eval" / stamp
        if compare:
            payload = _compare(settings, loaded, compare, target_dir, ragas=ragas, as_json=as_json, quiet=quiet)
        else:
            payload = _single(settings, loaded, target_dir, url=url, baseline=baseline, gate_file=gate_file,
                              ragas=ragas, as_json=as_json, save_baseline=save_baseline, quiet=quiet)
    if as_json:
        print_json(payload)
    if payload.get("gate") and not payload["gate"]["passed"]:
        err.print("error: regression: " + ", ".join(payload["gate"]["regressed"]), markup=False, highlight=False)
        raise typer.Exit(1)


def _run(settings: Settings, loaded: list[Any], *, url: str | None, ragas: bool, quiet: bool) -> Any:
    """Build the target and the reference, run, return results."""
    from assistant.factory import build_services, init_model
    from evals.ragas_metrics import Judge
    from evals.runner import RunOptions, run_eval
    from evals.scoring import ReferenceIndex
    from evals.targets import HttpTarget, InProcessTarget, reference_corpus

    with ExitStack() as stack:
        services = stack.enter_context(build_services(settings))
        if url:
            chunks = reference_corpus(settings.knowledge_dir, chunk_size=settings.chunk_size,
                                      chunk_overlap=settings.chunk_overlap)
            api_key = os.environ.get("PLAYBOOK_EVAL_API_KEY")
            target: Any = HttpTarget(url, api_key=api_key, reference={c.id: c for c in chunks})
            stack.callback(target.close)
            target.check()
        else:
            target = InProcessTarget(services)
            chunks = services.retriever.snapshot()[1].chunks
        judge = None
        if settings.eval_judge and ragas:
            model = init_model(settings.eval_judge, base_url=settings.eval_judge_base_url,
                               api_key=settings.eval_judge_api_key)
            judge = Judge(model=model, embedder=services.embedder)
        config = {
            "embedding_model": settings.embedding_model, "retrieval_mode": settings.retrieval_mode,
            "top_k": settings.top_k, "abstain_threshold": settings.abstain_threshold,
            "chunk_size": settings.chunk_size, "llm": settings.llm, "judge": settings.eval_judge,
        }
        with progress_display("eval", err, quiet=quiet) as progress:
            return run_eval(loaded, target, reference=ReferenceIndex(chunks), sla_services=services,
                            options=RunOptions(ragas=ragas, judge=judge, progress=progress, config=config))


def _single(
    settings: Settings, loaded: list[Any], target_dir: Path, *, url: str | None, baseline: Path | None,
    gate_file: Path | None, ragas: bool, as_json: bool, save_baseline: Path | None = None, quiet: bool = False,
) -> dict[str, Any]:
    from evals.gate import GATE_FILE, check, load_gate
    from evals.report import write_report
    from evals.results import load_results

    base = load_results(baseline) if baseline else None
    gate_config = load_gate(gate_file or GATE_FILE) if base else None
    results = _run(settings, loaded, url=url, ragas=ragas, quiet=quiet)
    rows = check(results, base, gate_config) if base and gate_config else None
    results.write(target_dir / "results.json")
    if save_baseline:
        results.summary().write(save_baseline)
    report = write_report(results, target_dir / "report.html", gate=rows)
    payload: dict[str, Any] = {"out": str(target_dir), "report": str(report), "aggregate": results.aggregate,
                               "latency": results.latency}
    if rows is not None:
        regressed = [r.metric for r in rows if not r.passed]
        payload["gate"] = {"passed": not regressed, "regressed": regressed,
                           "rows": [{"metric": r.metric, "baseline": r.baseline, "current": r.current,
                                     "tolerance": r.tolerance} for r in rows]}
    if not as_json:
        _print_summary(results, rows)
        out.print(f"results: {target_dir / 'results.json'}\nreport:  {report}", highlight=False)
    return payload


def _compare(
    settings: Settings, loaded: list[Any], specs: tuple[str, str], target_dir: Path, *, ragas: bool, as_json: bool,
    quiet: bool = False,
) -> dict[str, Any]:
    from evals.compare import comparison_table, parse_configuration
    from evals.report import write_report

    named = []
    for conf in (parse_configuration(s) for s in specs):
        results = conf.results
        if results is None:
            conf_settings = conf.settings(settings, target_dir)
            if conf.needs_own_index:
                _ingest(conf_settings, quiet=quiet)
            results = _run(conf_settings, loaded, url=None, ragas=ragas, quiet=quiet)
            results.write(target_dir / conf.name / "results.json")
        named.append((conf.name, results))
    table = comparison_table(named)
    report = write_report(named[-1][1], target_dir / "report.html", compare=table)
    if not as_json:
        from rich.table import Table

        grid = Table("metric", *table["names"], "Δ")
        for row in table["rows"]:
            cells = ["–" if v is None else f"{v:.3f}" for v in row["values"]]
            grid.add_row(row["metric"], *cells, "–" if row["delta"] is None else f"{row['delta']:+.3f}")
        out.print(grid)
        out.print(f"report: {report}", highlight=False)
    return {"out": str(target_dir), "report": str(report), "compare": table}


def _ingest(settings: Settings, *, quiet: bool) -> None:
    from assistant.factory import build_services
    from ingest.pipeline import pipeline_for

    with build_services(settings) as services, progress_display("eval: ingest", err, quiet=quiet) as progress:
        pipeline_for(services).run([settings.knowledge_dir], progress=progress)


def _print_summary(results: Any, rows: Any) -> None:
    from rich.table import Table

    grid = Table("metric", "value")
    for key, value in results.aggregate.items():
        grid.add_row(key, "–" if value is None else (f"{value:.0f}" if key.endswith(".count") else f"{value:.3f}"))
    out.print(grid)
    lat = results.latency.get("ask", {})
    out.print(f"ask latency p50 {lat.get('p50_ms', 0)} ms, p95 {lat.get('p95_ms', 0)} ms", highlight=False)
    if rows is not None:
        regressed = [r for r in rows if not r.passed]
        for r in regressed:
            now = "missing" if r.current is None else f"{r.current:.3f}"
            out.print(f"regressed: {r.metric} {r.baseline:.3f} -> {now} (allowed {r.tolerance:.3f})", highlight=False)
        out.print("gate: " + ("passed" if not regressed else f"FAILED ({len(regressed)} metrics)"), highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``eval`` command to the ``playbook`` app."""
    app.command("eval")(eval_command)
