"""`playbook eval` end to end on a small dataset: outputs, the gate's exit code, --compare, and --url's target.

The knowledge base is the bundled one, ingested once per module with the hash embedder (plumbing, not
quality: quality is what test_golden_gate.py measures with the real model).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.entry import answer
from assistant.factory import build_services
from assistant.questions import AskRequest, Turn
from assistant.settings import BUNDLED_KNOWLEDGE_DIR
from evals.dataset import ThreadTurn, load_dataset
from evals.runner import RunOptions, run_eval
from evals.scoring import ReferenceIndex
from evals.targets import HttpTarget, InProcessTarget
from integrations.http.app import create_app
from integrations.http.auth import KeyRing
from tests.conftest import hash_settings, make_pipeline, slow_fixture
from tests.integrations.cli.helpers import assert_clean_error, one_json, run

QUESTIONS = """\
version: 1
kind: questions
items:
  - id: refund-window-tier-b
    question: "What is the refund window for tier B clients?"
    reference: "Tier B clients can ask for a refund within 30 days."
    sources: [{doc: [refund-policy, refund-procedure-r1]}]
    facts: ["30 days"]
    tags: [refunds]
  - id: oos-bread
    question: "How do I bake sourdough bread?"
    answerable: false
    tags: [out-of-scope]
"""
DRAFTS = """\
version: 1
kind: drafts
cases:
  - id: duplicate-tier-b
    kind: refund
    client: C-2002
    message: "I was charged twice this month, please fix it."
    charge_amount: 49
    expect: {action: full_refund, requires_approval: false, typification: REF-03, must_not_contain: [guarantee]}
    tags: [refund]
"""


@pytest.fixture(scope="module")
@slow_fixture
def hash_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the bundled playbook ingested by the hash embedder."""
    data_dir = tmp_path_factory.mktemp("hash-kb")
    with build_services(hash_settings(data_dir)) as services:
        make_pipeline(services).run([BUNDLED_KNOWLEDGE_DIR])
    return data_dir


@pytest.fixture
def datasets(tmp_path: Path, hash_kb: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(hash_kb))
    monkeypatch.setenv("PLAYBOOK_EMBEDDING_MODEL", "hash")
    (tmp_path / "q.yaml").write_text(QUESTIONS, encoding="utf-8")
    (tmp_path / "d.yaml").write_text(DRAFTS, encoding="utf-8")
    return ["--dataset", str(tmp_path / "q.yaml"), "--dataset", str(tmp_path / "d.yaml")]


def test_eval_writes_results_and_report(datasets: list[str], tmp_path: Path) -> None:
    """A failure means `playbook eval --json` broke its one-JSON-object contract or its two output files."""
    result = run("eval", *datasets, "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    payload = one_json(result)
    assert payload["aggregate"]["questions.count"] == 2 and payload["aggregate"]["drafts.count"] == 1
    assert payload["aggregate"]["drafts.action_accuracy"] == 1.0
    assert "ragas.rouge" in payload["aggregate"]
    saved = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [q["id"] for q in saved["questions"]] == ["refund-window-tier-b", "oos-bread"]
    assert "<svg" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_gate_exit_code(datasets: list[str], tmp_path: Path) -> None:
    """A failure means the gate does not turn a regression into a non-zero exit (CI would stay green)."""
    first = run("eval", *datasets, "--out", str(tmp_path / "a"), "--no-ragas", "--json",
                "--save-baseline", str(tmp_path / "baseline.json"))
    assert first.exit_code == 0, first.output
    same = run("eval", *datasets, "--out", str(tmp_path / "b"), "--no-ragas", "--json",
               "--baseline", str(tmp_path / "baseline.json"))
    assert same.exit_code == 0, same.output
    assert one_json(same)["gate"]["passed"] is True
    baseline = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))
    assert baseline["questions"] == []  # a baseline holds the aggregate, not every item
    baseline["aggregate"]["answers.key_fact_recall"] = 2.0  # above any possible value: the run must regress
    (tmp_path / "better.json").write_text(json.dumps(baseline), encoding="utf-8")
    worse = run("eval", *datasets, "--out", str(tmp_path / "c"), "--no-ragas", "--json",
                "--baseline", str(tmp_path / "better.json"))
    assert worse.exit_code == 1
    gate = one_json(worse)["gate"]
    assert gate["passed"] is False and "answers.key_fact_recall" in gate["regressed"]
    assert worse.stderr.strip().startswith("error: regression: ")


def test_bad_dataset_is_one_clear_line(tmp_path: Path, hash_kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure means a malformed dataset gives a traceback or hides the line to fix."""
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(hash_kb))
    bad = tmp_path / "bad.yaml"
    bad.write_text(QUESTIONS.replace('facts: ["30 days"]', "facts: []"), encoding="utf-8")
    line = assert_clean_error(run("eval", "--dataset", str(bad)))
    assert f"{bad}:4: item 'refund-window-tier-b'" in line and "needs facts" in line
    assert "cannot read" in assert_clean_error(run("eval", "--dataset", str(tmp_path / "missing.yaml")))


def test_compare_two_configurations(datasets: list[str], tmp_path: Path) -> None:
    """A failure means --compare no longer runs both configurations into one table."""
    result = run("eval", *datasets, "--out", str(tmp_path / "cmp"), "--no-ragas", "--json",
                 "--compare", "hybrid:retrieval_mode=hybrid", "dense:retrieval_mode=dense,top_k=3")
    assert result.exit_code == 0, result.output
    table = one_json(result)["compare"]
    assert table["names"] == ["hybrid", "dense"]
    metrics = {row["metric"]: row for row in table["rows"]}
    assert len(metrics["retrieval.hit@5"]["values"]) == 2
    for name in ("hybrid", "dense"):
        saved = json.loads((tmp_path / "cmp" / name / "results.json").read_text(encoding="utf-8"))
        assert saved["config"]["retrieval_mode"] == name
    assert "Comparison" in (tmp_path / "cmp" / "report.html").read_text(encoding="utf-8")


def test_compare_rejects_unknown_settings(datasets: list[str], tmp_path: Path) -> None:
    """A failure means a typo in a configuration silently runs the default configuration."""
    line = assert_clean_error(run("eval", *datasets, "--compare", "a:top_kk=3", "b:top_k=3"))
    assert "unknown setting(s) top_kk" in line


def test_unreachable_url_is_one_clear_line(datasets: list[str]) -> None:
    """A failure means `--url` at a server that is down runs every item into an error instead of stopping."""
    import socket

    with socket.socket() as sock:  # a free port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    line = assert_clean_error(run("eval", *datasets, "--no-ragas", "--url", f"http://127.0.0.1:{port}"))
    assert "cannot reach the server" in line


def test_http_target_scores_a_running_service(hash_kb: Path) -> None:
    """A failure means `--url` mode cannot evaluate a served instance the same way as in-process."""
    settings = hash_settings(hash_kb)
    with build_services(settings) as services:
        app = create_app(settings, services=services, keys=KeyRing((("qa-key-0123456789abcdef", "qa"),)))
        with TestClient(app) as client:
            chunks = services.retriever.snapshot()[1].chunks
            target = HttpTarget("http://testserver", api_key="qa-key-0123456789abcdef",
                                reference={c.id: c for c in chunks}, client=client)
            target.check()
            datasets = [load_dataset("golden")]
            datasets[0].questions = datasets[0].questions[:6]
            results = run_eval(datasets, target, reference=ReferenceIndex(chunks), sla_services=services,
                               options=RunOptions(ragas=False))
    assert results.config["ranking"] == "citations"
    assert results.aggregate["questions.error_rate"] == 0.0
    assert any(q.citations for q in results.questions)


def test_follow_ups_reach_both_targets_with_their_thread(hash_kb: Path) -> None:
    """A failure means a golden follow-up ("and for tier C?") was asked without the conversation before it."""
    thread = [ThreadTurn(role="user", text="What is the refund window for tier B clients?"),
              ThreadTurn(role="assistant", text="30 days.")]
    settings = hash_settings(hash_kb)
    with build_services(settings) as services:
        turns = [Turn(role=t.role, text=t.text) for t in thread]
        with_thread = answer(services, AskRequest(question="and for tier C?", thread=turns))
        alone = answer(services, AskRequest(question="and for tier C?"))
        assert (with_thread.answer, with_thread.citations) != (alone.answer, alone.citations)  # the thread matters
        app = create_app(settings, services=services, keys=KeyRing((("qa-key-0123456789abcdef", "qa"),)))
        with TestClient(app) as client:
            http = HttpTarget("http://testserver", api_key="qa-key-0123456789abcdef", reference={}, client=client)
            outcomes = [t.ask("and for tier C?", "en", thread=thread) for t in (InProcessTarget(services), http)]
    for outcome in outcomes:
        assert outcome.answer.answer == with_thread.answer
        assert [c.doc_id for c in outcome.answer.citations] == [c.doc_id for c in with_thread.citations]
