"""External sets (`playbook eval-external`): a tiny set written here, run through the real ingest, the real
embedding model and the ask entry point; a small slice of the shared doc2dial set when it is present; the CLI's
skip and error paths."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.services import Services
from assistant.settings import Settings
from evals.external import ExternalOptions, ask_one, refusals, run_external, summarize
from evals.external_report import write_external_report
from evals.external_sets import ExternalQuestion, ExternalSetError, find_evaldata, load_set, sample, span_recall
from integrations.cli import app

pytestmark = pytest.mark.slow

DOCS = {
    "parking-permits": "# Resident parking permits\n\nA resident parking permit is valid for 12 months from the date "
    "of issue. Renew it online up to 30 days before it expires. The fee is 45 dollars per vehicle.\n",
    "library-cards": "# Library cards\n\nAny resident can get a library card at a branch desk with a photo ID and "
    "proof of address. A lost card is replaced for 2 dollars. Children under 13 need a parent's signature.\n",
    "boat-licences": "# Boat licences\n\nTo operate a motorboat on state waters you need a boating safety "
    "certificate. The course takes one day and the exam has 50 questions; the pass mark is 80 percent.\n",
}
QUESTIONS = [
    {"id": "q1", "q": "How long is a resident parking permit valid?", "thread": [], "gold": "parking-permits",
     "span": "A resident parking permit is valid for 12 months from the date of issue.", "turn": 1},
    {"id": "q2", "q": "What do I need to get a library card?", "thread": [], "gold": "library-cards",
     "span": "get a library card at a branch desk with a photo ID and proof of address", "turn": 1},
    {"id": "q3", "q": "and what is the pass mark?", "gold": "boat-licences", "turn": 2,
     "thread": [{"role": "user", "text": "Do I need a certificate to drive a motorboat?"},
                {"role": "assistant", "text": "Yes, a boating safety certificate."}],
     "span": "the exam has 50 questions; the pass mark is 80 percent"},
]


def write_set(root: Path, docs: dict[str, str], questions: list[dict]) -> Path:
    (root / "docs").mkdir(parents=True)
    for stem, text in docs.items():
        (root / "docs" / f"{stem}.md").write_text(text, encoding="utf-8")
    (root / "dev.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Settings, list[str]]:
    """The tiny set run twice on one data dir: the second run must reuse the cached index."""
    base = tmp_path_factory.mktemp("external")
    write_set(base / "sets" / "doc2dial", DOCS, QUESTIONS)  # named like a real set, so the CLI can run it too
    settings = Settings(data_dir=base / "data")
    options = ExternalOptions(sets=["doc2dial"], out_of_scope=False)
    run_external(settings, base / "sets", options)
    stages: list[str] = []
    options.progress = lambda stage, _done, _total: stages.append(stage)
    return run_external(settings, base / "sets", options), settings, stages


def test_tiny_set_is_scored_per_slice_beside_the_baselines(tiny_run: tuple[dict, Settings, list[str]]) -> None:
    """A failure means a slice, a product figure or a baseline went missing, or gold matching broke."""
    results, _, _ = tiny_run
    tiny = results["sets"]["doc2dial"]
    assert tiny["questions"] == 3 and tiny["documents"] == 3
    assert set(tiny["slices"]) == {"first_turns", "follow_ups", "all"}
    first = tiny["slices"]["first_turns"]
    assert first["n"] == 2 and tiny["slices"]["follow_ups"]["n"] == 1
    assert first["bm25"]["hit@1"] == 1.0  # each question names its document's words
    for item in tiny["items"]:
        assert 0.0 <= item["span_recall"] <= 1.0
        assert item["hit@1"] <= item["hit@5"] <= item["gold_cited"]
    answered = [i for i in tiny["items"] if not i["abstained"]]
    assert answered, "the product abstained on every plain question of a three-document set"
    assert all(i["cited"] and set(i["cited"]) <= set(DOCS) for i in answered)  # doc ids mapped to file stems
    assert first["product"]["hit@5"] == 1.0, tiny["items"]


def test_second_run_reuses_the_cached_index(tiny_run: tuple[dict, Settings, list[str]]) -> None:
    """A failure means every re-run re-ingests the set (minutes on the real sets) or the cache is not per set."""
    _, settings, stages = tiny_run
    assert not [s for s in stages if "ingest" in s], stages
    assert any("questions" in s for s in stages)
    cached = list((settings.data_dir / "eval-external-cache").iterdir())
    assert len(cached) == 1 and cached[0].name.startswith("doc2dial-")


def test_report_is_written_self_contained(tiny_run: tuple[dict, Settings, list[str]], tmp_path: Path) -> None:
    """A failure means results.json or report.html is missing its figures, or the page fetches something."""
    json_path, html_path = write_external_report(tiny_run[0], tmp_path)
    assert json.loads(json_path.read_text(encoding="utf-8"))["sets"]["doc2dial"]["slices"]
    html = html_path.read_text(encoding="utf-8")
    assert "follow-ups" in html and "BM25" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_cli_prints_the_table_and_one_json_object(
    tiny_run: tuple[dict, Settings, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means `playbook eval-external` lost its table, its --json contract or its report files."""
    settings = tiny_run[1]
    monkeypatch.setenv("PLAYBOOK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("PLAYBOOK_EVALDATA_DIR", str(settings.data_dir.parent / "sets"))
    runner = CliRunner()
    table = runner.invoke(app, ["eval-external", "--set", "doc2dial", "--no-out-of-scope", "--out", str(tmp_path)])
    assert table.exit_code == 0, table.output
    assert "follow-ups" in table.output and "first turns" in table.output and "report:" in table.output
    as_json = runner.invoke(app, ["eval-external", "--set", "doc2dial", "--no-out-of-scope", "--json",
                                  "--out", str(tmp_path / "j")])
    payload = json.loads(as_json.stdout)
    assert set(payload["sets"]["doc2dial"]) == {"first_turns", "follow_ups", "all"}
    assert Path(payload["report"]).is_file() and Path(payload["results"]).is_file()


def test_other_sets_questions_are_refused_by_the_playbook(kb_services: Services, tmp_path: Path) -> None:
    """A failure means the bundled playbook answered a question about parking permits (a guess)."""
    tiny = load_set(write_set(tmp_path / "tiny", DOCS, QUESTIONS[:2]), "tiny")
    out = refusals(kb_services, [tiny], ExternalOptions())
    assert out["tiny"] == {"questions": 2, "abstained": 1.0, "answered": []}


def test_a_refused_question_is_a_scored_miss(kb_services: Services) -> None:
    """A failure means one over-long question of a 2,000-question set stops the whole run with a traceback."""
    row = ask_one(kb_services, ExternalQuestion(id="long", q="why " * 600, gold="x", span="why"), with_scenario=False)
    assert row["error"].startswith("question_too_long: ")
    assert (row["hit@1"], row["gold_cited"], row["abstained"]) == (0.0, 0.0, False)


def test_span_recall_and_sampling() -> None:
    """A failure means span recall counts stopwords or case, or the --limit sample is not fixed and spread out."""
    assert span_recall("The permit is valid for 12 months", "valid 12 MONTHS; permit") == 1.0
    assert span_recall("the permit is valid", "the is") == 0.0
    assert span_recall("the of and", "anything") is None
    items = list(range(100))
    assert sample(items, 4) == [0, 25, 50, 75] and sample(items, None) == items  # type: ignore[arg-type]


def test_summarize_keeps_one_slice_for_sets_without_threads() -> None:
    """A failure means an OR-ShARC-like set (first turns only) shows duplicate slices."""
    row = {"first_turn": True, "hit@1": 1.0, "hit@5": 1.0, "gold_cited": 1.0, "span_recall": None,
           "abstained": False, "latency_ms": 5.0,
           "baselines": {"bm25": {"hit@1": 0.0, "hit@5": 1.0}, "dense": {"hit@1": 1.0, "hit@5": 1.0}}}
    assert list(summarize([row, row])) == ["all"]


def test_malformed_question_line_is_named(tmp_path: Path) -> None:
    """A failure means a broken dev.jsonl gives a traceback instead of the file and line."""
    root = write_set(tmp_path / "bad", DOCS, QUESTIONS[:1])
    with (root / "dev.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"id": "x", "q": "no gold"}\n')
    with pytest.raises(ExternalSetError, match=r"dev.jsonl:2: malformed"):
        load_set(root)


def test_cli_skips_without_sets_and_fails_on_a_missing_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure means `make eval-external` breaks where ../shared/evaldata is absent, or a typo passes silently."""
    monkeypatch.setenv("PLAYBOOK_EVALDATA_DIR", str(tmp_path / "nowhere"))
    runner = CliRunner()
    skipped = runner.invoke(app, ["eval-external"])
    assert skipped.exit_code == 0 and "skipped: no external evaluation sets" in skipped.output
    missing = runner.invoke(app, ["eval-external", "--evaldata", str(tmp_path / "typo")])
    assert missing.exit_code == 1 and "no such folder" in missing.output
    assert "Traceback" not in missing.output


SHARED = find_evaldata()


@pytest.mark.skipif(SHARED is None, reason="../shared/evaldata is absent: the shared doc2dial slice cannot run")
def test_shared_doc2dial_slice(tmp_path: Path) -> None:
    """A failure means the shared set's format changed or the product cites none of the gold documents there."""
    assert SHARED is not None
    full = load_set(SHARED / "doc2dial", "doc2dial")
    picked = sample([q for q in full.questions if q.first_turn], 4) + sample(
        [q for q in full.questions if not q.first_turn], 4)
    stems = sorted({q.gold for q in picked})
    slice_root = tmp_path / "sets" / "doc2dial"
    (slice_root / "docs").mkdir(parents=True)
    for stem in stems:
        shutil.copy(full.docs_dir / f"{stem}.md", slice_root / "docs")
    lines = [line for line in (full.root / "dev.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["id"] in {q.id for q in picked}]
    (slice_root / "dev.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = run_external(Settings(data_dir=tmp_path / "data"), tmp_path / "sets",
                           ExternalOptions(sets=["doc2dial"], out_of_scope=False))
    figures = results["sets"]["doc2dial"]["slices"]
    assert figures["all"]["n"] == 8 and figures["follow_ups"]["n"] == 4
    assert figures["all"]["product"]["gold_cited"] > 0


def test_a_set_with_scenarios_is_also_asked_with_them(tmp_path: Path) -> None:
    """A failure means questions that carry a scenario are only ever asked without it, or the second way of asking
    re-ingests the set instead of sharing its index."""
    questions = [{**q, "scenario": "I moved here last spring."} for q in QUESTIONS[:2]]
    write_set(tmp_path / "sets" / "or-sharc", DOCS, questions)
    settings = Settings(data_dir=tmp_path / "data")
    results = run_external(settings, tmp_path / "sets", ExternalOptions(sets=["or-sharc"], out_of_scope=False))
    assert list(results["sets"]) == ["or-sharc", "or-sharc+scenario"]
    assert not results["sets"]["or-sharc"]["asked_with_scenario"]
    assert results["sets"]["or-sharc+scenario"]["asked_with_scenario"]
    assert [r["gold_cited"] for r in results["sets"]["or-sharc+scenario"]["items"]] == [1.0, 1.0]
    assert [r.get("asked", "") for r in results["sets"]["or-sharc+scenario"]["items"]] == [
        f"I moved here last spring. {q['q']}" for q in QUESTIONS[:2]]
    assert all("asked" not in r for r in results["sets"]["or-sharc"]["items"])
    assert len(list((tmp_path / "data" / "eval-external-cache").iterdir())) == 1
    assert load_set(tmp_path / "sets" / "or-sharc").with_scenarios() is not None
    assert load_set(tmp_path / "sets" / "or-sharc").with_scenarios().with_scenarios() is None  # type: ignore[union-attr]
