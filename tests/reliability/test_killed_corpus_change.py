"""``kill -9`` of a real ``playbook ingest`` that changes the corpus (``--add``, ``--remove``, ``PATH --replace``)
halfway through embedding, on embedded Chroma and on a Chroma server: the previous index keeps answering exactly as
before, with the same recorded roots, and the next bare ingest completes the change that was asked for."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from assistant.answering.ask import ask
from ingest.corpus import index_status
from tests.conftest import make_pipeline

from .helpers import RETURN_QUESTION, Backend, batches, days_in, kill, slow_cli, wait_until, write_return_corpus


def _filler(root: Path, n: int, word: str) -> Path:
    """``n`` documents of eight sections each (work for the slow embedder)."""
    root.mkdir(parents=True, exist_ok=True)
    for d in range(n):
        body = "".join(f"\n## Topic {d}.{s}\n\n{word} note {d}.{s} on crates and slot {s}.\n" for s in range(8))
        (root / f"{word}-{d:03d}.md").write_text(f"# {word.title()} notes {d}\n{body}", encoding="utf-8")
    return root


@pytest.mark.parametrize("change", ["add", "remove", "replace"])
def test_killed_corpus_change_keeps_the_previous_index_and_roots(
    change: str, backend: Backend, tmp_path: Path
) -> None:
    """A failure means a crash while adding, removing or replacing a folder changes or breaks what serves."""
    data_dir = tmp_path / "data"
    returns = write_return_corpus(tmp_path / "returns", 30)
    extra = _filler(tmp_path / "extra", 2, "extra")
    with backend.services(data_dir) as svc:
        roots = [returns] + ([extra] if change == "remove" else [])
        make_pipeline(svc).run(roots)
        before = ask(svc, RETURN_QUESTION)
        status_before = index_status(svc.store)
    assert days_in(before.answer) == {30}

    if change == "add":
        args = ["ingest", "--add", str(_filler(tmp_path / "more", 20, "more"))]
    elif change == "remove":
        _filler(returns, 20, "returns")  # the remaining root changed too: its new files are embedded
        args = ["ingest", "--remove", str(extra)]
    else:
        replacement = write_return_corpus(tmp_path / "replacement", 45, extra_docs=20)
        args = ["ingest", str(replacement), "--replace"]
    marker = tmp_path / "batches.log"
    proc = slow_cli(backend, data_dir, marker, *args, "--json")
    try:
        wait_until(lambda: batches(marker) >= 3, proc)
    finally:
        out, err = kill(proc)
    assert proc.returncode == -signal.SIGKILL, (out, err)
    assert out == ""

    with backend.services(data_dir) as fresh:
        after = ask(fresh, RETURN_QUESTION)
        assert (after.answer, after.citations) == (before.answer, before.citations)
        status_after = index_status(fresh.store)
        assert status_after == status_before  # same generation, roots and counts

    # The change was never recorded, so a bare ingest rebuilds the previous corpus (which is what serves).
    with backend.services(data_dir) as fresh:
        summary = make_pipeline(fresh).run([Path(r) for r in status_before["roots"]])
        assert summary.removed == 0
