"""Write ``latest.json`` and ``latest.md`` (the table the README shows)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def _yes(flag: Any) -> str:
    return "met" if flag is True else ("missed" if flag is False else "n/a")


def _cli_rows(cli: dict[str, Any]) -> list[str]:
    """Rows of the cold-CLI section: each command's median wall time, the ratios and the ≤ 2 s goal."""
    if not cli:
        return []
    sec, rep = cli["seconds"], cli["reported_ms"]
    onnx = rep["ask_onnx"]
    rows = [
        f"| Cold `playbook ask` (ONNX query encoder) | {sec['ask_onnx']['median']} s (min {sec['ask_onnx']['min']}); "
        f"load {onnx['load_ms']['median']} ms, answer {onnx['latency_ms']['median']} ms | `python -c pass` "
        f"{sec['python_pass']['median']} s; warm server {cli['warm_server_answer_ms']['median']} ms | "
        f"×{cli['ratio_ask_onnx_to_python_pass']} / ×{cli['ratio_ask_onnx_to_warm_answer']} | "
        f"≤ {cli['goal_seconds']} s: {_yes(cli['goal_cold_ask_met'])} |",
        f"| Cold `playbook --help` / `client` | {sec['help']['median']} s / {sec['client']['median']} s | | | |",
    ]
    if "ask_torch" in rep:
        torch = rep["ask_torch"]
        rows.insert(1, f"| Cold `playbook ask` (PyTorch) | {sec['ask_torch']['median']} s; load "
                       f"{torch['load_ms']['median']} ms, answer {torch['latency_ms']['median']} ms | ONNX "
                       f"{sec['ask_onnx']['median']} s | ×{cli['ratio_ask_torch_to_python_pass']} / ONNX "
                       f"×{cli['speedup_onnx_over_torch']} faster | |")
    return rows


def markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown summary: machine line and one table of figures, ratios and goals."""
    m, v = results["machine"], results["versions"]
    lines = [
        f"Benchmarks ({results['mode']}, {results['finished_at']}): {m['cpu_cores']} cores, {m['ram_gb']} GB RAM, "
        f"Python {v['python']}, torch {v.get('torch')}, sentence-transformers {v.get('sentence_transformers')}, "
        f"chromadb {v.get('chromadb')}; total {results['total_seconds']:.0f} s.",
        "",
        "| Measure | Result | Floor / reference | Ratio | Goal |",
        "|---|---|---|---|---|",
    ]
    ing = results.get("ingest") or {}
    if ing:
        s = ing["chunks_per_s_spread"]
        lines.append(
            f"| Ingest, {ing['chunks']} chunks | {ing['chunks_per_s']} chunks/s (min {s['min']}, max {s['max']}) "
            f"| bare encode {ing['floor_chunks_per_s']} chunks/s | {ing['ratio_to_floor']} | ≥ 0.9: "
            f"{_yes(ing['goals']['ratio_met'])} |"
        )
        lines.append(
            f"| Re-ingest, unchanged | {ing['reingest_seconds']['median']} s | full ingest "
            f"{ing['seconds']['median']} s | {ing['reingest_unchanged_ratio']} | ≤ 0.05: "
            f"{_yes(ing['goals']['reingest_met'])} |"
        )
    ask = results.get("ask") or {}
    sizes = sorted(ask.get("sizes", {}).items(), key=lambda x: int(x[0]))
    rows = [(f"{int(k):,} synthetic chunks", r) for k, r in sizes]
    if "real" in ask:
        rows.append((f"real playbook ({ask['real']['chunks']} chunks)", ask["real"]))
    for label, r in rows:
        if r.get("skipped"):
            lines.append(f"| Ask p95, {label} | skipped: {r['skipped']} | | | |")
            continue
        lines.append(
            f"| Ask p95, {label} | {r['p95_ms']} ms (p50 {r['p50_ms']}, p99 {r['p99_ms']}) | "
            f"embed + 1 Chroma query {r['floor_p95_ms']} ms | {r['ratio_p95']} | ≤ 2×: "
            f"{_yes(r['ratio_p95'] is not None and r['ratio_p95'] <= 2.0)} |"
        )
    if "p95_growth_10k_to_100k" in ask:
        lines.append(
            f"| Ask p95 growth 10k → 100k | ×{ask['p95_growth_10k_to_100k']} | | | ≤ 2×: "
            f"{_yes(ask['goal_growth_met'])} |"
        )
    http = results.get("http") or {}
    for c, r in sorted(http.get("concurrency", {}).items(), key=lambda x: int(x[0])):
        lines.append(
            f"| HTTP `POST /v1/ask`, {c} clients | {r['rps']} req/s, p95 {r['p95_ms']} ms | | | errors "
            f"{r['errors']} (goal 0): {_yes(r['errors'] == 0)} |"
        )
    if "peak_rss_mb" in http:
        lines.append(f"| Server peak RSS | {http['peak_rss_mb']} MB | idle {http.get('rss_mb_idle')} MB | | |")
    lines += _cli_rows(results.get("cli") or {})
    be = results.get("embedding_backends") or {}
    if be:
        t = be["torch"]
        onnx = be.get("onnx")
        if isinstance(onnx, dict):
            agree = be["cosine_agreement"]["min"]
            lines.append(
                f"| Embedding: ONNX vs PyTorch | {onnx['texts_per_s']} texts/s | PyTorch {t['texts_per_s']} texts/s "
                f"| {round(onnx['texts_per_s'] / t['texts_per_s'], 3)} | agreement {agree} (≥ 0.99); default "
                f"{be['recommended_default']} |"
            )
        else:
            lines.append(
                f"| Embedding: ONNX vs PyTorch | ONNX unavailable (see JSON) | PyTorch {t['texts_per_s']} texts/s "
                f"| | default torch |"
            )
    for name, error in (results.get("errors") or {}).items():
        lines.append(f"| {name} | failed: {error} | | | |")
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], out_dir: Path) -> tuple[Path, Path]:
    """Write ``latest.json`` and ``latest.md`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "latest.json", out_dir / "latest.md"
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown(results), encoding="utf-8")
    return json_path, md_path
