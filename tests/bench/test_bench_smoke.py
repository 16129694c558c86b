"""Smoke test of the benchmark runner: the tiny profile end to end, checking the shape of the results.

Never asserts timings: benchmark figures are ratios reported by `make bench`, not test thresholds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import run as bench_run

pytestmark = pytest.mark.slow


def test_tiny_profile_writes_results_with_required_keys(tmp_path: Path) -> None:
    out = tmp_path / "results"
    code = bench_run.main(["--profile", "tiny", "--out", str(out), "--work", str(tmp_path / "work")])

    assert code == 0
    results = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert results["errors"] == {}
    for key in ("machine", "versions", "ingest", "ask", "http", "cli", "embedding_backends"):
        assert key in results
    assert {"cpu_cores", "ram_gb"} <= results["machine"].keys()
    assert {"python", "torch", "sentence_transformers", "chromadb"} <= results["versions"].keys()
    ingest = results["ingest"]
    for key in ("chunks", "chunks_per_s", "floor_chunks_per_s", "ratio_to_floor", "reingest_unchanged_ratio"):
        assert key in ingest
    assert ingest["chunks"] > 0
    assert {"min", "median", "max"} <= ingest["seconds"].keys()
    sizes = results["ask"]["sizes"]
    assert set(sizes) == {"200", "400"}
    for figures in sizes.values():
        assert {"p50_ms", "p95_ms", "p99_ms", "floor_p95_ms", "ratio_p95"} <= figures.keys()
        assert figures["chunks"] in (200, 400)
    http = results["http"]
    assert set(http["concurrency"]) == {"1", "2"}
    for figures in http["concurrency"].values():
        assert {"rps", "p95_ms", "errors"} <= figures.keys()
        assert figures["errors"] == 0
    assert "peak_rss_mb" in http
    cli = results["cli"]
    for name in ("python_pass", "help", "client", "ask_onnx"):  # tiny skips the PyTorch ask (a minute of CI)
        assert cli["seconds"][name]["median"] > 0, name
    assert {"load_ms", "latency_ms"} <= cli["reported_ms"]["ask_onnx"].keys()
    assert isinstance(cli["goal_cold_ask_met"], bool) and cli["ratio_ask_onnx_to_python_pass"] > 1
    assert "Cold `playbook ask`" in (out / "latest.md").read_text(encoding="utf-8")
    backends = results["embedding_backends"]
    assert "torch" in backends and "onnx" in backends
    assert isinstance(backends["onnx"], dict) or backends["onnx"].startswith("unavailable: ")
    assert (out / "latest.md").read_text(encoding="utf-8").count("|") > 10
