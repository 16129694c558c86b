"""HTTP load: ``POST /v1/ask`` at several concurrencies against ``playbook serve`` on loopback.

The benchmark starts the server itself (a subprocess bound to 127.0.0.1 on a free port, with a bench API
key in ``PLAYBOOK_API_KEYS``), drives it with a bounded thread-pool load generator (at most
``requests`` requests or ``seconds`` seconds per level, whichever comes first), and reads the server's
peak resident memory (``VmHWM`` from /proc, else the highest psutil sample).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench.corpus import golden_questions
from bench.stats import percentile, spread


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Samples the server's RSS in the background (psutil if installed); keeps the highest."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _rss_mb(self) -> float | None:
        try:
            import psutil

            return float(psutil.Process(self.pid).memory_info().rss) / 1_048_576
        except ImportError:
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
            except OSError:
                return None
        except Exception:  # noqa: BLE001 - the process may have gone
            return None
        return None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            rss = self._rss_mb()
            if rss is not None:
                self.peak_mb = max(self.peak_mb, rss)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def start_server(data_dir: Path, port: int, key: str, log_path: Path) -> subprocess.Popen[bytes]:
    """``playbook serve`` on 127.0.0.1:port over ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
    env.update(
        PLAYBOOK_DATA_DIR=str(data_dir), PLAYBOOK_COLLECTION_PREFIX="bench", PLAYBOOK_API_KEYS=f"{key}:agent",
        PLAYBOOK_LOG_LEVEL="WARNING", HF_HUB_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
        TOKENIZERS_PARALLELISM="false",
    )
    script = Path(sys.executable).parent / "playbook"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "integrations.cli"]
    cmd += ["serve", "--host", "127.0.0.1", "--port", str(port)]
    log = log_path.open("wb")
    # The command is this venv's own `playbook serve`, built from fixed arguments.
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(data_dir.parent))  # noqa: S603


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server, killing it after 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float) -> float:
    """Poll ``/readyz`` until 200; seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"playbook serve exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"playbook serve not ready after {timeout:.0f}s")


def load(base: str, key: str, concurrency: int, max_requests: int, max_seconds: float) -> dict[str, Any]:
    """``concurrency`` clients sending golden questions until ``max_requests`` sent or ``max_seconds`` passed."""
    questions = [q for q, _ in golden_questions()]
    lock = threading.Lock()
    counter = {"sent": 0}
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    def client() -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            while time.perf_counter() < deadline:
                with lock:
                    n = counter["sent"]
                    if n >= max_requests:
                        return
                    counter["sent"] = n + 1
                t0 = time.perf_counter()
                try:
                    resp = http.post("/v1/ask", json={"question": questions[n % len(questions)]})
                    ok = resp.status_code == 200
                    err = None if ok else f"HTTP {resp.status_code}"
                except httpx.HTTPError as exc:
                    err = type(exc).__name__
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if err:
                        errors.append(err)
                    else:
                        latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done = len(latencies) + len(errors)
    return {
        "requests": done, "seconds": round(wall, 2), "rps": round(len(latencies) / wall, 2) if wall else 0.0,
        "p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
        "p99_ms": round(percentile(latencies, 99), 2), "errors": len(errors),
        "error_kinds": sorted(set(errors)),
    }


def run(work: Path, data_dir: Path, *, concurrencies: list[int], requests: int, seconds: float,
        repeats: int) -> dict[str, Any]:
    """Start the server, warm it, run each concurrency ``repeats`` times, stop it."""
    key = "bench-" + secrets.token_hex(12)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(data_dir, port, key, work / "serve.log")
    out: dict[str, Any] = {
        "server": "playbook serve (uvicorn, 1 process) on 127.0.0.1", "bounds": {
            "max_requests_per_run": requests, "max_seconds_per_run": seconds, "repeats": repeats},
        "concurrency": {},
    }
    try:
        with RssSampler(proc.pid) as sampler:
            out["startup_seconds"] = round(wait_ready(base, proc, 180), 2)
            out["rss_mb_idle"] = round(sampler._rss_mb() or 0.0, 1)
            load(base, key, 2, 6, 30)  # warm up
            for c in concurrencies:
                runs = [load(base, key, c, requests, seconds) for _ in range(repeats)]
                best = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]  # the median run by throughput
                out["concurrency"][str(c)] = dict(
                    best, errors=sum(r["errors"] for r in runs), requests=sum(r["requests"] for r in runs),
                    rps_spread=spread([r["rps"] for r in runs], 2),
                    p95_ms_spread=spread([r["p95_ms"] for r in runs], 2),
                )
            hwm = _vm_hwm_mb(proc.pid)
        out["peak_rss_mb"] = round(hwm if hwm is not None else sampler.peak_mb, 1)
        out["peak_rss_source"] = "VmHWM (/proc)" if hwm is not None else "max of psutil/VmRSS samples"
        out["peak_rss_mb_sampled"] = round(sampler.peak_mb, 1)
    finally:
        stop_server(proc)
    out["errors_total"] = sum(v["errors"] for v in out["concurrency"].values())
    out["goal_zero_errors_met"] = out["errors_total"] == 0
    return out
