"""`playbook quiz new|answer|scores|export` end to end on a small ingested corpus (hash embedder): the JSON
contract of the issue, the CSV file, and clean errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrations.cli import app


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CLI call uses the deterministic hash embedder, never the real model."""
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")


def run(*args: str) -> dict:
    result = CliRunner().invoke(app, list(args))
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.output
    return json.loads(lines[0])  # type: ignore[no-any-return]


def test_quiz_cli_round_trip(tmp_path: Path) -> None:
    """A failure means a quiz command breaks the issue's JSON shape, loses answers, or writes a bad CSV."""
    from assistant.settings import BUNDLED_KNOWLEDGE_DIR

    run("ingest", str(BUNDLED_KNOWLEDGE_DIR / "en" / "sla-targets.md"), "--json")
    quiz = run("quiz", "new", "--topic", "sla", "--n", "3", "--user", "ana", "--json")
    assert {"quiz_id", "questions"} <= set(quiz) and len(quiz["questions"]) == 3
    q = quiz["questions"][0]
    assert {"id", "kind", "question", "citation"} <= set(q)
    graded = run("quiz", "answer", quiz["quiz_id"], q["id"], "1", "--user", "ana", "--json")
    assert set(graded) == {"verdict", "score", "feedback", "reference", "citation"}
    assert run("quiz", "scores", "--user", "ana", "--json")["scores"][0]["user"] == "ana"
    out = tmp_path / "scores.csv"
    assert run("quiz", "export", "--out", str(out), "--json")["rows"] == 1
    assert list(csv.DictReader(out.open()))[0]["user"] == "ana"


def test_quiz_cli_errors() -> None:
    """A failure means a wrong quiz id exits 0, prints a traceback, or more than one stderr line."""
    result = CliRunner().invoke(app, ["quiz", "answer", "nope", "q1", "x", "--user", "ana", "--json"])
    assert result.exit_code != 0 and len(result.stderr.strip().splitlines()) == 1
    assert json.loads(result.stdout)["error"]["code"] == "quiz_not_found"
