"""Progress people can see: ``ingest`` (and ``eval``, ``bench``) report every long step through one display: a Rich
line on a terminal, plain lines at a steady interval in a log; ``--quiet`` shows nothing; ``--json`` stays one object
on stdout."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console

import integrations.cli.progress as cli_progress
from assistant.factory import build_services
from ingest.pipeline import IngestPipeline
from integrations.cli.progress import PlainProgress, progress_display
from tests.conftest import hash_settings, make_pipeline

from .helpers import one_json, run


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for n in range(12):
        sections = "".join(f"## Part {s}\n\nNote {n}.{s} on refunds, credits and crates.\n\n" for s in range(6))
        (root / f"doc-{n:02d}.md").write_text(f"# Document {n}\n\n{sections}")
    return root


def test_ingest_reports_every_long_step_with_growing_counts(corpus: Path, tmp_path: Path) -> None:
    """A failure means a step of ingest (reading, embedding, the switch) runs without progress, or embedding reports
    only at the end (the bar sat at 'load 100 %' for 85 s)."""
    seen: list[tuple[str, int, int]] = []
    with build_services(hash_settings(tmp_path / "data")) as services:
        make_pipeline(services).run([corpus], progress=lambda *state: seen.append(state))
    stages = [s for s, _, _ in seen]
    steps = [s for n, s in enumerate(stages) if n == 0 or stages[n - 1] != s]
    assert steps == ["scan", "load", "model", "embed", "switch"]
    embeds = [(done, total) for stage, done, total in seen if stage == "embed"]
    assert embeds[0] == (0, 72) and embeds[-1] == (72, 72)
    assert len(embeds) >= 3 and all(a[0] < b[0] for a, b in zip(embeds, embeds[1:], strict=False))
    assert [d for s, d, _ in seen if s == "load"] == list(range(13))


def test_embedding_steps_grow_to_about_half_a_second_of_work(tmp_path: Path, corpus: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means embedding calls are not sized by speed: too large and progress stalls, too small and
    throughput suffers."""
    calls: list[int] = []
    with build_services(hash_settings(tmp_path / "data")) as services:
        real = services.embedder.embed_documents

        def slow(texts: list[str]) -> list[list[float]]:
            calls.append(len(texts))
            time.sleep(len(texts) / 512)  # 512 chunks per second
            return real(texts)

        monkeypatch.setattr(services.embedder, "embed_documents", slow)
        monkeypatch.setattr("ingest.pipeline.EMBED_STEP", 512)
        pipeline = make_pipeline(services)
        assert isinstance(pipeline, IngestPipeline)
        for n in range(12, 40):
            (corpus / f"more-{n}.md").write_text(
                f"# More {n}\n\n" + "".join(f"## P{s}\n\nMore note {n}.{s}.\n\n" for s in range(8)))
        pipeline.run([corpus])
    assert calls[0] == 64 and 128 <= max(calls) <= 256  # about 512/s x 0.5 s
    assert all(n % 64 == 0 for n in calls[:-1])  # whole batches of the embedder


def test_plain_lines_show_step_count_rate_and_time_left() -> None:
    """A failure means a log gets nothing (or nothing useful) while an ingest runs."""
    stream = io.StringIO()
    with PlainProgress("ingest", stream, interval=0.05) as plain:
        plain.update("embed", 0, 400)
        time.sleep(0.12)
        plain.update("embed", 100, 400)
        time.sleep(0.12)
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 3
    assert lines[-1].startswith("ingest: embedding chunks 100/400 (") and "/s, about" in lines[-1]
    assert "s left" in lines[-1]


def test_cli_ingest_writes_plain_progress_to_a_log_and_nothing_with_quiet(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means `ingest` in a log (not a terminal) is silent, `--quiet` is not, or progress reaches stdout."""
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")
    monkeypatch.setattr(cli_progress, "PLAIN_INTERVAL", 0.001)
    loud = run("ingest", str(corpus), "--json")
    assert loud.exit_code == 0, loud.output
    assert one_json(loud)["documents"] == 12
    assert any(line.startswith("ingest: ") for line in loud.stderr.splitlines()), loud.stderr
    (corpus / "doc-00.md").write_text("# Document 0\n\n## Part 0\n\nChanged.\n")
    quiet = run("ingest", "--json", "--quiet")
    assert quiet.exit_code == 0 and quiet.stderr == "" and one_json(quiet)["updated"] == 1


def test_terminal_display_names_the_step_and_moves_while_a_step_works() -> None:
    """A failure means the terminal display does not name the step, or shows nothing while one call works."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120)
    with progress_display("ingest", console) as progress:
        progress("load", 3, 3)
        progress("embed", 64, 512)
        time.sleep(0.6)  # no report: the spinner and the clock still refresh
    text = buffer.getvalue()
    assert "ingest: embedding chunks" in text and "64/512" in text
    assert text.count("embedding chunks") >= 2  # refreshed while nothing was reported
