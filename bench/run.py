"""Run the benchmarks and write ``latest.json`` / ``latest.md``: ``python -m bench.run [--quick] [--out DIR]``.

``--only ask`` (repeatable; also ``ingest``, ``http``, ``embedding_backends``) runs some sections; a partial
run writes to a temp folder unless ``--out`` is given, so it never replaces the full results.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("ingest", "ask", "http", "cli", "embedding_backends")

PROFILES: dict[str, dict[str, Any]] = {
    "full": {
        "ingest": {"bundled": True, "synthetic_docs": 0, "repeats": 3},
        "ask": {"sizes": [1000, 10000, 100000], "unique": 600, "repeats": 3, "max_questions": None},
        "http": {"concurrencies": [1, 8, 32], "requests": 150, "seconds": 30.0, "repeats": 3},
        "backends": {"texts": 128, "repeats": 3},
        "cli": {"repeats": 5},
    },
    "quick": {
        "ingest": {"bundled": True, "synthetic_docs": 0, "repeats": 2},
        "ask": {"sizes": [1000, 10000], "unique": 100, "repeats": 2, "max_questions": 20,
                "skipped": {"100000": "not in --quick (building 100k records takes ~2 min on 2 cores)"}},
        "http": {"concurrencies": [1, 8, 32], "requests": 40, "seconds": 10.0, "repeats": 2},
        "backends": {"texts": 48, "repeats": 2},
        "cli": {"repeats": 3},
    },
    # For the smoke test only: seconds, not figures.
    "tiny": {
        "ingest": {"bundled": False, "synthetic_docs": 2, "repeats": 1},
        "ask": {"sizes": [200, 400], "unique": 16, "repeats": 1, "max_questions": 4},
        "http": {"concurrencies": [1, 2], "requests": 4, "seconds": 5.0, "repeats": 1},
        "backends": {"texts": 8, "repeats": 1},
        "cli": {"repeats": 1, "torch": False},
    },
}


def machine() -> dict[str, Any]:
    """Cores, RAM, CPU model, OS."""
    ram_kb = 0
    cpu = platform.processor()
    try:
        ram_kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                          if ln.startswith("MemTotal")).split()[1])
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), cpu)
    except (OSError, StopIteration):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu_cores": usable, "cpu_count": os.cpu_count(), "cpu_model": cpu, "ram_gb": round(ram_kb / 1_048_576, 1),
        "os": platform.platform(), "python_impl": platform.python_implementation(),
    }


def versions() -> dict[str, Any]:
    """Versions of Python, the main libraries and the project (with its git commit)."""
    out: dict[str, Any] = {"python": platform.python_version()}
    for dist in ("playbook-assistant", "torch", "sentence-transformers", "transformers", "chromadb", "onnxruntime",
                 "numpy", "bm25s", "fastapi", "uvicorn", "httpx", "psutil", "optimum", "optimum-onnx"):
        try:
            out[dist.replace("-", "_")] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist.replace("-", "_")] = None
    try:
        # git from PATH, fixed arguments; a missing git only leaves the commit out
        out["git_commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,  # noqa: S607
                                           text=True, timeout=5).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        out["git_commit"] = None
    return out


def _say(msg: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def _progress(quiet: bool) -> Any:
    from rich.console import Console

    from integrations.cli.progress import progress_display

    return progress_display("bench", Console(stderr=True), quiet=quiet)


def run_all(
    profile: str, out_dir: Path, work: Path, only: set[str] | None = None, *, quiet: bool = False
) -> dict[str, Any]:
    """Run the benchmarks of ``profile`` (all, or the sections in ``only``) in ``work``; write and return them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from bench import ask, backends, cli, http, ingest, report

    cfg = PROFILES[profile]
    started = time.perf_counter()
    results: dict[str, Any] = {
        "mode": profile, "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(), "versions": versions(), "config": cfg,
        "notes": [
            "Speeds are ratios against floors measured in the same run, on the same machine.",
            "The HTTP load generator runs on the same machine as the server and shares its cores.",
        ],
        "ingest": {}, "ask": {"sizes": {}}, "http": {"concurrency": {}}, "cli": {}, "embedding_backends": {},
        "errors": {},
        "timings_s": {},
    }

    wanted = set(only or SECTIONS)
    if only:
        results["only"] = sorted(only)

    def step(name: str, fn: Callable[[], dict[str, Any]]) -> None:
        if name not in wanted:
            return
        _say(f"{name}...")
        t0 = time.perf_counter()
        try:
            with _progress(quiet) as progress:  # a moving display (terminal) or a line every few seconds (log)
                progress(name, len(results["timings_s"]), len(wanted))
                results[name] = fn()
        except Exception as exc:  # noqa: BLE001 - one failing measure must not lose the others
            traceback.print_exc()
            results["errors"][name] = f"{type(exc).__name__}: {exc}"
        results["timings_s"][name] = round(time.perf_counter() - t0, 1)
        _say(f"{name} done in {results['timings_s'][name]} s")

    ic = cfg["ingest"]
    step("ingest", lambda: ingest.run(work / "ingest", synthetic_docs=ic["synthetic_docs"], repeats=ic["repeats"],
                                      bundled=ic["bundled"]))
    data_dir = Path(results["ingest"]["data_dir"]) if results["ingest"].get("data_dir") else None
    ac = cfg["ask"]
    step("ask", lambda: ask.run(work / "ask", sizes=ac["sizes"], unique=ac["unique"], repeats=ac["repeats"],
                                real_data_dir=data_dir if ic["bundled"] else None,
                                max_questions=ac["max_questions"]))
    for size, why in (ac.get("skipped") or {}).items() if "ask" in wanted else ():
        results["ask"].setdefault("sizes", {})[size] = {
            "skipped": why, "p50_ms": None, "p95_ms": None, "p99_ms": None, "floor_p95_ms": None, "ratio_p95": None,
        }
    hc = cfg["http"]
    if data_dir is not None:
        step("http", lambda: http.run(work, data_dir, concurrencies=hc["concurrencies"], requests=hc["requests"],
                                      seconds=hc["seconds"], repeats=hc["repeats"]))
    elif "http" in wanted:
        results["errors"]["http"] = "skipped: no ingested data dir"
    if data_dir is not None:
        step("cli", lambda: cli.run(work / "cli", data_dir, repeats=cfg["cli"]["repeats"],
                                    torch=cfg["cli"].get("torch", True)))
    elif "cli" in wanted:
        results["errors"]["cli"] = "skipped: no ingested data dir (run it with --only ingest --only cli)"
    bc = cfg["backends"]

    def _backends() -> dict[str, Any]:
        from bench.ingest import chunk_texts
        from ingest.chunking import Chunker

        texts = chunk_texts(work / "ingest" / "corpus", Chunker())[: bc["texts"]]
        return backends.run(texts, data_dir=work, batch_size=64, repeats=bc["repeats"])

    step("embedding_backends", _backends)
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    results["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    json_path, md_path = report.write(results, out_dir)
    _say(f"wrote {json_path} and {md_path} in {results['total_seconds']} s")
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Smaller sizes and fewer repeats (under 3 minutes).")
    parser.add_argument("--profile", choices=sorted(PROFILES), help="full (default), quick, or tiny (smoke test).")
    parser.add_argument("--out", type=Path, help="Where latest.json/.md go (default: bench/results).")
    parser.add_argument("--work", type=Path, help="Scratch folder (default: a temp dir, removed afterwards).")
    parser.add_argument("--quiet", action="store_true", help="No progress display on stderr.")
    parser.add_argument("--only", action="append", choices=SECTIONS,
                        help="Run only this section (repeatable); ask without ingest skips the real playbook.")
    args = parser.parse_args(argv)
    profile = args.profile or ("quick" if args.quick else "full")
    only = set(args.only) if args.only else None
    if only and args.out is None:
        args.out = Path(tempfile.gettempdir()) / "playbook-bench-partial"
    args.out = args.out or ROOT / "bench" / "results"
    work = args.work or Path(tempfile.mkdtemp(prefix="playbook-bench-"))
    try:
        results = run_all(profile, args.out, work, only, quiet=args.quiet)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write((args.out / "latest.md").read_text(encoding="utf-8"))
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
