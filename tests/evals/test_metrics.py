"""Every metric on a hand-computed example, so a formula change shows up here first."""

from __future__ import annotations

import math

import pytest

from assistant.models import Chunk
from evals import metrics as m
from evals.compare import comparison_table, parse_configuration
from evals.dataset import DatasetError, Question
from evals.gate import GateConfig, check
from evals.results import EvalResults
from evals.scoring import ReferenceIndex, retrieval_metrics
from evals.targets import RetrievedChunk


def test_hit_and_reciprocal_rank() -> None:
    """A failure means hit@k or MRR miscounts the rank of the first relevant result."""
    ranking = [False, False, True, False, True]
    assert m.hit_at_k(ranking, 2) == 0.0
    assert m.hit_at_k(ranking, 3) == 1.0
    assert m.reciprocal_rank(ranking) == pytest.approx(1 / 3)
    assert m.reciprocal_rank([False, False]) == 0.0


def test_recall_counts_evidence_units() -> None:
    """A failure means a multi-part question counts as recalled when only one part was retrieved."""
    assert m.recall_at_k([1, 4], 3) == 0.5
    assert m.recall_at_k([1, 4], 5) == 1.0
    assert m.recall_at_k([None, 2], 5) == 0.5
    assert m.recall_at_k([], 5) == 0.0


def test_ndcg_by_hand() -> None:
    """A failure means nDCG's discount or its ideal ranking is wrong.

    Relevant at ranks 2 and 3, three relevant chunks exist: DCG@3 = 1/log2(3) + 1/log2(4),
    IDCG@3 = 1 + 1/log2(3) + 1/log2(4).
    """
    dcg = 1 / math.log2(3) + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert m.ndcg_at_k([False, True, True], 3, total_relevant=3) == pytest.approx(dcg / idcg)
    assert m.ndcg_at_k([True, False], 2, total_relevant=1) == 1.0
    assert m.ndcg_at_k([False], 1, total_relevant=0) == 0.0


def test_facts_are_matched_case_and_space_insensitively() -> None:
    """A failure means a correct answer loses a key fact over case, a line break or a narrow space."""
    text = "Tier A:\nup to USD 5\u202f000 within 30\ndays"
    assert m.facts_found(["30 days", "usd 5,000", "45 days"], text) == [True, True, False]
    assert m.fraction([True, True, False]) == pytest.approx(2 / 3)


def test_citation_support_needs_the_fact_in_a_cited_section() -> None:
    """A failure means citations are counted as correct without containing what the answer states."""
    answer = "The window is 30 days [1] and REF-03 applies [2]."
    assert m.citation_support(["30 days", "REF-03"], answer, ["Refunds within 30 days."]) == 0.5
    assert m.citation_support(["45 days"], answer, ["anything"]) is None


def test_abstention_precision_and_recall() -> None:
    """A failure means abstentions are scored against the wrong class.

    should: [T, T, F, F], did: [T, F, T, F] -> TP 1, FP 1, FN 1.
    """
    scores = m.abstention_scores([True, True, False, False], [True, False, True, False])
    assert scores["abstention_precision"] == 0.5
    assert scores["abstention_recall"] == 0.5
    assert m.abstention_scores([False], [False]) == {
        "abstention_precision": 1.0, "abstention_recall": 1.0, "abstention_f1": 1.0,
    }


def test_percentiles_interpolate() -> None:
    """A failure means p50/p95 are not the linear-interpolation percentiles."""
    assert m.percentiles([10, 20, 30, 40]) == {"p50_ms": 25.0, "p95_ms": 38.5, "max_ms": 40.0}
    assert m.percentiles([])["p95_ms"] == 0.0


def _chunk(cid: str, doc: str, section: str) -> Chunk:
    return Chunk(id=cid, text=f"text of {cid}", doc_id=doc, title=doc, section=section, source=f"{doc}.md")


def test_retrieval_metrics_resolve_sources_against_the_index() -> None:
    """A failure means doc/section labels are resolved to the wrong chunks (hit, recall, nDCG all follow)."""
    chunks = [
        _chunk("refund#limits/0", "refund", "Refunds > Limits by tier"),
        _chunk("refund#limits/1", "refund", "Refunds > Limits by tier"),
        _chunk("refund#window/0", "refund", "Refunds > Window"),
        _chunk("esc#owners/0", "escalation", "Escalation > Owners"),
    ]
    ref = ReferenceIndex(chunks)
    item = Question.model_validate({
        "id": "two-parts", "question": "limits and owners?", "reference": "r", "facts": ["x"],
        "sources": [{"doc": "refund", "section": "Limits"}, {"doc": ["escalation", "roles"]}],
    })
    assert ref.relevant_ids(item) == ["refund#limits/0", "refund#limits/1", "esc#owners/0"]
    ranked = [RetrievedChunk(c.id, c.doc_id, c.section, c.text) for c in (chunks[2], chunks[0], chunks[3])]
    got = retrieval_metrics(item, ranked, ref)
    assert got["hit@1"] == 0.0 and got["hit@3"] == 1.0
    assert got["mrr"] == 0.5
    assert got["recall@1"] == 0.0
    assert got["recall@3"] == 1.0
    assert got["recall@5"] == 1.0
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert got["ndcg@3"] == pytest.approx((1 / math.log2(3) + 1 / math.log2(4)) / idcg)


def _results(aggregate: dict[str, float | None]) -> EvalResults:
    return EvalResults(created_at="t", config={}, datasets=[], aggregate=aggregate)


def test_gate_tolerances_directions_and_missing_metrics() -> None:
    """A failure means the gate passes a drop beyond tolerance, fails one within it, or ignores a vanished metric."""
    config = GateConfig(default_tolerance=0.02, metrics={"retrieval.hit@5": None, "drafts.forbidden_promise_rate": 0,
                                                         "drafts.action_accuracy": 0, "ragas.rouge": 0.03},
                        lower_is_better=["drafts.forbidden_promise_rate"])
    base = _results({"retrieval.hit@5": 0.90, "drafts.forbidden_promise_rate": 0.0, "drafts.action_accuracy": 1.0,
                     "ragas.rouge": 0.20})
    ok = _results({"retrieval.hit@5": 0.885, "drafts.forbidden_promise_rate": 0.0, "drafts.action_accuracy": 1.0,
                   "ragas.rouge": 0.18})
    assert all(r.passed for r in check(ok, base, config))
    bad = _results({"retrieval.hit@5": 0.87, "drafts.forbidden_promise_rate": 0.03, "drafts.pass_rate": 1.0})
    verdict = {r.metric: r.passed for r in check(bad, base, config)}
    assert verdict == {"retrieval.hit@5": False, "drafts.forbidden_promise_rate": False,
                       "drafts.action_accuracy": False}  # vanished from a measured group: fails
    assert "ragas.rouge" not in verdict  # the run measured no ragas metric (--no-ragas): not gated


def test_comparison_table_and_configuration_specs() -> None:
    """A failure means --compare misreads its specs or computes the delta the wrong way round."""
    conf = parse_configuration("dense:retrieval_mode=dense, top_k=3")
    assert (conf.name, conf.overrides, conf.needs_own_index) == ("dense", {"retrieval_mode": "dense", "top_k": "3"},
                                                                 False)
    assert parse_configuration("small:chunk_size=600").needs_own_index
    with pytest.raises(DatasetError):
        parse_configuration("no-colon")
    table = comparison_table([("a", _results({"retrieval.mrr": 0.5, "questions.count": 3.0})),
                              ("b", _results({"retrieval.mrr": 0.75}))])
    assert table["names"] == ["a", "b"]
    assert table["rows"] == [{"metric": "retrieval.mrr", "values": [0.5, 0.75], "delta": 0.25}]
