"""Cold CLI start: a new ``playbook`` process per command, against a bare interpreter and the warm server, same run.

Measured, interleaved, ``repeats`` times each, on an index that is already built:
- ``python -c pass`` with the project's interpreter (the floor of any Python command);
- ``playbook --help`` and ``playbook client C-1001 --json`` (no model, no index);
- ``playbook ask "…" --json`` with the ONNX query encoder (the default; its export is made by a priming run first)
  and with PyTorch (``PLAYBOOK_ONNX_QUERY_ENCODER=false``), keeping the ``load_ms`` / ``latency_ms`` they report;
- the warm server's answer to the same question (``playbook serve``, ``POST /v1/ask``, after its warm-up).

The goal (issue 16): cold ``ask`` ≤ 2 s wall on the reference 2-core machine. Wall seconds depend on what else the
machine runs, so the ratios to the bare interpreter and to the warm answer are reported beside them.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.http import free_port, start_server, stop_server, wait_ready
from bench.stats import spread

QUESTION = "What is the refund window for tier B clients?"
GOAL_SECONDS = 2.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
    env.update(PLAYBOOK_DATA_DIR=str(data_dir), PLAYBOOK_COLLECTION_PREFIX="bench", HF_HUB_OFFLINE="1",
               ANONYMIZED_TELEMETRY="False", TOKENIZERS_PARALLELISM="false", **extra)
    return env


def _timed(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)  # noqa: S603 - our own CLI
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} exited {done.returncode}: {done.stderr.strip()[-300:]}")
    return seconds, done.stdout


def _warm_answer_ms(data_dir: Path, work: Path, repeats: int) -> list[float]:
    """``POST /v1/ask`` round trips to a warmed ``playbook serve`` over the same index."""
    key = "bench-" + secrets.token_hex(12)
    port = free_port()
    proc = start_server(data_dir, port, key, work / "serve-cli.log")
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, 300)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                          timeout=60) as http:
            for _ in range(3):
                http.post("/v1/ask", json={"question": QUESTION}).raise_for_status()
            times = []
            for _ in range(max(5, repeats * 3)):
                t0 = time.perf_counter()
                http.post("/v1/ask", json={"question": QUESTION}).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
        return times
    finally:
        stop_server(proc)


def run(work: Path, data_dir: Path, *, repeats: int, torch: bool = True) -> dict[str, Any]:
    """Cold-start figures of the CLI over the ingested ``data_dir`` (``torch=False`` skips the PyTorch ``ask``)."""
    work.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    script = Path(py).parent / "playbook"
    playbook = [str(script)] if script.exists() else [py, "-m", "integrations.cli"]
    env = _env(data_dir)
    torch_env = _env(data_dir, PLAYBOOK_ONNX_QUERY_ENCODER="false")
    ask = [*playbook, "ask", QUESTION, "--json"]
    priming, _ = _timed(ask, env, work)  # exports the ONNX query encoder if this data dir has none yet
    commands = {
        "python_pass": ([py, "-c", "pass"], env),
        "help": ([*playbook, "--help"], env),
        "client": ([*playbook, "client", "C-1001", "--json"], env),
        "ask_onnx": (ask, env),
        "ask_torch": (ask, torch_env),
    }
    if not torch:
        del commands["ask_torch"]
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    reported: dict[str, dict[str, list[float]]] = {
        name: {"load_ms": [], "latency_ms": []} for name in commands if name.startswith("ask_")
    }
    for _ in range(repeats):
        for name, (cmd, cmd_env) in commands.items():
            wall, stdout = _timed(cmd, cmd_env, work)
            seconds[name].append(wall)
            if name in reported:
                answer = json.loads(stdout)
                for key in ("load_ms", "latency_ms"):
                    reported[name][key].append(float(answer[key]))
    warm_ms = _warm_answer_ms(data_dir, work, repeats)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    warm_s = statistics.median(warm_ms) / 1000
    out: dict[str, Any] = {
        "question": QUESTION, "repeats": repeats, "priming_ask_seconds": round(priming, 2),
        "seconds": {name: spread(values, 3) for name, values in seconds.items()},
        "reported_ms": {name: {k: spread(v, 1) for k, v in r.items()} for name, r in reported.items()},
        "warm_server_answer_ms": spread(warm_ms, 2),
        "ratio_ask_onnx_to_python_pass": round(median["ask_onnx"] / median["python_pass"], 1),
        "ratio_ask_onnx_to_warm_answer": round(median["ask_onnx"] / warm_s, 1),
        "goal_seconds": GOAL_SECONDS,
        "goal_cold_ask_met": median["ask_onnx"] <= GOAL_SECONDS,
    }
    if torch:
        out["ratio_ask_torch_to_python_pass"] = round(median["ask_torch"] / median["python_pass"], 1)
        out["speedup_onnx_over_torch"] = round(median["ask_torch"] / median["ask_onnx"], 2)
    return out
