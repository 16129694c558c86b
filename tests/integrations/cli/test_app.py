"""The ``playbook`` CLI contract of PRODUCT.md: ``--json`` prints exactly one JSON object on stdout; errors
exit non-zero with one clear line on stderr (and ``{"error": {...}}`` on stdout with ``--json``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from tests.contract import ASK_KEYS, CITATION_KEYS, INGEST_KEYS

from .helpers import assert_clean_error, one_json, run


@pytest.fixture(autouse=True)
def _hash_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CLI call uses the deterministic hash embedder, never the real model."""
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three small Markdown documents."""
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "crisis.md").write_text(
        "# Crisis Communication\n\n## Status updates\n\n"
        "During an outage the communications lead publishes a status page update every thirty minutes.\n"
    )
    (root / "vip.md").write_text("# VIP Handling\n\n## Greeting\n\nVIP customers are routed to the concierge queue.\n")
    (root / "refunds.md").write_text(
        "# Refund Policy\n\n## Approval\n\nRefunds above 200 euros need approval from the team lead.\n"
    )
    return root


def test_cli_runner_keeps_stderr_apart() -> None:
    """A failure means this click version mixes stderr into stdout, so the stdout/stderr checks here are void."""
    assert tuple(int(p) for p in click.__version__.split(".")[:2]) >= (8, 2), click.__version__
    result = run("ask", "")
    assert result.stdout == "" and result.stderr.startswith("error: ")


def test_ingest_json_prints_summary_then_all_unchanged(corpus: Path) -> None:
    """A failure means `ingest --json` breaks its JSON contract or is not incremental across runs."""
    first = run("ingest", str(corpus), "--json")
    assert first.exit_code == 0, first.output
    summary = one_json(first)
    assert INGEST_KEYS <= set(summary)
    assert (summary["documents"], summary["added"], summary["updated"], summary["removed"]) == (3, 3, 0, 0)
    assert summary["chunks"] == 3 and summary["skipped"] == []
    assert isinstance(summary["seconds"], float)

    second = run("ingest", str(corpus), "--json")
    assert second.exit_code == 0, second.output
    again = one_json(second)
    counts = tuple(again[k] for k in ("unchanged", "documents", "added", "updated", "removed"))
    assert counts == (3, 3, 0, 0, 0)


def test_ingest_missing_path_is_a_clean_error(tmp_path: Path) -> None:
    """A failure means a wrong ingest path crashes with a traceback instead of a JSON error."""
    result = run("ingest", str(tmp_path / "nowhere"), "--json")
    line = assert_clean_error(result)
    assert "nowhere" in line
    assert one_json(result)["error"]["code"] == "source_not_found"


def test_ask_empty_question_fails_with_one_line() -> None:
    """A failure means an empty question is answered, or the error is not one clear line."""
    result = run("ask", "")
    line = assert_clean_error(result)
    assert "empty" in line
    assert result.stdout == ""


def test_ask_too_long_question_fails_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means the question length limit is not enforced or its error is unclear."""
    monkeypatch.setenv("PLAYBOOK_MAX_QUESTION_CHARS", "20")
    result = run("ask", "How do I process a refund for a tier A client?")
    line = assert_clean_error(result)
    assert "limit is 20" in line


def test_ask_json_without_index_reports_index_missing() -> None:
    """A failure means asking before any ingest crashes or does not tell the user to run `playbook ingest`."""
    result = run("ask", "--json", "How do refunds work?")
    line = assert_clean_error(result)
    assert "playbook ingest" in line
    error = one_json(result)["error"]
    assert error["code"] == "index_missing"
    assert "playbook ingest" in error["message"]


def test_ask_json_after_ingest_has_answer_shape(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means `ask --json` breaks the PRODUCT.md answer shape or cites the wrong document."""
    monkeypatch.setenv("PLAYBOOK_ABSTAIN_THRESHOLD", "0")
    assert run("ingest", str(corpus), "--json").exit_code == 0
    result = run("ask", "--json", "How often is the status page updated during an outage?")
    assert result.exit_code == 0, result.output
    answer = one_json(result)
    assert ASK_KEYS <= set(answer)
    assert answer["abstained"] is False
    assert "every thirty minutes" in answer["answer"]
    assert isinstance(answer["id"], str) and answer["id"]
    assert isinstance(answer["confidence"], float) and isinstance(answer["latency_ms"], float)
    assert answer["citations"], answer
    for n, citation in enumerate(answer["citations"], start=1):
        assert CITATION_KEYS <= set(citation)
        assert citation["n"] == n
        assert isinstance(citation["score"], float)
    top = answer["citations"][0]
    assert (top["doc_id"], top["title"], top["section"], top["source"]) == (
        "corpus/crisis",
        "Crisis Communication",
        "Status updates",
        "corpus/crisis.md",
    )


def test_config_json_masks_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means `playbook config` leaks a database password."""
    monkeypatch.setenv("PLAYBOOK_DATABASE_URL", "postgresql://u:s3cret@h/db")
    result = run("config", "--json")
    assert result.exit_code == 0, result.output
    assert "s3cret" not in result.output
    values = one_json(result)
    assert values["database_url"] == "postgresql://u:********@h/db"
    assert values["embedding_model"] == "hash"


def test_bad_setting_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means an invalid PLAYBOOK_* value crashes with a traceback instead of one clear line."""
    monkeypatch.setenv("PLAYBOOK_TOP_K", "abc")
    for command in (["config", "--json"], ["ask", "How do refunds work?"]):
        result = run(*command)
        line = assert_clean_error(result)
        assert "invalid configuration" in line and "PLAYBOOK_TOP_K" in line


def test_console_script_help() -> None:
    """A failure means the installed `playbook` console script is missing or cannot start."""
    bin_dir = Path(sys.executable).parent
    script = shutil.which("playbook", path=str(bin_dir)) or str(bin_dir / "playbook")
    assert Path(script).is_file(), script
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
    proc = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    for command in ("ingest", "ask", "config"):
        assert command in proc.stdout


def test_a_question_with_invalid_utf8_is_answered_not_a_crash(corpus: Path, tmp_path: Path) -> None:
    """A failure means `playbook ask $'refund \\xff' --json` crashes ("unexpected TypeError", no JSON): the shell
    passes the raw byte, which Python hands over as a lone surrogate."""
    bin_dir = Path(sys.executable).parent
    script = shutil.which("playbook", path=str(bin_dir)) or str(bin_dir / "playbook")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLAYBOOK_")}
    env.update(PLAYBOOK_DATA_DIR=str(tmp_path / "sub-data"), PLAYBOOK_EMBEDDING_MODEL="hash",
               PLAYBOOK_ABSTAIN_THRESHOLD="0", LC_ALL="C.UTF-8")
    subprocess.run([script, "ingest", str(corpus), "--json"], check=True, capture_output=True, env=env,
                   timeout=120)
    proc = subprocess.run([script.encode(), b"ask", b"Who approves refunds above 200 euros? \xff", b"--json"],
                          capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    payload = json.loads(proc.stdout)
    assert payload["citations"] and "Traceback" not in proc.stderr.decode(errors="replace")
    only_bad = subprocess.run([script.encode(), b"ask", b"\xff\xfe", b"--json"], capture_output=True, env=env,
                              timeout=120)
    assert only_bad.returncode != 0 and json.loads(only_bad.stdout)["error"]["code"] == "empty_question"


def test_questions_with_lone_surrogates_or_escape_codes_are_answered_by_the_real_model(
    kb_services: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means a question holding an undecodable byte (a lone surrogate once in Python) or a terminal escape
    code crashes `ask --json` ("unexpected TypeError": the real model's tokenizer refuses surrogates)."""
    monkeypatch.delenv("PLAYBOOK_EMBEDDING_MODEL")
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(kb_services.settings.data_dir))  # read-only: ask writes no index
    for question in ("What is the refund window for tier B clients? \udcff",
                     "What is the refund \ud800window for tier B clients?",
                     "\x1b[31mWhat is the refund window for tier B clients?\x1b[0m"):
        result = run("ask", question, "--json")
        assert result.exit_code == 0, result.output
        assert "30 days" in one_json(result)["answer"]
