"""The golden set with the regression gate, on the bundled knowledge base ingested with the real model.

This is the CI gate of the evaluation suite: the runner runs every golden question and drafting case
against the shared index, and the aggregate must not fall below ``evals/baseline.json`` beyond the
tolerances of ``evals/gate.yaml``. A deliberately worse configuration must fail the same gate. The
report is opened in headless Chromium and a screenshot kept.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from assistant.retrieval.hybrid import HybridRetriever
from assistant.services import Services
from evals.dataset import load_dataset
from evals.gate import GATE_FILE, check, load_gate
from evals.report import write_report
from evals.results import EvalResults, load_results
from evals.runner import RunOptions, run_eval
from evals.scoring import ReferenceIndex
from evals.targets import InProcessTarget
from tests.browser import chromium, full_page_screenshot, needs_chromium

pytestmark = pytest.mark.slow
BASELINE = Path(__file__).parents[2] / "evals" / "baseline.json"


def _run(services: Services, *, ragas: bool) -> EvalResults:
    datasets = [load_dataset("golden"), load_dataset("drafting")]
    reference = ReferenceIndex(services.retriever.snapshot()[1].chunks)
    return run_eval(datasets, InProcessTarget(services), reference=reference, sla_services=services,
                    options=RunOptions(ragas=ragas))


@pytest.fixture(scope="module")
def golden_run(kb_services: Services) -> EvalResults:
    """The golden and drafting sets, scored with ragas' non-LLM metrics, once per module."""
    return _run(kb_services, ragas=True)


def test_golden_set_passes_the_gate(golden_run: EvalResults) -> None:
    """A failure means a change made answers, retrieval or drafts worse than the committed baseline.

    If the change is an intended trade-off, re-run `playbook eval --save-baseline evals/baseline.json`
    and say why in the commit.
    """
    rows = check(golden_run, load_results(BASELINE), load_gate(GATE_FILE))
    assert rows, "the baseline gates nothing"
    regressed = [f"{r.metric}: {r.baseline} -> {r.current} (allowed {r.tolerance})" for r in rows if not r.passed]
    assert not regressed, regressed
    assert golden_run.aggregate["questions.error_rate"] == 0.0
    assert golden_run.aggregate["drafts.error_rate"] == 0.0


def test_results_hold_every_item_with_its_evidence(golden_run: EvalResults) -> None:
    """A failure means results.json lost per-item detail a QA lead needs to see why an item failed."""
    assert len(golden_run.questions) >= 80 and len(golden_run.drafts) >= 20
    answered = [q for q in golden_run.questions if q.answerable]
    assert all(q.retrieved for q in answered)
    assert all(q.failure for q in golden_run.questions if not q.passed)
    assert all("ragas.rouge" in q.metrics for q in answered)
    assert golden_run.latency["ask"]["p95_ms"] > 0
    assert {"refunds", "out-of-scope", "spanish"} <= set(golden_run.by_tag)


def test_gate_fails_a_deliberately_worse_configuration(kb_services: Services) -> None:
    """A failure means the gate would let a real regression through (BM25 only, top 1, strict abstention)."""
    worse_settings = kb_services.settings.model_copy(update={"top_k": 1, "abstain_threshold": 0.8})
    worse = dataclasses.replace(
        kb_services, settings=worse_settings,
        retriever=HybridRetriever(kb_services.store, kb_services.embedder, mode="bm25"),
    )
    results = _run(worse, ragas=False)
    rows = check(results, load_results(BASELINE), load_gate(GATE_FILE))
    regressed = {r.metric for r in rows if not r.passed}
    assert {"answers.key_fact_recall", "answers.pass_rate"} <= regressed, regressed


@needs_chromium
def test_report_renders_in_chromium(golden_run: EvalResults, tmp_path: Path) -> None:
    """A failure means the HTML report is broken: no charts, no worst items, or it needs the network."""
    from selenium.webdriver.common.by import By

    rows = check(golden_run, load_results(BASELINE), load_gate(GATE_FILE))
    report = write_report(golden_run, tmp_path / "report.html", gate=rows)
    html = report.read_text(encoding="utf-8")
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    with chromium(tmp_path) as browser:
        browser.get(report.as_uri())
        assert "evaluation report" in browser.find_element(By.TAG_NAME, "h1").text
        assert len(browser.find_elements(By.CSS_SELECTOR, "svg.bar")) > 20  # metric and tag bars
        assert browser.find_element(By.CSS_SELECTOR, "svg.hist").is_displayed()  # latency histogram
        assert len(browser.find_elements(By.CSS_SELECTOR, ".item")) >= 10  # worst items with sources
        assert "Regression gate" in browser.page_source
        shot = full_page_screenshot(browser, tmp_path / "eval-report.png")
    assert shot.stat().st_size > 20_000
    try:
        shutil.copyfile(shot, "/tmp/eval-report.png")  # kept for a look after the run
    except OSError:
        pass
